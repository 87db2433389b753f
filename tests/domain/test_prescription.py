from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrowalk.domain.plan import Plan
from retrowalk.domain.prescription import Profile, build_blocks, plain_pace_text, prescribe
from retrowalk.domain.protocols import TEMPLATES
from retrowalk.errors import InputError, NotAllowedError
from tests.domain.clinical_samples import clear_answers, profile


def test_a_plan_is_refused_unless_the_screening_is_cleared() -> None:
    with pytest.raises(NotAllowedError, match="'see_clinician', not 'cleared'") as caught:
        prescribe(profile(screening_answers=clear_answers(pregnant=True)))
    assert "midwife" in str(caught.value)


def test_an_urgent_screening_refuses_a_plan_and_says_seek_care_now() -> None:
    with pytest.raises(NotAllowedError, match="Seek medical care now"):
        prescribe(profile(screening_answers=clear_answers(saddle_numbness=True)))


def test_week_one_starts_at_five_minutes_for_someone_experienced() -> None:
    plan = prescribe(profile())
    assert {s.backward_min for s in plan.sessions if s.week == 1} == {5}


def test_a_newcomer_starts_at_three_minutes() -> None:
    plan = prescribe(profile(screening_answers=clear_answers(walked_backward_before=None)))
    assert plan.sessions[0].backward_min == 3


def test_current_tolerance_above_five_still_starts_at_five() -> None:
    assert prescribe(profile(current_backward_min=20)).sessions[0].backward_min == 5


def test_current_tolerance_below_five_sets_the_start() -> None:
    assert prescribe(profile(current_backward_min=2)).sessions[0].backward_min == 2


def test_the_dose_rises_five_minutes_a_week_to_the_goal_and_holds() -> None:
    plan = prescribe(profile(goal_backward_min=15))
    weekly = [plan.sessions[i].backward_min for i in range(0, len(plan.sessions), 3)]
    assert weekly == [5, 10, 15, 15]


def test_ansari_is_the_default_template_for_three_treadmill_sessions() -> None:
    plan = prescribe(profile())
    assert plan.template == "ansari2020"
    assert plan.weeks == 4
    assert "Ansari S" in plan.follows[0]
    assert "ansari2020" in plan.sources


def test_whitley_is_the_default_template_for_four_sessions_a_week() -> None:
    plan = prescribe(profile(sessions_per_week=4))
    assert plan.template == "whitley2011"
    assert len(plan.sessions) == 16


def test_chitkara_is_the_default_template_overground() -> None:
    plan = prescribe(profile(setting="overground", goal_backward_min=30))
    assert plan.template == "chitkara2725"
    assert plan.sessions[-1].backward_min == 30


def test_a_goal_beyond_the_template_names_the_longer_protocol_it_follows() -> None:
    plan = prescribe(profile(goal_backward_min=30))
    assert any("Chitkara" in line for line in plan.follows)
    assert "chitkara2725" in plan.sources
    assert any("differs from the study's dose" in line for line in plan.extrapolations)


def test_the_plan_says_its_build_up_is_our_choice() -> None:
    plan = prescribe(profile())
    assert any("our choice" in line for line in plan.extrapolations)


def test_a_template_without_a_reported_mode_says_so() -> None:
    plan = prescribe(profile(template="ahmad2023"))
    assert any("did not report" in line for line in plan.extrapolations)


def test_too_few_weeks_for_the_goal_are_kept_and_flagged() -> None:
    plan = prescribe(profile(goal_backward_min=30, weeks=2))
    assert plan.weeks == 2
    assert any("not your goal of 30" in line for line in plan.follows)


def test_three_sessions_a_week_fall_on_days_one_three_and_five() -> None:
    plan = prescribe(profile(start_date=dt.date(2026, 12, 7)))
    assert [s.date.isoformat() for s in plan.sessions[:4]] == [
        "2026-12-07",
        "2026-12-09",
        "2026-12-11",
        "2026-12-14",
    ]


def test_week_one_interleaves_one_minute_backward_blocks_with_forward_walking() -> None:
    blocks = prescribe(profile()).sessions[0].blocks
    assert [(b.direction, b.duration_min) for b in blocks[:3]] == [
        ("backward", 1),
        ("forward", 1),
        ("backward", 1),
    ]


def test_from_week_five_the_backward_minutes_are_one_bout() -> None:
    assert [(b.direction, b.duration_min) for b in build_blocks(5, 23)] == [("backward", 23)]


def test_weeks_three_and_four_use_blocks_of_up_to_five_minutes() -> None:
    assert [b.duration_min for b in build_blocks(3, 13) if b.direction == "backward"] == [5, 5, 3]


def test_every_session_has_warm_up_cool_down_pace_and_cues() -> None:
    session = prescribe(profile()).sessions[0]
    assert session.warmup_forward_min == 5
    assert session.cooldown_forward_min == 3
    assert session.cues
    assert session.total_min == 5 + 9 + 3


def test_treadmill_pace_is_well_below_the_forward_pace() -> None:
    pace = prescribe(profile(forward_speed_kmh=5.0)).sessions[0].pace
    assert (pace.speed_kmh_min, pace.speed_kmh_max) == (1.8, 2.5)
    assert "practitioner_treadmill" in pace.sources  # its grade is in the evidence base


@pytest.mark.parametrize("setting", ["treadmill", "overground"])
@pytest.mark.parametrize("forward_kmh", [None, 5.0, 8.0])
def test_the_pace_a_person_reads_names_no_evidence_grade(
    setting: str, forward_kmh: float | None
) -> None:
    pace = prescribe(profile(setting=setting, forward_speed_kmh=forward_kmh)).sessions[0].pace
    assert "provisional" not in pace.text
    assert "practitioner" not in pace.text


def test_treadmill_pace_without_a_forward_speed_is_one_to_two_mph() -> None:
    pace = prescribe(profile()).sessions[0].pace
    assert (pace.speed_kmh_min, pace.speed_kmh_max) == (1.6, 3.2)


@pytest.mark.parametrize("forward_kmh", [6.5, 8.0, 10.0])
def test_a_fast_forward_walker_starts_backward_at_one_to_two_mph(forward_kmh: float) -> None:
    pace = prescribe(profile(forward_speed_kmh=forward_kmh)).sessions[0].pace
    assert (pace.speed_kmh_min, pace.speed_kmh_max) == (1.6, 3.2)
    assert f"{forward_kmh:g} km/h" in pace.text


@given(st.floats(1.0, 10.0))
def test_the_treadmill_range_never_starts_above_two_mph(forward_kmh: float) -> None:
    pace = prescribe(profile(forward_speed_kmh=forward_kmh)).sessions[0].pace
    assert pace.speed_kmh_min is not None
    assert pace.speed_kmh_max is not None
    assert 0 < pace.speed_kmh_min <= pace.speed_kmh_max <= 3.2


def test_overground_pace_has_no_speed_numbers() -> None:
    pace = prescribe(profile(setting="overground")).sessions[0].pace
    assert pace.speed_kmh_min is None
    assert "stop at any moment" in pace.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sessions_per_week", 5),
        ("goal_backward_min", 31),
        ("weeks", 0),
        ("template", "nope"),
        ("current_backward_min", -1),
        ("forward_speed_kmh", 0.0),
    ],
)
def test_a_profile_out_of_range_is_rejected_naming_the_field(field: str, value: Any) -> None:
    with pytest.raises(InputError) as caught:
        profile(**{field: value})
    assert caught.value.field == field


@st.composite
def profiles(draw: st.DrawFn) -> Profile:
    return profile(
        screening_answers=clear_answers(walked_backward_before=draw(st.none() | st.booleans())),
        sessions_per_week=draw(st.sampled_from([3, 4])),
        setting=draw(st.sampled_from(["treadmill", "overground"])),
        goal_backward_min=draw(st.integers(15, 30)),
        start_date=draw(st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31))),
        current_backward_min=draw(st.none() | st.integers(0, 30)),
        forward_speed_kmh=draw(st.none() | st.floats(1.0, 10.0)),
        template=draw(st.none() | st.sampled_from(sorted(TEMPLATES))),
        weeks=draw(st.none() | st.integers(1, 52)),
    )


@settings(max_examples=150, deadline=None)
@given(profiles())
def test_generated_plans_keep_the_week_one_cap_and_the_thirty_minute_ceiling(
    person: Profile,
) -> None:
    plan = prescribe(person)
    assert plan.sessions
    for session in plan.sessions:
        assert 1 <= session.backward_min <= 30
        assert session.backward_min <= person.goal_backward_min
        if session.week == 1:
            assert session.backward_min <= 5
        backward = sum(b.duration_min for b in session.blocks if b.direction == "backward")
        assert backward == session.backward_min


@settings(max_examples=150, deadline=None)
@given(profiles())
def test_generated_plans_space_sessions_with_rest_days(person: Profile) -> None:
    plan = prescribe(person)
    dates = [s.date for s in plan.sessions]
    gaps = [(later - earlier).days for earlier, later in itertools.pairwise(dates)]
    assert all(gap >= 1 for gap in gaps)
    if person.sessions_per_week == 3:
        assert all(gap >= 2 for gap in gaps)
    else:
        # never three days in a row: two consecutive gaps of one day do not occur
        assert all(not (a == 1 and b == 1) for a, b in itertools.pairwise(gaps))
    for week in range(1, plan.weeks + 1):
        in_week = [s for s in plan.sessions if s.week == week]
        assert len(in_week) == person.sessions_per_week
        start = person.start_date + dt.timedelta(days=7 * (week - 1))
        assert all(start <= s.date < start + dt.timedelta(days=7) for s in in_week)


@settings(max_examples=150, deadline=None)
@given(profiles())
def test_the_dose_never_rises_more_than_five_minutes_a_week(person: Profile) -> None:
    sessions = prescribe(person).sessions
    for earlier, later in itertools.pairwise(sessions):
        assert later.backward_min >= earlier.backward_min
        assert later.backward_min - earlier.backward_min <= 5


@settings(max_examples=100, deadline=None)
@given(profiles())
def test_a_plan_survives_a_json_round_trip_exactly(person: Profile) -> None:
    plan = prescribe(person)
    assert Plan.from_json(json.loads(json.dumps(plan.to_json()))) == plan


def _plan_json() -> dict[str, Any]:
    return json.loads(json.dumps(prescribe(profile()).to_json()))  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("edit", "field", "problem"),
    [
        (lambda d: d.update(colour="red"), "colour", "unknown key"),
        (lambda d: d.update(format="other/1"), "format", "retrowalk-plan/1"),
        (lambda d: d["sessions"][0].update(date="2026-02-30"), "sessions.0.date", "valid date"),
        (lambda d: d["sessions"][0].update(backward_min=6), "sessions.0.blocks", "add up"),
        (lambda d: d["sessions"][1].update(date="2026-12-01"), "sessions.1.date", "after"),
        (lambda d: d["sessions"][0].update(week="1"), "sessions.0.week", "integer"),
        (lambda d: d.update(sessions=[]), "sessions", "at least one"),
        (lambda d: d.pop("setting"), "setting", "missing"),
    ],
)
def test_a_damaged_plan_file_is_rejected_naming_the_field(
    edit: Any, field: str, problem: str
) -> None:
    data = _plan_json()
    edit(data)
    with pytest.raises(InputError) as caught:
        Plan.from_json(data, source="plan.json")
    assert caught.value.field == field
    assert problem in caught.value.problem


def test_a_plan_file_with_more_than_five_minutes_in_week_one_is_rejected() -> None:
    data = _plan_json()
    session = data["sessions"][0]
    session["backward_min"] = 6
    session["blocks"] = [{"direction": "backward", "duration_min": 6}]
    session["total_min"] = 14
    with pytest.raises(InputError, match="week 1 allows at most 5"):
        Plan.from_json(data)


def test_a_one_week_plan_says_one_week_and_that_the_goal_is_not_reached() -> None:
    plan = prescribe(profile(weeks=1, goal_backward_min=30))
    assert "1 week instead of the study's 4." in plan.extrapolations
    assert any("Within 1 week the dose reaches 5 min" in line for line in plan.follows)


@pytest.mark.parametrize("speed_kmh", [0.01, 0.99, 10.5])
def test_a_forward_speed_outside_1_to_10_kmh_is_refused(speed_kmh: float) -> None:
    with pytest.raises(InputError) as caught:
        profile(forward_speed_kmh=speed_kmh)
    assert caught.value.field == "forward_speed_kmh"


def test_the_slowest_accepted_forward_speed_still_gives_a_treadmill_range() -> None:
    pace = prescribe(profile(forward_speed_kmh=1.0)).sessions[0].pace
    assert pace.speed_kmh_min is not None
    assert pace.speed_kmh_min > 0


def test_a_pace_text_stored_with_its_grade_reads_without_it() -> None:
    stored = "Slow: half your forward pace or slower (practitioner advice, provisional)."
    assert plain_pace_text(stored) == "Slow: half your forward pace or slower."
    treadmill = "Treadmill at 1.6-3.2 km/h (1-2 mph; practitioner advice, provisional)."
    assert plain_pace_text(treadmill) == "Treadmill at 1.6-3.2 km/h (1-2 mph)."
