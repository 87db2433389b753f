from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrowalk.domain.json_reader import MAX_TEXT_CHARS
from retrowalk.domain.plan import Plan
from retrowalk.domain.prescription import prescribe
from retrowalk.domain.progression import apply_decision, catch_up, decide_progression
from retrowalk.domain.session_log import SESSION_EVENTS, SessionEvent, SessionLogEntry
from retrowalk.errors import InputError
from tests.domain.clinical_samples import entry, profile

PLAN = prescribe(profile(goal_backward_min=30))  # 5,5,5,10,10,10,15,...


def rules_of(plan: Plan, log: list[SessionLogEntry]) -> set[str]:
    return {reason.rule for reason in decide_progression(plan, log).reasons}


def test_a_session_that_went_well_progresses_to_the_next_planned_dose() -> None:
    log = [entry(7), entry(9), entry(11)]
    decision = decide_progression(PLAN, log)
    assert decision.action == "progress"
    assert decision.next_session == 4
    assert decision.next_backward_min == 10
    assert decision.based_on_session == 3


@pytest.mark.parametrize("event", ["fall", "near_fall", "new_red_flag"])
def test_a_fall_near_fall_or_new_red_flag_pauses_and_sends_to_a_clinician(
    event: SessionEvent,
) -> None:
    decision = decide_progression(PLAN, [entry(events=(event,))])
    assert decision.action == "pause"
    assert decision.see_clinician
    assert decision.next_backward_min == 0
    assert f"event.{event}" in {r.rule for r in decision.reasons}
    assert "clinician" in decision.reasons[0].text


def test_a_fall_in_an_earlier_session_still_pauses() -> None:
    assert decide_progression(PLAN, [entry(7, events=("fall",)), entry(9)]).action == "pause"


def test_dizziness_once_reduces_the_dose() -> None:
    decision = decide_progression(PLAN, [entry(events=("dizziness",))])
    assert decision.action == "reduce"
    assert decision.next_backward_min < 5


def test_dizziness_in_two_sessions_pauses() -> None:
    log = [entry(7, events=("dizziness",)), entry(9, events=("dizziness",))]
    assert decide_progression(PLAN, log).action == "pause"


def test_pain_during_above_five_reduces() -> None:
    decision = decide_progression(PLAN, [entry(peak=6)])
    assert decision.action == "reduce"
    assert "pain.during_above_limit" in {r.rule for r in decision.reasons}


def test_pain_during_of_exactly_five_is_acceptable() -> None:
    assert decide_progression(PLAN, [entry(peak=5)]).action == "progress"


def test_pain_not_settled_by_the_next_morning_reduces() -> None:
    assert decide_progression(PLAN, [entry(before=3, morning=4)]).action == "reduce"


def test_unknown_next_morning_pain_repeats_the_dose() -> None:
    decision = decide_progression(PLAN, [entry(morning=None)])
    assert decision.action == "repeat"
    assert decision.next_backward_min == 5


def test_a_partly_done_session_repeats() -> None:
    assert decide_progression(PLAN, [entry(done=4)]).action == "repeat"


def test_less_than_half_done_reduces() -> None:
    assert decide_progression(PLAN, [entry(done=2)]).action == "reduce"


def test_very_strong_effort_reduces_and_strong_effort_repeats() -> None:
    assert decide_progression(PLAN, [entry(rpe=7)]).action == "reduce"
    assert decide_progression(PLAN, [entry(rpe=5)]).action == "repeat"


def test_missing_effort_does_not_block_progress() -> None:
    assert decide_progression(PLAN, [entry(rpe=None)]).action == "progress"


def test_a_reduction_is_three_quarters_of_the_last_planned_dose_rounded_down() -> None:
    days_and_doses = zip((7, 9, 11, 14, 16, 18), (5, 5, 5, 10, 10, 10), strict=True)
    log = [entry(day, done=dose) for day, dose in days_and_doses]
    log.append(entry(21, done=15, peak=7))
    decision = decide_progression(PLAN, log)
    assert decision.action == "reduce"
    assert decision.next_backward_min == 11  # floor(15 * 0.75)


def test_pain_not_settled_after_an_earlier_session_still_holds_the_dose_down() -> None:
    log = [entry(7, morning=6), entry(9)]
    decision = decide_progression(PLAN, log)
    assert decision.action == "progress"
    assert decision.next_backward_min == 3  # reduced after session 1 (floor(5 * 0.75))
    assert [(c.after_session, c.change) for c in decision.earlier_changes] == [(1, "reduce")]
    assert decision.to_json()["earlier_changes"] == [{"after_session": 1, "action": "reduce"}]


def test_a_reduced_dose_builds_up_again_by_at_most_five_minutes_a_week() -> None:
    log = [entry(7, morning=6), entry(9, done=3), entry(11, done=3)]
    decision = decide_progression(PLAN, log)
    assert decision.next_session == 4
    assert decision.next_backward_min == 8  # 3 in week 1, + 5 in week 2 (plan: 10)


def test_a_plan_whose_history_holds_the_earlier_decisions_is_not_changed_again() -> None:
    first = [entry(7, morning=6)]
    revised = apply_decision(PLAN, decide_progression(PLAN, first))
    log = [*first, entry(9, done=3)]
    assert catch_up(revised, log) == revised
    again, from_the_start = decide_progression(revised, log), decide_progression(PLAN, log)
    assert again.earlier_changes == ()
    assert (again.action, again.next_backward_min) == (
        from_the_start.action,
        from_the_start.next_backward_min,
    )


def test_usual_pain_up_two_points_above_the_recent_low_holds_the_dose() -> None:
    log = [entry(7, before=2, morning=2), entry(9, before=3, morning=3)]
    log.append(entry(11, before=4, morning=4))
    decision = decide_progression(PLAN, log)
    assert decision.action == "repeat"
    assert "pain.usual_level_rising" in {r.rule for r in decision.reasons}
    assert "childs2005" in decision.reasons[0].sources


def test_usual_pain_back_up_after_an_improvement_holds_the_dose() -> None:
    # 5, 3, 5: the first session's 5 is no baseline; the recent low (3) is
    log = [entry(7, before=5, peak=5, morning=5), entry(9, before=3, morning=3)]
    log.append(entry(11, before=5, peak=5, morning=5))
    decision = decide_progression(PLAN, log)
    assert decision.action == "repeat"
    rising = [r for r in decision.reasons if r.rule == "pain.usual_level_rising"]
    assert rising
    assert "from 3/10" in rising[0].text


def test_a_low_more_than_28_days_before_does_not_hold_the_dose() -> None:
    log = [entry(7, before=2, morning=2), entry(40, before=4, morning=4)]
    assert "pain.usual_level_rising" not in {r.rule for r in decide_progression(PLAN, log).reasons}


def test_usual_pain_up_one_point_does_not_hold_the_dose() -> None:
    log = [entry(7, before=2, morning=2), entry(9, before=3, morning=3)]
    assert decide_progression(PLAN, log).action == "progress"


def test_the_log_is_read_in_date_order() -> None:
    log = [entry(9, peak=6), entry(7)]
    assert decide_progression(PLAN, log).action == "reduce"


def test_an_empty_log_is_an_input_error() -> None:
    with pytest.raises(InputError, match="no session logged"):
        decide_progression(PLAN, [])


def test_a_paused_plan_stays_paused() -> None:
    paused = apply_decision(PLAN, decide_progression(PLAN, [entry(events=("fall",))]))
    assert paused.status == "paused"
    assert decide_progression(paused, [entry(7), entry(9)]).action == "pause"


def test_applying_a_pause_keeps_the_sessions_and_records_the_reason() -> None:
    decision = decide_progression(PLAN, [entry(events=("near_fall",))])
    paused = apply_decision(PLAN, decision)
    assert paused.sessions == PLAN.sessions
    assert paused.revision == PLAN.revision + 1
    assert paused.history[-1].change == "pause"
    assert "near-fall" in paused.history[-1].note


def test_a_pause_with_a_flare_keeps_the_flares_reduction_for_when_the_program_resumes() -> None:
    log = [entry(d) for d in (7, 9, 11, 14, 16)]
    log.append(entry(18, done=10, peak=6, events=("near_fall",)))
    decision = decide_progression(PLAN, log)
    assert decision.action == "pause"
    paused = apply_decision(PLAN, decision)
    assert paused.status == "paused"
    assert paused.sessions[6].backward_min == 7  # as a reduction alone: 75 % of 10, floored


def test_a_pause_never_lets_the_dose_rise_at_the_next_session() -> None:
    log = [entry(7), entry(9), entry(11, events=("fall",))]  # sessions of 5 min, next 10
    paused = apply_decision(PLAN, decide_progression(PLAN, log))
    assert PLAN.sessions[3].backward_min == 10
    assert paused.sessions[3].backward_min == 5
    assert all(
        later.backward_min <= planned.backward_min
        for later, planned in zip(paused.sessions, PLAN.sessions, strict=True)
    )


def test_applying_a_reduction_lowers_the_next_session_and_ramps_again_from_there() -> None:
    log = [entry(d) for d in (7, 9, 11, 14, 16)]
    log.append(entry(18, done=10, peak=6))
    decision = decide_progression(PLAN, log)
    revised = apply_decision(PLAN, decision)
    assert decision.next_backward_min == 7
    assert revised.sessions[6].backward_min == 7  # session 7, week 3
    assert revised.sessions[7].backward_min == 7
    assert revised.sessions[9].backward_min == 12  # week 4: +5
    backward = sum(b.duration_min for b in revised.sessions[6].blocks if b.direction == "backward")
    assert backward == 7


def test_a_decision_after_the_last_planned_session_has_no_next_session() -> None:
    short = prescribe(profile(weeks=1))
    decision = decide_progression(short, [entry(7), entry(9), entry(11)])
    assert decision.next_session is None
    assert apply_decision(short, decision).sessions == short.sessions


def test_the_decision_json_has_action_next_backward_min_and_reasons() -> None:
    data = decide_progression(PLAN, [entry(peak=8)]).to_json()
    assert data["action"] == "reduce"
    assert data["next_backward_min"] == 3
    assert data["reasons"][0]["rule"] == "pain.during_above_limit"
    assert data["reasons"][0]["sources"]


def _random_entry(draw: st.DrawFn, date: dt.date) -> SessionLogEntry:
    return SessionLogEntry(
        date=date,
        backward_min_done=draw(st.floats(0, 40, allow_nan=False)),
        pain_before=draw(st.integers(0, 10)),
        pain_max=draw(st.integers(0, 10)),
        pain_after=draw(st.integers(0, 10)),
        pain_next_morning=draw(st.none() | st.integers(0, 10)),
        rpe=draw(st.none() | st.floats(0, 10, allow_nan=False)),
        events=tuple(draw(st.lists(st.sampled_from(SESSION_EVENTS), max_size=2))),
    )


def _good_entry(draw: st.DrawFn, date: dt.date, planned_min: int) -> SessionLogEntry:
    """A session done as planned with pain in the acceptable zone; next-morning pain mostly
    settled, sometimes one point above the usual level (the boundary of the 24-hour rule)."""
    before = draw(st.integers(0, 5))
    return SessionLogEntry(
        date=date,
        backward_min_done=float(planned_min + draw(st.integers(0, 2))),
        pain_before=before,
        pain_max=draw(st.integers(0, 5)),
        pain_after=draw(st.integers(0, 5)),
        pain_next_morning=draw(st.integers(0, before + 1)),
        rpe=draw(st.none() | st.floats(0, 4, allow_nan=False)),
        events=(),
    )


@st.composite
def log_entries(draw: st.DrawFn, plan: Plan, count: int) -> list[SessionLogEntry]:
    """Logs that mix sessions that went well (so the progress path is exercised) with
    arbitrary ones (flares, falls, partial sessions, strong effort)."""
    entries = []
    for index in range(count):
        date = dt.date(2026, 12, 7) + dt.timedelta(days=2 * index)
        planned = (plan.session(index + 1) or plan.sessions[-1]).backward_min
        if draw(st.integers(0, 3)) > 0:
            entries.append(_good_entry(draw, date, planned))
        else:
            entries.append(_random_entry(draw, date))
    return entries


@st.composite
def plans_and_logs(draw: st.DrawFn) -> tuple[Plan, list[SessionLogEntry]]:
    plan = prescribe(
        profile(
            sessions_per_week=draw(st.sampled_from([3, 4])),
            goal_backward_min=draw(st.integers(15, 30)),
            weeks=draw(st.integers(1, 4)),
            setting=draw(st.sampled_from(["treadmill", "overground"])),
        )
    )
    log = draw(log_entries(plan, draw(st.integers(1, len(plan.sessions) + 2))))
    return plan, log


def _is_flare_or_fall(last: SessionLogEntry) -> bool:
    flare = last.pain_max > 5 or (
        last.pain_next_morning is not None and last.pain_next_morning > last.pain_before
    )
    return flare or bool({"fall", "near_fall", "new_red_flag"} & set(last.events))


@settings(max_examples=100, deadline=None)
@given(plans_and_logs())
def test_a_flare_or_fall_never_increases_the_dose(
    case: tuple[Plan, list[SessionLogEntry]],
) -> None:
    plan, log = case
    decision = decide_progression(plan, log)
    last_planned = (plan.session(len(log)) or plan.sessions[-1]).backward_min
    rules = {reason.rule for reason in decision.reasons}
    last = log[-1]
    if last.pain_max > 5:
        assert "pain.during_above_limit" in rules
    if last.pain_next_morning is not None and last.pain_next_morning > last.pain_before:
        assert "pain.not_settled_next_morning" in rules
    if last.pain_before - min(log, key=lambda e: e.date).pain_before >= 2:
        assert decision.action != "progress"
    if _is_flare_or_fall(log[-1]):
        assert decision.action in ("reduce", "pause")
        assert decision.next_backward_min <= last_planned
        revised = apply_decision(plan, decision)
        for before, after in zip(plan.sessions, revised.sessions, strict=True):
            assert after.backward_min <= before.backward_min


@settings(max_examples=100, deadline=None)
@given(plans_and_logs())
def test_a_stop_event_anywhere_in_the_log_always_pauses(
    case: tuple[Plan, list[SessionLogEntry]],
) -> None:
    plan, log = case
    decision = decide_progression(plan, log)
    stopped = any({"fall", "near_fall", "new_red_flag"} & set(e.events) for e in log)
    if stopped:
        assert decision.action == "pause"
        assert decision.see_clinician
        assert apply_decision(plan, decision).status == "paused"


@settings(max_examples=100, deadline=None)
@given(plans_and_logs())
def test_revised_plans_keep_the_week_one_cap_the_ceiling_and_the_weekly_step(
    case: tuple[Plan, list[SessionLogEntry]],
) -> None:
    plan, log = case
    decision = decide_progression(plan, log)
    assert 0 <= decision.next_backward_min <= 30
    revised = apply_decision(plan, decision)
    for session in revised.sessions:
        assert 1 <= session.backward_min <= 30
        if session.week == 1:
            assert session.backward_min <= 5
    upcoming = revised.sessions[len(log) :]
    for earlier, later in itertools.pairwise(upcoming):
        assert later.backward_min - earlier.backward_min <= 5


@settings(max_examples=60, deadline=None)
@given(plans_and_logs())
def test_deciding_from_the_first_plan_equals_revising_the_plan_after_every_session(
    case: tuple[Plan, list[SessionLogEntry]],
) -> None:
    plan, log = case
    stepwise = plan
    for count in range(1, len(log)):
        stepwise = apply_decision(stepwise, decide_progression(stepwise, log[:count]))
    final = decide_progression(stepwise, log)
    at_once = decide_progression(plan, log)
    assert (at_once.action, at_once.next_backward_min, at_once.reasons) == (
        final.action,
        final.next_backward_min,
        final.reasons,
    )


def test_a_session_dated_before_the_plan_starts_is_an_input_error() -> None:
    with pytest.raises(InputError) as caught:
        decide_progression(PLAN, [entry(7), entry(-1)])
    assert caught.value.field == "1.date"
    assert "before the plan's start date 2026-12-07" in caught.value.problem


def test_a_decision_with_very_many_reasons_still_makes_a_readable_plan() -> None:
    # every logged session's stop events are a reason: 60 sessions with three each
    log = [entry(7 + day, events=("fall", "near_fall", "new_red_flag")) for day in range(60)]
    revised = apply_decision(PLAN, decide_progression(PLAN, log))
    note = revised.history[-1].note
    assert len(note) <= MAX_TEXT_CHARS
    assert note.endswith("…")
    assert Plan.from_json(revised.to_json()) == revised
