from __future__ import annotations

from retrowalk.reports.outcome_trends import outcome_trends
from tests.exchange.samples import sample_outcomes, scored


def test_trends_group_scores_by_instrument_in_time_order() -> None:
    trends = {t.instrument_id: t for t in outcome_trends(reversed(sample_outcomes()))}
    assert [p.score for p in trends["nprs"].points] == [6, 5, 3]
    assert trends["nprs"].threshold_absolute == 2


def test_a_drop_of_three_nprs_points_is_a_meaningful_improvement() -> None:
    (trend,) = outcome_trends([scored("a", "nprs", 0, (6,)), scored("b", "nprs", 7, (3,))])
    assert trend.status.startswith("improved: meaningful change (-3 points")


def test_a_drop_of_one_nprs_point_is_not_meaningful() -> None:
    (trend,) = outcome_trends([scored("a", "nprs", 0, (6,)), scored("b", "nprs", 7, (5,))])
    assert trend.status.startswith("no meaningful change (-1 points")


def test_a_single_assessment_has_no_change_to_judge() -> None:
    (trend,) = outcome_trends([scored("a", "rmdq", 0, tuple([0] * 24))])
    assert trend.status == "one assessment in this period: no change to judge yet"
