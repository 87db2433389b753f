"""How the session page lists a recording's walking bouts (``bout_rows``)."""

from __future__ import annotations

from typing import Any

from retrowalk.gait.direction import REASON_SENSOR_MOVED
from retrowalk.web.pages.exchange import bout_rows

BOUT: dict[str, Any] = {
    "start_s": 65.4,
    "end_s": 3725.0,
    "direction": "unknown",
    "direction_confidence": 0.1,
    "direction_reason": "weak direction evidence",
    "steps": 42,
    "cadence_spm": 88.44,
    "speed_m_s": 0.5,
}


def test_times_read_as_minutes_and_seconds_into_the_recording() -> None:
    row = bout_rows([BOUT], "metric")[0]
    assert (row.start_text, row.end_text) == ("1:05", "1:02:05")


def test_an_unknown_direction_shows_why_in_plain_words() -> None:
    assert bout_rows([BOUT], "metric")[0].why_unknown == (
        "the movement did not clearly show which way"
    )


def test_a_moved_sensor_is_explained_whatever_the_angle() -> None:
    moved = {**BOUT, "direction_reason": f"{REASON_SENSOR_MOVED}: gravity moved by 41 deg"}
    assert "moved on the body since the warm-up" in bout_rows([moved], "metric")[0].why_unknown


def test_a_reason_without_plain_words_is_shown_as_it_is() -> None:
    odd = {**BOUT, "direction_reason": "contains no finite values"}
    assert bout_rows([odd], "metric")[0].why_unknown == "contains no finite values"


def test_a_decided_direction_shows_no_reason() -> None:
    decided = {**BOUT, "direction": "backward", "direction_reason": "ignored"}
    assert bout_rows([decided], "metric")[0].why_unknown == ""


def test_a_recording_stored_before_reasons_were_kept_still_lists() -> None:
    older = {k: v for k, v in BOUT.items() if k != "direction_reason"}
    row = bout_rows([older], "metric")[0]
    assert (row.direction, row.why_unknown) == ("unknown", "")


def test_speed_follows_the_persons_units_and_missing_values_show_a_dash() -> None:
    assert bout_rows([BOUT], "metric")[0].speed_text == "1.8 km/h"
    assert bout_rows([BOUT], "imperial")[0].speed_text == "1.1 mph"
    missing = bout_rows([{**BOUT, "speed_m_s": None, "cadence_spm": None}], "metric")[0]
    assert (missing.speed_text, missing.cadence_text) == ("–", "–")
    assert bout_rows([BOUT], "metric")[0].cadence_text == "88 steps/min"
