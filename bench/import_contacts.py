"""Benchmark: import a 1,000,000-row contact CSV with messy phone formats on SQLite.

Generates the file (deterministic), runs the real ``smsurvey contacts import``
command on a fresh SQLite database in a temporary directory, samples the memory
of the whole process tree (the importer and its phone-checking workers), and
prints rows/s and peak memory. Last line: JSON with ``rows_per_s`` and ``peak_rss_mb``.

    .venv/bin/python bench/import_contacts.py [--rows N] [--region US] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil

FIRST = ["Ann", "Bob", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "Inês", "Jamal"]
LAST = ["Lee", "Smith", "García", "Müller", "Okafor", "Rossi", "Nguyen", "Kowalski", "Dubois"]
US_AREAS = ["201", "212", "213", "305", "312", "404", "415", "512", "617", "646", "718", "917"]


def _us(r: random.Random) -> str:
    area, exchange, line = r.choice(US_AREAS), r.randint(201, 989), r.randint(0, 9999)
    forms = [
        f"1({area})-{exchange}-{line:04d}",
        f"1-{area}-{exchange}-{line:04d}",
        f"1-({area})-{exchange}-{line:04d}",
        f"1{area}{exchange}{line:04d}",
        f"1-{area}{exchange}{line:04d}",
        f"1 ({area}) {exchange}-{line:04d}",
        f"1-({area}) {exchange}-{line:04d}",
        f"1({area}) {exchange}-{line:04d}",
        f"+1 {area} {exchange} {line:04d}",
        f"({area}) {exchange}-{line:04d}",
        f"{area}.{exchange}.{line:04d}",
    ]
    return r.choice(forms)


def _international(r: random.Random) -> str:
    return r.choice(
        [
            f"447{r.randint(400, 999)}{r.randint(0, 999999):06d}",
            f"+44 7{r.randint(400, 999)} {r.randint(0, 999999):06d}",
            f"0044 7{r.randint(400, 999)}{r.randint(0, 999999):06d}",
            f"336{r.randint(0, 99999999):08d}",
            "+33 7 " + " ".join(f"{r.randint(10, 99)}" for _ in range(4)),
            f"4915{r.randint(1, 9)}{r.randint(0, 9999999):07d}",
            f"614{r.randint(10, 99)}{r.randint(0, 999999):06d}",
            f"+55 11 9{r.randint(1000, 9999)}-{r.randint(0, 9999):04d}",
        ]
    )


def _junk(r: random.Random) -> str:
    return r.choice(["", "n/a", "12345", "1-800-FLOWERS", "+999 123", "0000000000"])


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write ``rows`` contacts: 70 % US, 27 % elsewhere, 1 % junk, 2 % repeated numbers."""
    r = random.Random(seed)
    makers: list[tuple[float, Callable[[random.Random], str]]] = [
        (0.70, _us),
        (0.97, _international),
        (0.98, _junk),
    ]
    recent: list[str] = []
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("First Name,Last Name,Email,Phone,ExternalDataReference,Store,Segment\n")
        for i in range(rows):
            roll = r.random()
            if roll >= 0.98 and recent:
                phone = r.choice(recent)
            else:
                phone = next(make for limit, make in makers if roll < limit)(r)
                if len(recent) < 1000:
                    recent.append(phone)
            first, last = r.choice(FIRST), r.choice(LAST)
            email = f"{first.lower()}.{i}@example.org" if r.random() < 0.3 else ""
            quoted = f'"{phone}"' if "," in phone else phone
            out.write(
                f"{first},{last},{email},{quoted},C{i:07d},{r.randint(1, 400)},{r.choice('ABC')}\n"
            )


def run_import(csv_path: Path, workdir: Path, region: str, workers: int | None) -> dict[str, float]:
    """Run the real CLI import; return wall seconds and the process tree's peak RSS."""
    command = [
        str(Path(sys.executable).with_name("smsurvey")),
        "contacts",
        "import",
        str(csv_path),
        "--list",
        "Bench",
        "--phone-column",
        "Phone",
        "--region",
        region,
    ]
    if workers is not None:
        command += ["--workers", str(workers)]
    env = {**os.environ, "SMSURVEY_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bench.db'}"}
    subprocess.run([command[0], "migrate"], cwd=workdir, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    process = psutil.Popen(command, cwd=workdir, env=env, stdout=subprocess.PIPE, text=True)
    peak = 0
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    output = process.stdout.read() if process.stdout else ""
    if process.returncode != 0:
        raise SystemExit(f"import failed with exit code {process.returncode}:\n{output}")
    print(output.rstrip())
    return {"seconds": seconds, "peak_rss_mb": peak / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--region", default="US")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="smsurvey-bench-") as tmp:
        workdir = Path(tmp)
        csv_path = workdir / "contacts.csv"
        started = time.perf_counter()
        generate(csv_path, args.rows)
        size_mb = csv_path.stat().st_size / 2**20
        seconds = time.perf_counter() - started
        print(f"generated {args.rows:,} rows ({size_mb:.0f} MB) in {seconds:.1f} s")
        figures = run_import(csv_path, workdir, args.region, args.workers)
    rate = args.rows / figures["seconds"]
    print(
        f"imported {args.rows:,} rows in {figures['seconds']:.1f} s: {rate:,.0f} rows/s, "
        f"peak memory {figures['peak_rss_mb']:.0f} MB (importer and workers together)"
    )
    print(
        json.dumps(
            {
                "rows": args.rows,
                "seconds": round(figures["seconds"], 2),
                "rows_per_s": round(rate),
                "peak_rss_mb": round(figures["peak_rss_mb"], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
