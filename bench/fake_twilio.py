"""A Twilio look-alike for benchmarks: nginx with the echo module on 127.0.0.1.

It answers ``POST /2010-04-01/Accounts/{sid}/Messages.json`` after 20 ms with a
``201 Created`` Message resource, as Twilio does, using little CPU, so it is never
the bottleneck of what it measures (DESIGN.md, "Conventions"). The Python fakes of
``tests/fakes/`` check requests; this one only answers fast.

Its capacity is measured with ``wrk`` (a C load generator), so the figure is the fake's
and not a Python client's. Run it alone to measure it::

    python bench/fake_twilio.py            # prints requests/s, then a JSON line
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ACCOUNT_SID = "AC00000000000000000000000000000000"
AUTH_TOKEN = "bench-auth-token"
MODULE = Path("/usr/lib/nginx/modules/ngx_http_echo_module.so")
MESSAGE = {
    "sid": "SM00000000000000000000000000000000",
    "status": "queued",
    "num_segments": "1",
    "error_code": None,
    "error_message": None,
}
CONFIG = """
load_module {module};
worker_processes 2;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    server {{
        listen 127.0.0.1:{port} reuseport backlog=4096;
        location ~ ^/2010-04-01/Accounts/[^/]+/Messages\\.json$ {{
            default_type application/json;
            echo_status 201;
            echo_read_request_body;
            echo_sleep {delay};
            echo '{body}';
        }}
    }}
}}
"""


def ensure_nginx() -> None:
    """Install nginx, its echo module and wrk from Debian's packages when missing (as root)."""
    if shutil.which("nginx") and MODULE.exists() and shutil.which("wrk"):
        return
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "nginx-light", "libnginx-mod-http-echo", "wrk"],
        check=True,
        env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def fake_twilio(delay_s: float = 0.02) -> Iterator[str]:
    """Start the fake; yields its base URL (``http://127.0.0.1:PORT``); stops it after."""
    ensure_nginx()
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="fake-twilio-") as prefix:
        config = Path(prefix) / "nginx.conf"
        config.write_text(
            CONFIG.format(
                module=MODULE, prefix=prefix, port=port, delay=delay_s, body=json.dumps(MESSAGE)
            )
        )
        subprocess.run(["nginx", "-p", prefix, "-c", str(config)], check=True)
        try:
            _wait_for(port)
            yield f"http://127.0.0.1:{port}"
        finally:
            subprocess.run(["nginx", "-p", prefix, "-c", str(config), "-s", "stop"], check=False)


def _wait_for(port: int, timeout_s: float = 5) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError(f"the fake Twilio did not listen on {port} within {timeout_s} s")


def messages_url(base_url: str) -> str:
    """Where Twilio's send request goes."""
    return f"{base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


async def post_loop(url: str, count: int, concurrency: int) -> float:
    """Post ``count`` Twilio-shaped sends with ``concurrency`` in flight; returns seconds."""
    import aiohttp

    form = {"To": "+14155552671", "From": "+15005550006", "Body": "Hi Ann, how did we do?"}
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    headers = {"Authorization": f"Basic {credentials}"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        left = iter(range(count))

        async def lane() -> None:
            for _ in left:
                async with session.post(url, data=form, headers=headers) as response:
                    if response.status != 201:
                        raise RuntimeError(f"the fake answered {response.status}")
                    await response.read()

        started = time.perf_counter()
        await asyncio.gather(*(lane() for _ in range(concurrency)))
        return time.perf_counter() - started


WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = "To=%2B14155552671&From=%2B15005550006&Body=Hi+Ann%2C+how+did+we+do%3F"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "{authorization}"
"""


def capacity(base_url: str, seconds: int = 5, connections: int = 800) -> float:
    """Requests/s the fake answers to ``wrk`` posting Twilio sends on ``connections``."""
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT.format(authorization=f"Basic {credentials}"))
        script.flush()
        done = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", script.name,
             messages_url(base_url)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    if "Non-2xx" in done.stdout or "Socket errors" in done.stdout:
        raise RuntimeError(f"the fake refused some of wrk's requests:\n{done.stdout}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    if found is None:
        raise RuntimeError(f"wrk printed no rate:\n{done.stdout}")
    return float(found.group(1))


if __name__ == "__main__":
    with fake_twilio() as base:
        rate = capacity(base)
    print(f"fake Twilio (nginx + echo, 20 ms): {rate:,.0f} requests/s")
    print(json.dumps({"fake_capacity_per_s": round(rate)}))
