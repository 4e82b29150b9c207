"""Prefixed ids: shape, uniqueness and creation-time order."""

from __future__ import annotations

import time

from smsurvey.kit.ids import ID_LENGTH, is_id, new_id, new_ids


def test_ids_have_the_qualtrics_shape() -> None:
    survey = new_id("SV")
    assert len(survey) == len("SV_") + ID_LENGTH == 18
    assert is_id(survey, "SV")
    assert not is_id(survey, "R")
    assert not is_id("SV_short", "SV")
    assert all(is_id(i, "CID") for i in new_ids("CID", 100))


def test_ids_are_unique_in_bulk() -> None:
    ids = new_ids("CID", 200_000) + [new_id("CID") for _ in range(1000)]
    assert len(set(ids)) == len(ids)


def test_ids_sort_by_creation_time() -> None:
    first = new_id("R")
    time.sleep(0.002)
    second = new_ids("R", 3)
    assert all(first < later for later in second)
