"""Paging parameters as Qualtrics clients send them: a page size above the maximum is
capped (Qualtrics does the same), a page size below 1 and a forged skipToken are refused."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import Depends, FastAPI

from smsurvey.kit import envelope
from smsurvey.kit.pagination import Window, paging


def _app() -> FastAPI:
    app = FastAPI()
    envelope.install(app)

    @app.get("/API/v3/things")
    async def things(page: Annotated[Window, Depends(paging(default=100, maximum=50))]) -> dict:
        return {"offset": page.offset, "size": page.size}

    return app


async def _get(query: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        return await client.get(f"/API/v3/things{query}")


async def test_a_page_size_above_the_maximum_gets_the_maximum() -> None:
    for asked in ("51", "1000", str(10**30)):
        answer = await _get(f"?pageSize={asked}")
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"offset": 0, "size": 50}
    assert (await _get("?pageSize=7&offset=3")).json() == {"offset": 3, "size": 7}
    assert (await _get("")).json() == {"offset": 0, "size": 50}


async def test_a_page_size_below_one_and_a_forged_skip_token_are_refused() -> None:
    for query, named in (("?pageSize=0", "pageSize"), ("?skipToken=bm90IGEgbnVtYmVy", "skipToken")):
        answer = await _get(query)
        assert answer.status_code == 400
        assert named in answer.json()["meta"]["error"]["errorMessage"]
