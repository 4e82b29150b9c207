"""Benchmark ``measure`` + ``smart_encode`` in-process and ``smsurvey segments --json``.

Generates realistic survey texts (plain GSM-7, accents, extension characters, pasted typographic
punctuation, emoji, long multi-part texts, other scripts), times both, checks that the command
agrees with the library, and prints one JSON object with the figures as its last line.

    .venv/bin/python bench/segments.py [--texts 100000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from smsurvey.sms.encoding import Encoding, measure, smart_encode

NAMES = ["Anna", "Jürgen", "Chloé", "Mohammed", "Siobhán", "Zoë", "Łukasz", "Núria", "Ørjan", "Li"]
LINK = "https://s.example.org/r/{code}"
ENGLISH = [
    "Hi {name}, thanks for visiting us on {day}. How likely are you to recommend us (0-10)?",
    "Hello {name}! Please rate your stay from 1 to 5. Reply STOP to opt out.",
    "{name}, your opinion matters. Take our 2-minute survey: " + LINK,
    "Reminder: the survey closes on {day}. Reply with a number from 1 to 5.",
    "Thank you {name}! Your answers have been recorded.",
]
ACCENTED = [
    "Bonjour {name}, êtes-vous satisfait de notre accueil ? Répondez de 1 à 5.",
    "Hola {name}, ¿qué tal tu visita del {day}? Responde del 1 al 5.",
    "Hallo {name}, wie zufrieden waren Sie mit unserem Service? Antworten Sie mit 1-5.",
    "Ciao {name}, com'è andata la visita? Rispondi da 1 a 5. Già fatto? Grazie!",
]
EXTENSION = [
    "Hi {name}, your code is [{code}]. Reply {{YES}} or {{NO}} ~ thanks!",
    "{name}, you paid €{amount} on {day}. Rate us 1|2|3|4|5 at " + LINK,
    "Survey ^{code}^: answer A/B/C \\ reply STOP to stop [opt-out].",
]
TYPOGRAPHIC = [
    "Hi {name}, we’d love your feedback — “how was your visit?” Reply 1–5…",
    "{name}, it’s quick: «rate us» from 1 to 5 • reply STOP to opt out.",
    "Thanks {name}!\u00a0We’re glad you came on {day} – see you soon.",
    "Don’t forget: the survey closes on {day}\u2009— reply ‘YES’ to get a reminder.",
]
EMOJI = [
    "Hi {name} 👋 how did we do? Reply 1–5 ⭐",
    "Thanks {name}! 🎉 Your answers are in.",
    "{name}, rate your visit: 😀=5 🙂=4 😐=3 🙁=2 😞=1",
]
OTHER_SCRIPTS = [
    "Здравствуйте, {name}! Оцените, пожалуйста, наш сервис от 1 до 5.",
    "您好{name}，请为我们的服务打分（1-5）。回复STOP退订。",
    "مرحبا {name}، كيف تقيم زيارتك من 1 إلى 5؟",
    "Γεια σας {name}, πώς θα βαθμολογούσατε την επίσκεψή σας; Απαντήστε 1-5.",
    "Merhaba {name}, hizmetimizi 1'den 5'e kadar puanlar mısınız? Teşekkürler.",
    "Olá {name}, como avalia o atendimento? Responda de 1 a 5. Obrigação cumprida!",
]
DAYS = ["Monday", "12/03", "Friday 14 June", "tomorrow"]


def _fill(rng: random.Random, template: str) -> str:
    return template.format(
        name=rng.choice(NAMES),
        day=rng.choice(DAYS),
        code=f"{rng.randrange(16**6):06X}",
        amount=f"{rng.uniform(5, 500):.2f}",
    )


def _long(rng: random.Random) -> str:
    """A 2-6 part text mixing every kind above."""
    pool = ENGLISH + ACCENTED + EXTENSION + TYPOGRAPHIC + EMOJI + OTHER_SCRIPTS
    return " ".join(_fill(rng, rng.choice(pool)) for _ in range(rng.randint(3, 10)))


KINDS: dict[str, tuple[float, Callable[[random.Random], str]]] = {
    "plain GSM-7": (0.35, lambda rng: _fill(rng, rng.choice(ENGLISH))),
    "accented GSM-7 / Latin": (0.10, lambda rng: _fill(rng, rng.choice(ACCENTED))),
    "extension characters": (0.10, lambda rng: _fill(rng, rng.choice(EXTENSION))),
    "typographic punctuation": (0.15, lambda rng: _fill(rng, rng.choice(TYPOGRAPHIC))),
    "emoji": (0.10, lambda rng: _fill(rng, rng.choice(EMOJI))),
    "other scripts": (0.10, lambda rng: _fill(rng, rng.choice(OTHER_SCRIPTS))),
    "long multi-part": (0.10, _long),
}


def generate(count: int, seed: int) -> tuple[list[str], Counter[str]]:
    """``count`` texts drawn from ``KINDS`` by weight, and how many of each kind."""
    rng = random.Random(seed)
    kinds = rng.choices(list(KINDS), weights=[weight for weight, _ in KINDS.values()], k=count)
    return [KINDS[kind][1](rng) for kind in kinds], Counter(kinds)


def run_cli(texts: list[str]) -> tuple[float, list[dict[str, object]]]:
    """Seconds ``smsurvey segments --json`` takes over ``texts``, and its answers."""
    command = Path(sys.executable).with_name("smsurvey")  # the venv's console script
    stdin = "".join(json.dumps({"text": text}) + "\n" for text in texts).encode()
    started = time.perf_counter()
    done = subprocess.run(
        [str(command), "segments", "--json"], input=stdin, capture_output=True, check=True
    )
    seconds = time.perf_counter() - started
    return seconds, [json.loads(line) for line in done.stdout.splitlines()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    texts, kinds = generate(args.texts, args.seed)
    print(f"{len(texts):,} texts, {sum(map(len, texts)):,} characters:")
    for kind, count in kinds.most_common():
        print(f"  {count:>7,}  {kind}")

    started = time.perf_counter()
    measures = [measure(text) for text in texts]
    smart = [smart_encode(text) for text in texts]
    inprocess_seconds = time.perf_counter() - started
    smart_measures = [measure(text) for text in smart]

    encodings = Counter(m.encoding for m in measures)
    parts, smart_parts = sum(m.parts for m in measures), sum(m.parts for m in smart_measures)
    print(
        f"GSM-7 {encodings[Encoding.GSM7]:,}, UCS-2 {encodings[Encoding.UCS2]:,}; "
        f"{parts:,} parts as written, {smart_parts:,} after smart encoding "
        f"({sum(a != b for a, b in zip(texts, smart, strict=True)):,} texts converted)"
    )
    print(
        f"in-process measure + smart_encode: {inprocess_seconds:.3f} s, "
        f"{len(texts) / inprocess_seconds:,.0f} texts/s"
    )

    startup_seconds, _ = run_cli([])
    cli_seconds, answers = run_cli(texts)
    agrees = [(a["parts"], a["smart"]["parts"]) for a in answers] == [
        (m.parts, s.parts) for m, s in zip(measures, smart_measures, strict=True)
    ]
    print(
        f"smsurvey segments --json: {cli_seconds:.3f} s including {startup_seconds:.3f} s "
        f"start-up, {len(texts) / cli_seconds:,.0f} texts/s; agrees with the library: {agrees}"
    )
    print(
        json.dumps(
            {
                "texts": len(texts),
                "cli_seconds": round(cli_seconds, 3),
                "cli_startup_seconds": round(startup_seconds, 3),
                "cli_texts_per_s": round(len(texts) / cli_seconds),
                "inprocess_seconds": round(inprocess_seconds, 3),
                "inprocess_texts_per_s": round(len(texts) / inprocess_seconds),
                "cli_agrees": agrees,
            }
        )
    )


if __name__ == "__main__":
    main()
