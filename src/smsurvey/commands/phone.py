"""``smsurvey phone NUMBER``: a simulated phone in the terminal, talking to a running server."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from datetime import datetime
from typing import Annotated, Any

import httpx
import typer

from smsurvey.commands.common import console, fail
from smsurvey.models.simulator import HandsetDirection
from smsurvey.settings import get_settings

POLL_SECONDS = 0.5
LINGER_SECONDS = 3.0


def phone(
    number: Annotated[str, typer.Argument(help="The simulated phone's number, e.g. +15551234567.")],
    server: Annotated[
        str | None, typer.Option(help="The smsurvey server (default: from settings).")
    ] = None,
    to: Annotated[
        str | None, typer.Option(help="Our number to text (default: the simulator's).")
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="SMSURVEY_API_TOKEN",
            help="An API token of the organisation (`make run` prints one).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Be a phone: see the texts the simulator delivers to NUMBER, and type replies.

    Each line you type is sent as a text. End with Ctrl-D (replies still arriving in the
    next seconds are shown) or Ctrl-C.
    """
    if not token:
        raise fail("give an API token: --token or SMSURVEY_API_TOKEN (`make run` prints one)")
    settings = get_settings()
    base = server or f"http://{settings.host}:{settings.port}"
    try:
        asyncio.run(_phone(base, number, to, token))
    except KeyboardInterrupt:
        console.print()
    except httpx.HTTPStatusError as error:
        raise fail(_refusal(error.response)) from None
    except httpx.HTTPError as error:
        raise fail(f"cannot reach the smsurvey server at {base}: {error}") from None


def _refusal(response: httpx.Response) -> str:
    if response.status_code == 401:
        return "the server does not know this API token"
    if response.status_code == 404:
        return (
            "this organisation has no simulated phones"
            " (it sends through a provider, or the server runs no simulator)"
        )
    return f"the server answered {response.status_code}: {response.text[:200]}"


async def _phone(base: str, number: str, to: str | None, token: str) -> None:
    headers = {"X-API-TOKEN": token}
    async with httpx.AsyncClient(base_url=base, timeout=10, headers=headers) as client:
        path = f"/simulator/phones/{number}/texts"
        seen = max((text["id"] for text in await _texts(client, path, 0)), default=0)
        console.print(f"[bold]{number}[/] is on. Type a text and press Enter; Ctrl-D to hang up.")
        typing = asyncio.create_task(_type(client, path, to))
        last_news = asyncio.get_running_loop().time()
        while True:
            for text in await _texts(client, path, seen):
                seen = text["id"]
                last_news = asyncio.get_running_loop().time()
                if text["direction"] == HandsetDirection.TO_HANDSET:
                    at = datetime.fromisoformat(text["at"]).strftime("%H:%M:%S")
                    console.print(f"[dim]{at}[/] [magenta]{text['counterpart']}[/]: {text['body']}")
            if typing.done() and asyncio.get_running_loop().time() - last_news > LINGER_SECONDS:
                break
            await asyncio.sleep(POLL_SECONDS)
        with contextlib.suppress(asyncio.CancelledError):
            await typing


async def _texts(client: httpx.AsyncClient, path: str, after: int) -> list[dict[str, Any]]:
    response = await client.get(path, params={"after": after})
    response.raise_for_status()
    return response.json()


async def _type(client: httpx.AsyncClient, path: str, to: str | None) -> None:
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        body = line.strip()
        if body:
            response = await client.post(path, json={"text": body, "to": to})
            response.raise_for_status()
