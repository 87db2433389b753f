"""The questionnaire schedule: NPRS weekly, disability and STarT Back every 4 weeks."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from retrowalk.web.pages.questionnaires_due import due_today

TODAY = dt.date(2026, 11, 21)


def names(done: list[tuple[str, dt.date]]) -> set[str]:
    return {d.slot.instruments[0] for d in due_today(done, TODAY)}


def test_at_baseline_everything_is_due() -> None:
    assert names([]) == {"nprs", "odi", "start_back"}


def test_pain_is_due_again_after_seven_days() -> None:
    assert "nprs" not in names([("nprs", TODAY - dt.timedelta(days=6))])
    assert "nprs" in names([("nprs", TODAY - dt.timedelta(days=7))])


def test_an_rmdq_fills_the_disability_slot() -> None:
    assert "odi" not in names([("rmdq", TODAY - dt.timedelta(days=3))])


def test_the_disability_slot_is_due_again_after_four_weeks() -> None:
    assert "odi" in names([("odi", TODAY - dt.timedelta(days=28))])


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["nprs", "odi", "rmdq", "start_back"]),
            st.integers(min_value=0, max_value=400),
        )
    )
)
def test_a_questionnaire_done_more_recently_never_makes_more_due(
    done: list[tuple[str, int]],
) -> None:
    as_dates = [(i, TODAY - dt.timedelta(days=d)) for i, d in done]
    more = [*as_dates, ("nprs", TODAY), ("odi", TODAY), ("start_back", TODAY)]
    assert names(more) <= names(as_dates)
    assert names(more) == set()
