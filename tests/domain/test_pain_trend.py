from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from retrowalk.domain.pain_trend import usual_pain_rise

DAY = dt.date(2026, 12, 1)


def _at(day: int, pain: float) -> tuple[dt.date, float]:
    return (DAY + dt.timedelta(days=day), pain)


def test_two_points_above_the_lowest_of_the_last_28_days_is_rising() -> None:
    assert usual_pain_rise(_at(30, 5), [_at(1, 5), _at(10, 3), _at(20, 4)]) == (3, 5)


def test_one_point_above_the_recent_low_is_not_rising() -> None:
    assert usual_pain_rise(_at(30, 4), [_at(10, 3), _at(20, 4)]) is None


def test_a_low_older_than_28_days_does_not_count() -> None:
    assert usual_pain_rise(_at(30, 5), [_at(1, 2), _at(20, 4)]) is None
    assert usual_pain_rise(_at(29, 5), [_at(1, 2)]) == (2, 5)


def test_no_earlier_session_is_not_rising() -> None:
    assert usual_pain_rise(_at(3, 9), []) is None


@given(
    st.integers(0, 10),
    st.lists(st.tuples(st.integers(0, 28), st.integers(0, 10)), min_size=1, max_size=8),
)
def test_rising_exactly_when_latest_minus_recent_minimum_is_two_or_more(
    latest: int, earlier: list[tuple[int, int]]
) -> None:
    found = usual_pain_rise(_at(28, latest), [_at(day, pain) for day, pain in earlier])
    lowest = min(pain for _, pain in earlier)
    assert (found is not None) is (latest - lowest >= 2)
    if found is not None:
        assert found == (lowest, latest)
