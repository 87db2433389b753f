"""Service inputs: times outside sensible years and minutes beyond the session are refused."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from retrowalk.services.inputs import OutcomeIn, PatientProfileIn, SessionLogIn, UserUpdateIn


def _session(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "started_at": "2026-11-20T10:00:00+00:00",
        "ended_at": "2026-11-20T10:20:00+00:00",
        "backward_min": 10,
        "forward_min": 8,
        "pain_before": 2,
        "pain_max": 3,
        "pain_after": 2,
    }
    body.update(changes)
    return body


def _problem(error: ValidationError) -> tuple[str, str]:
    first = error.errors()[0]
    return ".".join(str(p) for p in first["loc"]), first["msg"]


@pytest.mark.parametrize("field", ["started_at", "ended_at"])
@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "1999-12-31T12:00:00Z"]
)
def test_a_session_time_outside_the_sensible_years_names_the_field(field: str, moment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SessionLogIn.model_validate(_session(**{field: moment}))
    where, message = _problem(caught.value)
    assert where == field
    assert "between the years 2000 and 2100" in message


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "0001-01-01T00:00:00Z"])
def test_an_assessment_time_outside_the_sensible_years_is_refused(moment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        OutcomeIn.model_validate({"instrument": "nprs", "items": [3], "assessed_at": moment})
    assert _problem(caught.value)[0] == "assessed_at"


def test_more_walking_minutes_than_the_session_lasted_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"more than the time from started_at to ended_at"):
        SessionLogIn.model_validate(
            _session(ended_at="2026-11-20T10:01:00+00:00", backward_min=120, forward_min=240)
        )


def test_walking_minutes_rounded_up_a_little_past_the_session_are_accepted() -> None:
    log = SessionLogIn.model_validate(
        _session(ended_at="2026-11-20T10:18:00+00:00", backward_min=10.1, forward_min=8.0)
    )
    assert log.backward_min == 10.1


@pytest.mark.parametrize(("before", "highest", "after"), [(6, 2, 3), (2, 3, 5)])
def test_a_highest_pain_below_the_pain_before_or_after_is_refused(
    before: int, highest: int, after: int
) -> None:
    with pytest.raises(ValidationError, match=r"pain_max .* cannot be lower"):
        SessionLogIn.model_validate(
            _session(pain_before=before, pain_max=highest, pain_after=after)
        )


@pytest.mark.parametrize("name", ["localtime", "Factory", "posixrules", "right/UTC", "Mars/Base"])
def test_a_time_zone_that_is_not_an_iana_name_is_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="not a known IANA time zone"):
        PatientProfileIn(time_zone=name)


@pytest.mark.parametrize("name", ["UTC", "Europe/Berlin", "Pacific/Honolulu"])
def test_iana_time_zones_are_accepted(name: str) -> None:
    assert PatientProfileIn(time_zone=name).time_zone == name


def test_a_nul_character_is_refused_naming_its_field_once() -> None:
    with pytest.raises(ValidationError) as caught:
        SessionLogIn.model_validate(_session(notes="a\x00b"))
    where, message = _problem(caught.value)
    assert where == "notes"
    assert message == "Value error, must not contain NUL characters"


@pytest.mark.parametrize("value", ["yes", 1, "true"])
def test_an_account_is_switched_on_or_off_only_by_true_or_false(value: object) -> None:
    with pytest.raises(ValidationError):
        UserUpdateIn.model_validate({"is_active": value})
