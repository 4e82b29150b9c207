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

import phonenumbers
import psutil

FIRST = ["Ann", "Bob", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "Inês", "Jamal"]
LAST = ["Lee", "Smith", "García", "Müller", "Okafor", "Rossi", "Nguyen", "Kowalski", "Dubois"]
US_AREAS = ["201", "212", "213", "305", "312", "404", "415", "512", "617", "646", "718", "917"]
# Mobile number shapes abroad: (region, leading digits, national digits in all).
ABROAD = [("GB", "7", 10), ("FR", "6", 9), ("DE", "15", 11), ("AU", "4", 9), ("BR", "119", 11)]
JUNK = ["", "n/a", "12345", "1-800-FLOWERS", "+999 123", "0000000000", "07911 123456"]


def _valid(make: Callable[[], str], region: str | None) -> str:
    """Draw from ``make`` until phonenumbers accepts the number (generation is not timed)."""
    while True:
        text = make()
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(text, region)):
                return text
        except phonenumbers.NumberParseException:
            pass


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


def _abroad(r: random.Random) -> str:
    region, lead, length = r.choice(ABROAD)

    def national() -> str:
        rest = "".join(r.choice("0123456789") for _ in range(length - len(lead)))
        return "+" + str(phonenumbers.country_code_for_region(region)) + lead + rest

    number = phonenumbers.parse(_valid(national, None))
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    spaced = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return r.choice([e164[1:], e164[1:], spaced, "00" + e164[1:], e164])


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write ``rows`` contacts: 70 % US, 27 % abroad, 1 % junk, 2 % repeated numbers."""
    r = random.Random(seed)
    makers: list[tuple[float, Callable[[], str]]] = [
        (0.70, lambda: _valid(lambda: _us(r), "US")),
        (0.97, lambda: _abroad(r)),
        (0.98, lambda: r.choice(JUNK)),
    ]
    recent: list[str] = []
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("First Name,Last Name,Email,Phone,ExternalDataReference,Store,Segment\n")
        for i in range(rows):
            roll = r.random()
            if roll >= 0.98 and recent:
                phone = r.choice(recent)
            else:
                phone = next(make for limit, make in makers if roll < limit)()
                if len(recent) < 1000:
                    recent.append(phone)
            first, last = r.choice(FIRST), r.choice(LAST)
            email = f"{first.lower()}.{i}@example.org" if r.random() < 0.3 else ""
            out.write(
                f"{first},{last},{email},{phone},C{i:07d},{r.randint(1, 400)},{r.choice('ABC')}\n"
            )


def machine_reference() -> float:
    """µs per ``phonenumbers.parse`` here and now: runs on other days compare through it."""
    started = time.perf_counter()
    for _ in range(20_000):
        phonenumbers.parse("+14155552671")
    return (time.perf_counter() - started) / 20_000 * 1e6


def _tree_memory(process: psutil.Process) -> tuple[int, int, dict[str, int]]:
    """RSS and PSS summed over ``process`` and its descendants, and RSS by process name."""
    rss = pss = 0
    by_name: dict[str, int] = {}
    for member in [process, *process.children(recursive=True)]:
        try:
            info = member.memory_full_info()
            name = " ".join(member.cmdline()[:3])[-60:]
        except psutil.Error:
            continue
        rss += info.rss
        pss += info.pss
        by_name[name] = by_name.get(name, 0) + info.rss
    return rss, pss, by_name


def run_import(csv_path: Path, workdir: Path, region: str, workers: int | None) -> dict[str, float]:
    """Run the real CLI import; return wall seconds and the process tree's peak memory."""
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
    peak_rss = peak_pss = 0
    at_peak: dict[str, int] = {}
    while process.poll() is None:
        rss, pss, by_name = _tree_memory(process)
        if rss > peak_rss:
            peak_rss, at_peak = rss, by_name
        peak_pss = max(peak_pss, pss)
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    output = process.stdout.read() if process.stdout else ""
    if process.returncode != 0:
        raise SystemExit(f"import failed with exit code {process.returncode}:\n{output}")
    print(output.rstrip())
    for name, rss in sorted(at_peak.items(), key=lambda item: -item[1]):
        print(f"  at peak: {rss / 2**20:6.0f} MB RSS  {name}")
    return {"seconds": seconds, "peak_rss_mb": peak_rss / 2**20, "peak_pss_mb": peak_pss / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--region", default="US")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()

    reference = machine_reference()
    print(f"machine reference: phonenumbers.parse takes {reference:.1f} µs here now")
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
        f"peak memory {figures['peak_rss_mb']:.0f} MB RSS summed over the importer and its"
        f" workers ({figures['peak_pss_mb']:.0f} MB counting shared pages once)"
    )
    print(
        json.dumps(
            {
                "rows": args.rows,
                "seconds": round(figures["seconds"], 2),
                "rows_per_s": round(rate),
                "peak_rss_mb": round(figures["peak_rss_mb"], 1),
                "peak_pss_mb": round(figures["peak_pss_mb"], 1),
                "parse_reference_us": round(reference, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
