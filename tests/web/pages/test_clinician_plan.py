"""The clinician's dose change rebuilds the remaining sessions with the plan's block rule."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from retrowalk.domain.plan import Plan
from retrowalk.domain.prescription import Profile, prescribe
from retrowalk.domain.screening import ScreeningAnswers
from retrowalk.web.pages.clinician import adjusted_plan
from retrowalk.web.pages.screening_questions import QUESTIONS, parse_answer
from tests.web.pages.conftest import CLEAR_ANSWERS


def _plan() -> Plan:
    answers = {q.key: parse_answer(q, CLEAR_ANSWERS[q.key]) for q in QUESTIONS}
    profile = Profile(
        screening_answers=ScreeningAnswers(**answers),  # type: ignore[arg-type]
        sessions_per_week=3,
        setting="overground",
        goal_backward_min=15,
        start_date=dt.date(2026, 11, 2),
    )
    return prescribe(profile)


PLAN = _plan()


@given(st.integers(min_value=1, max_value=len(PLAN.sessions)), st.integers(1, 30))
def test_sessions_from_the_next_one_get_the_new_dose_and_earlier_ones_stay(
    from_session: int, minutes: int
) -> None:
    changed = adjusted_plan(PLAN, from_session, minutes)
    for before, after in zip(PLAN.sessions, changed.sessions, strict=True):
        if after.number < from_session:
            assert after == before
        else:
            assert after.backward_min == minutes
            backward = sum(b.duration_min for b in after.blocks if b.direction == "backward")
            assert backward == minutes


@given(st.integers(min_value=1, max_value=len(PLAN.sessions)), st.integers(1, 5))
def test_a_gentle_dose_change_is_a_valid_plan(from_session: int, minutes: int) -> None:
    changed = adjusted_plan(PLAN, from_session, minutes)
    assert Plan.from_json(changed.to_json()) == changed
