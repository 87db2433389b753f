"""Strict reading of decoded JSON (plan files): errors name the field path."""

from __future__ import annotations

import json
from typing import Any

import pytest

from retrowalk.domain.json_reader import MAX_LIST_ITEMS, MAX_TEXT_CHARS, JsonReader
from retrowalk.domain.plan import Plan
from retrowalk.domain.prescription import prescribe
from retrowalk.errors import InputError
from tests.domain.clinical_samples import profile


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0])
def test_an_optional_number_must_be_finite_and_not_negative(value: float) -> None:
    with pytest.raises(InputError) as caught:
        JsonReader({"speed": value}, "pace").optional_float("speed")
    assert caught.value.field == "pace.speed"
    assert "expected a finite number of at least 0" in caught.value.problem


@pytest.mark.parametrize("value", [True, "5", [5]])
def test_an_optional_number_must_be_a_number(value: Any) -> None:
    with pytest.raises(InputError) as caught:
        JsonReader({"speed": value}).optional_float("speed")
    assert caught.value.problem == "expected a number"


def test_an_absent_or_null_optional_number_is_none() -> None:
    assert JsonReader({"speed": None}).optional_float("speed") is None
    assert JsonReader({}).optional_float("speed") is None


def test_a_plan_file_with_nan_as_a_speed_is_refused_naming_the_field() -> None:
    data = json.loads(json.dumps(prescribe(profile(forward_speed_kmh=5.0)).to_json()))
    data["sessions"][0]["pace"]["speed_kmh_min"] = float("nan")
    with pytest.raises(InputError) as caught:
        Plan.from_json(data, source="plan.json")
    assert caught.value.field == "sessions.0.pace.speed_kmh_min"


def test_a_value_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        JsonReader([1, 2], "sessions.0")
    assert (caught.value.field, caught.value.problem) == ("sessions.0", "expected a JSON object")


def test_a_text_longer_than_the_bound_is_refused_naming_the_field() -> None:
    reader = JsonReader(
        {"note": "x" * (MAX_TEXT_CHARS + 1), "cues": ["ok", "y" * (MAX_TEXT_CHARS + 1)]}, "plan"
    )
    with pytest.raises(InputError) as long_note:
        reader.string("note")
    assert long_note.value.field == "plan.note"
    with pytest.raises(InputError) as long_cue:
        reader.strings("cues")
    assert long_cue.value.field == "plan.cues.1"
    assert JsonReader({"note": "x" * MAX_TEXT_CHARS}).string("note") == "x" * MAX_TEXT_CHARS


def test_a_list_of_more_strings_than_the_bound_is_refused() -> None:
    reader = JsonReader({"cues": ["a"] * (MAX_LIST_ITEMS + 1)})
    with pytest.raises(InputError, match="entries"):
        reader.strings("cues")
