"""Plans read from JSON (a clinician's edit, an import): only plans that make sense."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from retrowalk.domain.plan import Plan
from retrowalk.domain.prescription import prescribe
from retrowalk.errors import InputError

from .clinical_samples import profile


def _plan_json() -> dict[str, Any]:
    return prescribe(profile()).to_json()


def _refusal(change: Any) -> InputError:
    data = copy.deepcopy(_plan_json())
    change(data)
    with pytest.raises(InputError) as caught:
        Plan.from_json(data, source="plan")
    return caught.value


def test_a_written_plan_reads_back_the_same() -> None:
    data = _plan_json()
    assert Plan.from_json(data).to_json() == data


@pytest.mark.parametrize("day", ["9999-12-31", "1999-12-31"])
def test_a_start_date_outside_the_sensible_years_is_refused(day: str) -> None:
    error = _refusal(lambda d: d.update(start_date=day))
    assert error.field == "start_date"


def test_a_session_dated_before_the_plan_starts_is_refused() -> None:
    def change(data: dict[str, Any]) -> None:
        data["start_date"] = "2030-01-01"

    assert _refusal(change).field == "sessions.0.date"


def test_a_session_in_a_week_the_plan_does_not_have_is_refused() -> None:
    def change(data: dict[str, Any]) -> None:
        data["sessions"][-1]["week"] = 99

    error = _refusal(change)
    assert error.field == f"sessions.{len(_plan_json()['sessions']) - 1}.week"


def test_a_pace_whose_lowest_speed_is_above_its_highest_is_refused() -> None:
    def change(data: dict[str, Any]) -> None:
        data["sessions"][0]["pace"].update(speed_kmh_min=5.0, speed_kmh_max=1.0)

    assert _refusal(change).field == "sessions.0.pace.speed_kmh_min"


def test_a_running_pace_is_refused() -> None:
    def change(data: dict[str, Any]) -> None:
        data["sessions"][0]["pace"].update(speed_kmh_min=1.0, speed_kmh_max=1e9)

    assert _refusal(change).field == "sessions.0.pace.speed_kmh_max"
