import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrowalk.domain.change import compare, responder_table, responders
from retrowalk.domain.instruments import ScoreResult, score
from retrowalk.errors import InputError


def _odi(percent_of_50: int) -> ScoreResult:
    """An ODI response whose raw sum is ``percent_of_50`` (score = 2 × raw %)."""
    values: list[float | None] = []
    raw = percent_of_50
    for _ in range(10):
        values.append(min(5, raw))
        raw -= min(5, raw)
    return score("odi", values)


def test_an_odi_fall_of_ten_points_is_a_meaningful_improvement() -> None:
    result = compare("odi", _odi(20), _odi(15))  # 40 % -> 30 %
    assert result.change == pytest.approx(-10)
    assert result.improvement == pytest.approx(10)
    assert result.percent_change == pytest.approx(-25)
    assert result.meaningful_absolute is True
    assert result.meaningful_percent is False
    assert result.meaningful_change_met is True
    assert result.outcome == "improved"


def test_an_odi_fall_of_thirty_percent_counts_even_below_ten_points() -> None:
    result = compare("odi", _odi(10), _odi(7))  # 20 % -> 14 %: 6 points, 30 %
    assert result.meaningful_absolute is False
    assert result.meaningful_percent is True
    assert result.outcome == "improved"


def test_an_odi_fall_below_both_rules_is_no_change() -> None:
    result = compare("odi", _odi(10), _odi(8))  # 20 % -> 16 %: 4 points, 20 %
    assert result.outcome == "no change"
    assert result.meaningful_change_met is False


def test_an_odi_rise_of_ten_points_is_worsening() -> None:
    result = compare("odi", _odi(15), _odi(20))
    assert result.outcome == "worsened"
    assert result.meaningful_change_met is True


def test_worsening_is_judged_by_the_absolute_rule_only() -> None:
    result = compare("odi", _odi(5), _odi(8))  # 10 % -> 16 %: +60 % but only 6 points
    assert result.outcome == "no change"
    assert result.meaningful_percent is False


def test_nprs_two_point_drop_is_meaningful() -> None:
    result = compare("nprs", score("nprs", [6]), score("nprs", [4]))
    assert result.outcome == "improved"
    assert result.threshold is not None
    assert result.sources[0].citation.startswith("Ostelo")


def test_rmdq_four_point_drop_from_twenty_is_not_meaningful() -> None:
    before = score("rmdq", [1] * 20 + [0] * 4)
    after = score("rmdq", [1] * 16 + [0] * 8)
    assert compare("rmdq", before, after).outcome == "no change"


def test_psfs_higher_is_better_and_needs_two_points() -> None:
    assert compare("psfs", score("psfs", [4, 4]), score("psfs", [6, 6])).outcome == "improved"
    assert compare("psfs", score("psfs", [4, 4]), score("psfs", [5, 6])).outcome == "no change"
    assert compare("psfs", score("psfs", [6, 6]), score("psfs", [4, 4])).outcome == "worsened"


def test_without_a_threshold_the_outcome_follows_the_direction_only() -> None:
    result = compare("tug", score("tug", [14.0]), score("tug", [13.5]))
    assert result.outcome == "improved"
    assert result.meaningful_change_met is None
    assert result.meaningful_absolute is None
    assert "direction only" in result.outcome_basis


def test_sit_and_reach_gain_is_improvement_because_higher_is_better() -> None:
    result = compare("sit_and_reach", score("sit_and_reach", [2.0]), score("sit_and_reach", [5.1]))
    assert result.improvement == pytest.approx(3.1)
    assert result.outcome == "improved"


def test_an_unchanged_score_is_no_change() -> None:
    result = compare("tug", score("tug", [10.0]), score("tug", [10.0]))
    assert result.outcome == "no change"


def test_a_zero_baseline_has_no_percent_change() -> None:
    result = compare("nprs", score("nprs", [0]), score("nprs", [3]))
    assert result.percent_change is None
    assert result.meaningful_percent is None
    assert result.outcome == "worsened"


def test_a_missing_baseline_is_refused() -> None:
    with pytest.raises(InputError, match="baseline score is missing") as caught:
        compare("nprs", None, score("nprs", [3]))
    assert caught.value.field == "baseline"


def test_a_follow_up_of_another_instrument_is_refused() -> None:
    with pytest.raises(InputError, match="follow-up is a rmdq score, not nprs"):
        compare("nprs", score("nprs", [3]), score("rmdq", [0] * 24))


def test_change_json_reports_threshold_and_outcome() -> None:
    data = compare("odi", _odi(20), _odi(15)).to_json()
    assert data["change"] == -10.0
    assert data["outcome"] == "improved"
    assert data["threshold"]["absolute"] == 10
    assert data["sources"]


def test_responders_counts_and_shares_meaningful_improvements() -> None:
    pairs = [
        (score("nprs", [7]), score("nprs", [4])),  # improved
        (score("nprs", [5]), score("nprs", [4])),  # 1 point, 20 %: no
        (score("nprs", [3]), score("nprs", [2])),  # 1 point, 33 %: improved
        (score("nprs", [4]), score("nprs", [7])),  # worsened
    ]
    summary = responders("nprs", pairs)
    assert (summary.patients, summary.responders) == (4, 2)
    assert summary.share == pytest.approx(0.5)
    assert summary.to_json()["share"] == 0.5


def test_responders_of_an_empty_group_have_no_share() -> None:
    summary = responders("odi", [])
    assert (summary.patients, summary.responders, summary.share) == (0, 0, None)


def test_responders_need_a_published_threshold() -> None:
    with pytest.raises(InputError, match="no meaningful-change threshold"):
        responders("tug", [(score("tug", [10.0]), score("tug", [8.0]))])


def test_a_bad_pair_names_its_position() -> None:
    with pytest.raises(InputError) as caught:
        responders("nprs", [(score("nprs", [3]), score("rmdq", [0] * 24))])
    assert caught.value.field == "pairs.0.follow_up"


def test_responder_table_covers_instruments_with_thresholds() -> None:
    table = responder_table(
        {
            "nprs": [(score("nprs", [8]), score("nprs", [2]))],
            "tug": [(score("tug", [10.0]), score("tug", [8.0]))],
        }
    )
    assert [(row.instrument_id, row.responders) for row in table] == [("nprs", 1)]


@given(st.integers(0, 10), st.integers(0, 10))
def test_a_meaningful_improvement_reversed_is_never_an_improvement(before: int, after: int) -> None:
    forward = compare("nprs", score("nprs", [before]), score("nprs", [after]))
    backward = compare("nprs", score("nprs", [after]), score("nprs", [before]))
    if forward.outcome == "improved":
        assert after < before
        assert backward.outcome != "improved"
    if forward.meaningful_absolute:
        assert {forward.outcome, backward.outcome} == {"improved", "worsened"}


def test_no_change_is_written_as_zero_never_as_minus_zero() -> None:
    data = compare("nprs", score("nprs", [0]), score("nprs", [0])).to_json()
    for key in ("change", "improvement", "percent_change", "improvement_percent"):
        value = data[key]
        assert value is None or math.copysign(1.0, value) == 1.0, (key, value)
    assert json.dumps(data).count("-0.0") == 0


def test_a_change_too_small_to_show_is_no_change_where_no_threshold_exists() -> None:
    result = compare("tug", score("tug", [12.0]), score("tug", [12.001]))
    assert result.outcome == "no change"
    assert compare("tug", score("tug", [12.0]), score("tug", [13.0])).outcome == "worsened"
