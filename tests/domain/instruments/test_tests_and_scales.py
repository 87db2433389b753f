"""Performance tests (TUG, 3MBWT, sit-and-reach, modified Schober, single-leg stance) and the
Borg exertion scales."""

import pytest

from retrowalk.domain.instruments import get_instrument, score
from retrowalk.errors import InputError


@pytest.mark.parametrize(
    ("seconds", "band"),
    [
        (8.0, "below the at-risk time"),
        (11.99, "below the at-risk time"),
        (12.0, "at risk of falling"),
        (25.0, "at risk of falling"),
    ],
)
def test_tug_is_at_risk_from_12_seconds(seconds: float, band: str) -> None:
    assert score("tug", [seconds]).band == band


@pytest.mark.parametrize("instrument_id", ["tug", "backward_walk_3m", "single_leg_stance"])
def test_a_negative_time_is_refused(instrument_id: str) -> None:
    with pytest.raises(InputError, match="a time cannot be negative") as caught:
        score(instrument_id, [-3.0])
    assert caught.value.field == "items.0"


def test_a_zero_walking_time_is_refused_but_zero_single_leg_stance_is_allowed() -> None:
    with pytest.raises(InputError, match="more than 0"):
        score("tug", [0])
    assert score("single_leg_stance", [0]).score == 0


@pytest.mark.parametrize(
    ("seconds", "band"),
    [
        (5.49, "below the community fall-history cut-off"),
        (5.5, "at or above the community fall-history cut-off"),
        (9.0, "at or above the community fall-history cut-off"),
    ],
)
def test_backward_walk_3m_uses_the_community_cut_off(seconds: float, band: str) -> None:
    assert score("backward_walk_3m", [seconds]).band == band


def test_sit_and_reach_may_fall_short_of_the_toes_and_has_no_band() -> None:
    result = score("sit_and_reach", [-4.5])
    assert result.score == -4.5
    assert result.band is None
    assert get_instrument("sit_and_reach").higher_is_better


@pytest.mark.parametrize(
    ("increase_cm", "band"),
    [(4.9, "reduced lumbar flexion"), (5.0, "lumbar flexion not reduced")],
)
def test_modified_schober_is_reduced_below_5_cm(increase_cm: float, band: str) -> None:
    assert score("modified_schober", [increase_cm]).band == band


def test_a_measurement_beyond_the_plausibility_limit_is_refused() -> None:
    with pytest.raises(InputError, match="up to 300 s"):
        score("tug", [301])


@pytest.mark.parametrize(
    ("rating", "band"),
    [
        (0, "nothing at all"),
        (0.5, "extremely weak"),
        (2.5, "weak (light)"),
        (3, "moderate"),
        (6, "strong (heavy)"),
        (9.5, "very strong"),
        (10, "extremely strong (almost max)"),
    ],
)
def test_borg_cr10_ratings_take_the_highest_anchor_not_above_them(rating: float, band: str) -> None:
    assert score("borg_cr10", [rating]).band == band


def test_borg_cr10_refuses_more_than_10() -> None:
    with pytest.raises(InputError, match="from 0 to 10"):
        score("borg_cr10", [11])


@pytest.mark.parametrize("rating", [5, 21, 12.5])
def test_rpe_takes_whole_numbers_6_to_20(rating: float) -> None:
    with pytest.raises(InputError, match="a whole number from 6 to 20"):
        score("rpe_6_20", [rating])


def test_rpe_score_is_the_rating() -> None:
    assert score("rpe_6_20", [13]).to_json()["score"] == 13


@pytest.mark.parametrize(
    ("instrument_id", "lowest", "highest", "below", "above"),
    [
        ("sit_and_reach", -50.0, 60.0, -50.5, 60.5),
        ("modified_schober", 0.0, 20.0, -0.5, 20.5),
        ("single_leg_stance", 0.0, 300.0, -1.0, 300.5),
        ("backward_walk_3m", 0.01, 120.0, 0.0, 120.5),
        ("borg_cr10", 0.0, 10.0, -0.5, 10.5),
        ("rpe_6_20", 6, 20, 5, 21),
    ],
)
def test_single_value_instruments_accept_their_ends_and_refuse_beyond(
    instrument_id: str, lowest: float, highest: float, below: float, above: float
) -> None:
    assert score(instrument_id, [lowest]).score == lowest
    assert score(instrument_id, [highest]).score == highest
    for bad in (below, above):
        with pytest.raises(InputError, match=r"item 1 \("):
            score(instrument_id, [bad])
