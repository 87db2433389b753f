"""NPRS, RMDQ, PSFS and STEADI Stay Independent: scoring, boundaries and refusals."""

import pytest

from retrowalk.domain.instruments import get_instrument, score
from retrowalk.errors import InputError


@pytest.mark.parametrize("value", [0, 5, 10])
def test_nprs_score_is_the_rating(value: int) -> None:
    assert score("nprs", [value]).score == value


@pytest.mark.parametrize("value", [-1, 11, 4.5])
def test_nprs_refuses_values_outside_whole_0_to_10(value: float) -> None:
    with pytest.raises(InputError, match=r"item 1 \(Pain intensity\)"):
        score("nprs", [value])


def test_nprs_refuses_an_unanswered_rating() -> None:
    with pytest.raises(InputError, match="every item must be answered"):
        score("nprs", [None])


def test_rmdq_counts_the_statements_that_apply() -> None:
    items = [1] * 7 + [0] * 17
    assert score("rmdq", items).score == 7
    assert score("rmdq", [1] * 24).score == 24
    assert score("rmdq", [0] * 24).score == 0


def test_rmdq_needs_all_24_statements() -> None:
    with pytest.raises(InputError, match="needs 24 item values"):
        score("rmdq", [1] * 23)


def test_rmdq_refuses_a_value_other_than_0_or_1() -> None:
    with pytest.raises(InputError, match=r"item 5 \(Statement 5\): 2 is not allowed"):
        score("rmdq", [0] * 4 + [2] + [0] * 19)


def test_psfs_score_is_the_mean_of_the_rated_activities() -> None:
    assert score("psfs", [3, 4, 8]).score == pytest.approx(5.0)
    assert score("psfs", [7]).score == 7
    assert score("psfs", [2, 3, 3]).to_json()["score"] == 2.67


@pytest.mark.parametrize("count", [0, 6])
def test_psfs_takes_one_to_five_activities(count: int) -> None:
    with pytest.raises(InputError, match="needs 1 to 5 item values"):
        score("psfs", [5] * count)


def test_psfs_refuses_ratings_above_ten() -> None:
    with pytest.raises(InputError, match=r"item 2 \(Activity 2\): 11"):
        score("psfs", [5, 11])


def test_psfs_higher_is_better() -> None:
    assert get_instrument("psfs").higher_is_better


def test_stay_independent_weights_the_first_two_items_two() -> None:
    assert score("stay_independent", [1] + [0] * 11).score == 2
    assert score("stay_independent", [0, 1] + [0] * 10).score == 2
    assert score("stay_independent", [0, 0, 1] + [0] * 9).score == 1
    assert score("stay_independent", [1] * 12).score == 14


@pytest.mark.parametrize(
    ("items", "total", "band"),
    [
        ([0] * 12, 0, "below the at-risk score"),
        ([0, 0, 1, 1, 1] + [0] * 7, 3, "below the at-risk score"),
        ([1, 0, 1] + [0] * 9, 3, "below the at-risk score"),
        ([1, 1] + [0] * 10, 4, "may be at risk of falling"),
        ([0, 0, 1, 1, 1, 1] + [0] * 6, 4, "may be at risk of falling"),
        ([1] * 12, 14, "may be at risk of falling"),
    ],
)
def test_stay_independent_is_at_risk_from_4(items: list[int], total: int, band: str) -> None:
    result = score("stay_independent", items)
    assert (result.score, result.band) == (total, band)


def test_stay_independent_has_its_loinc_panel_and_total() -> None:
    codes = {code.code for code in get_instrument("stay_independent").loinc}
    assert codes == {"97874-2", "97885-8"}
