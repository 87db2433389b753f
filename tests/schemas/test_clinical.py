from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from retrowalk.domain.protocols import TEMPLATES
from retrowalk.domain.screening import REQUIRED_ANSWERS
from retrowalk.errors import InputError
from retrowalk.schemas.clinical import (
    ProfileIn,
    ScreeningAnswersIn,
    SessionLogEntryIn,
    SessionLogIn,
    TemplateId,
)
from retrowalk.schemas.parsing import validate
from tests.domain.clinical_samples import clear_answers, clear_answers_json, profile_json


def _entry(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "date": "2026-12-07",
        "backward_min_done": 5,
        "pain_before": 3,
        "pain_max": 4,
        "pain_after": 3,
    }
    data.update(overrides)
    return data


def test_valid_answers_become_domain_answers() -> None:
    answers = validate(ScreeningAnswersIn, clear_answers_json()).to_domain()
    assert answers == clear_answers()


def test_optional_answers_may_be_left_out() -> None:
    data = clear_answers_json()
    for key in ("tug_seconds", "vision_impairment", "walked_backward_before"):
        del data[key]
    answers = validate(ScreeningAnswersIn, data).to_domain()
    assert answers.tug_seconds is None
    assert answers.vision_impairment is None


@pytest.mark.parametrize("missing", REQUIRED_ANSWERS)
def test_each_required_answer_is_required(missing: str) -> None:
    data = clear_answers_json()
    del data[missing]
    with pytest.raises(InputError) as caught:
        validate(ScreeningAnswersIn, data)
    assert caught.value.field == missing
    assert "required" in caught.value.problem.lower()


@pytest.mark.parametrize(
    ("overrides", "field", "problem"),
    [
        ({"pain_now_nprs": 11}, "pain_now_nprs", "less than or equal to 10"),
        ({"pain_now_nprs": "7"}, "pain_now_nprs", "valid integer"),
        ({"pain_now_nprs": 6.5}, "pain_now_nprs", "valid integer"),
        ({"pregnant": 1}, "pregnant", "valid boolean"),
        ({"pregnant": "no"}, "pregnant", "valid boolean"),
        ({"pain_duration_weeks": -2}, "pain_duration_weeks", "greater than or equal to 0"),
        ({"pain_duration_weeks": True}, "pain_duration_weeks", "valid number"),
        ({"pain_duration_weeks": float("nan")}, "pain_duration_weeks", "finite number"),
        ({"pain_duration_weeks": float("inf")}, "pain_duration_weeks", "finite number"),
        ({"tug_seconds": float("nan")}, "tug_seconds", "finite number"),
        ({"tug_seconds": 0}, "tug_seconds", "greater than 0"),
        ({"shoe_size": 42}, "shoe_size", "unknown key"),
    ],
)
def test_bad_answers_name_the_field_and_the_problem(
    overrides: dict[str, Any], field: str, problem: str
) -> None:
    with pytest.raises(InputError) as caught:
        validate(ScreeningAnswersIn, clear_answers_json(**overrides), source="a.json")
    assert caught.value.field == field
    assert problem in caught.value.problem
    assert str(caught.value).startswith("a.json")


def test_a_profile_becomes_a_domain_profile() -> None:
    profile = validate(ProfileIn, profile_json(weeks=6, forward_speed_kmh=5)).to_domain()
    assert profile.start_date == dt.date(2026, 12, 7)
    assert profile.weeks == 6
    assert profile.forward_speed_kmh == 5.0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"start_date": "07/12/2026"}, "start_date"),
        ({"start_date": 20261207}, "start_date"),
        ({"weeks": -1}, "weeks"),
        ({"weeks": 0}, "weeks"),
        ({"sessions_per_week": 5}, "sessions_per_week"),
        ({"setting": "pool"}, "setting"),
        ({"goal_backward_min": 40}, "goal_backward_min"),
        ({"goal_backward_min": 10}, "goal_backward_min"),
        ({"template": "smith1999"}, "template"),
        ({"forward_speed_kmh": 0}, "forward_speed_kmh"),
        (
            {"screening_answers": clear_answers_json(pain_now_nprs=11)},
            "screening_answers.pain_now_nprs",
        ),
    ],
)
def test_bad_profiles_name_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        validate(ProfileIn, profile_json(**overrides))
    assert caught.value.field == field


def test_a_date_that_does_not_exist_says_so() -> None:
    with pytest.raises(InputError, match="not a real date"):
        validate(ProfileIn, profile_json(start_date="2026-02-30"))


def test_the_template_choices_are_exactly_the_protocol_templates() -> None:
    assert set(TemplateId.__args__) == set(TEMPLATES)  # type: ignore[attr-defined]


def test_a_log_entry_becomes_a_domain_entry() -> None:
    item = validate(SessionLogEntryIn, _entry(rpe=4.5, events=["dizziness"])).to_domain()
    assert item.rpe == 4.5
    assert item.events == ("dizziness",)
    assert item.pain_next_morning is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"pain_max": 11}, "pain_max"),
        ({"pain_next_morning": -1}, "pain_next_morning"),
        ({"rpe": 10.5}, "rpe"),
        ({"events": ["trip"]}, "events.0"),
        ({"date": "2026-13-01"}, "date"),
        ({"backward_min_done": -1}, "backward_min_done"),
        ({"mood": "fine"}, "mood"),
    ],
)
def test_bad_log_entries_name_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        validate(SessionLogEntryIn, _entry(**overrides))
    assert caught.value.field == field


def test_a_log_is_a_list_and_errors_name_the_entry_index() -> None:
    assert len(validate(SessionLogIn, [_entry(), _entry(date="2026-12-09")]).to_domain()) == 2
    with pytest.raises(InputError) as caught:
        validate(SessionLogIn, [_entry(), _entry(pain_before=12)])
    assert caught.value.field == "1.pain_before"


def test_a_log_that_is_not_a_list_is_rejected() -> None:
    with pytest.raises(InputError, match="valid list"):
        validate(SessionLogIn, {"entries": []})


def test_a_log_longer_than_any_plan_is_refused() -> None:
    entry = {"date": "2026-12-07", "backward_min_done": 5, "pain_before": 3}
    entry |= {"pain_max": 4, "pain_after": 3}
    with pytest.raises(InputError) as caught:
        validate(SessionLogIn, [entry] * 1001)
    assert "at most 1000 items" in caught.value.problem


def test_a_forward_speed_below_1_kmh_is_refused_by_the_schema() -> None:
    with pytest.raises(InputError) as caught:
        validate(ProfileIn, profile_json(forward_speed_kmh=0.5))
    assert caught.value.field == "forward_speed_kmh"
    assert "greater than or equal to 1" in caught.value.problem
