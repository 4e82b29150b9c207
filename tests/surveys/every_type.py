"""The survey of ``data/every-type.yaml`` (every question type the web survey asks, with
display and skip logic), and answers to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from smsurvey.surveys.formats import load_survey

EVERY_TYPE_FILE = Path(__file__).parent / "data" / "every-type.yaml"
EVERY_TYPE = load_survey(EVERY_TYPE_FILE)

STRAIGHT: dict[str, Any] = {
    "QID1": 8,
    "QID2": "2",
    "QID3": "1",
    "QID4": ["1"],
    "QID5": {"1": "3", "2": "2"},
    "QID6": {"1": 7, "2": 9},
    "QID7": {"1": 2, "2": 1, "3": 3},
    "QID8": {"1": "Ann", "2": "Paris"},
    "QID9": None,
    "QID10": "",
    "QID11": None,
    "QID12": ["2"],
}
"""Answers to :data:`EVERY_TYPE` that no skip rule acts on."""
