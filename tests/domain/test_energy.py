import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrowalk.domain.energy import (
    COMPENDIUM_SPEED_KMH,
    EnergyEstimate,
    acsm_walking_vo2_ml_kg_min,
    backward_ratio,
    backward_ratio_bounds,
    compare_directions,
    estimate_session_energy,
    forward_met,
)
from retrowalk.errors import InputError


def _estimate(**overrides: Any) -> EnergyEstimate:
    session: dict[str, Any] = {
        "speed_kmh": 4.0,
        "grade_percent": 0.0,
        "minutes": 30.0,
        "weight_kg": 70.0,
        "direction": "backward",
    }
    session.update(overrides)
    return estimate_session_energy(**session)


def test_backward_at_3_5_mph_level_is_the_compendium_6_met() -> None:
    result = estimate_session_energy(
        speed_kmh=COMPENDIUM_SPEED_KMH,
        grade_percent=0,
        minutes=60,
        weight_kg=70,
        direction="backward",
    )
    assert result.met == 6.0
    assert not result.extrapolated
    assert result.met_range is None
    assert "17320" in result.method
    assert result.kcal_gross == pytest.approx(420.0)
    assert result.kcal_net == pytest.approx(350.0)


def test_backward_at_3_5_mph_and_5_percent_is_the_compendium_8_met() -> None:
    result = estimate_session_energy(
        speed_kmh=5.63, grade_percent=5, minutes=30, weight_kg=80, direction="backward"
    )
    assert result.met == 8.0
    assert not result.extrapolated
    assert "17325" in result.method
    assert result.kcal_gross == pytest.approx(8.0 * 80 * 0.5)


def test_acsm_worked_value_3_mph_at_5_percent_is_18_8_ml_per_kg_min() -> None:
    # ACSM example: 3.0 mph = 80.4 m/min, 5 % grade: 3.5 + 8.04 + 7.24 = 18.8
    assert acsm_walking_vo2_ml_kg_min(80.4, 0.05) == pytest.approx(18.78, abs=0.01)


def test_acsm_worked_value_100_m_per_min_level_is_13_5_ml_per_kg_min() -> None:
    assert acsm_walking_vo2_ml_kg_min(100, 0) == pytest.approx(13.5)
    assert forward_met(6.0, 0) == pytest.approx(13.5 / 3.5)


def test_forward_inside_the_acsm_range_is_not_extrapolated() -> None:
    result = _estimate(direction="forward", speed_kmh=4.8, grade_percent=10)
    assert result.met == pytest.approx((3.5 + 8 + 14.4) / 3.5)
    assert result.extrapolated is False


def test_forward_below_50_m_per_min_says_it_extrapolates() -> None:
    result = _estimate(direction="forward", speed_kmh=2.0)
    assert result.extrapolated is True
    assert "outside the ACSM" in result.notes[0]


def test_backward_at_another_speed_is_an_extrapolation_with_a_range() -> None:
    result = _estimate(speed_kmh=3.0)
    assert result.extrapolated is True
    assert result.met_range is not None
    low, high = result.met_range
    forward = forward_met(3.0, 0)
    assert low == pytest.approx(1 + (forward - 1) * backward_ratio_bounds()[0])
    assert high == pytest.approx(1 + (forward - 1) * backward_ratio_bounds()[1])
    assert low <= result.met <= high


def test_the_implied_ratios_reproduce_the_compendium_at_3_5_mph() -> None:
    level = 1 + (forward_met(COMPENDIUM_SPEED_KMH, 0) - 1) * backward_ratio(0)
    uphill = 1 + (forward_met(COMPENDIUM_SPEED_KMH, 5) - 1) * backward_ratio(5)
    assert level == pytest.approx(6.0)
    assert uphill == pytest.approx(8.0)
    low, high = backward_ratio_bounds()
    assert low == pytest.approx(1.3735, abs=1e-3)
    assert high == pytest.approx(1.864, abs=1e-3)
    assert low < 5.0 / 3.3 < 7.0 / 4.3 < high


def test_the_extrapolation_is_continuous_at_the_compendium_speed() -> None:
    near = _estimate(speed_kmh=COMPENDIUM_SPEED_KMH + 0.1)
    assert near.extrapolated is True
    assert near.met == pytest.approx(6.0, abs=0.1)


def test_grades_above_5_percent_use_the_5_percent_ratio_and_say_so() -> None:
    result = _estimate(grade_percent=10)
    assert backward_ratio(10) == backward_ratio(5)
    assert any("above 5 %" in note for note in result.notes)


def test_side_by_side_at_3_5_mph_level_shows_backward_costing_more() -> None:
    both = compare_directions(
        speed_kmh=COMPENDIUM_SPEED_KMH, grade_percent=0, minutes=20, weight_kg=70
    )
    assert both.backward.met == 6.0
    assert both.backward_to_forward_ratio == pytest.approx(6.0 / forward_met(5.632704, 0))
    data = both.to_json()
    assert set(data) == {"forward", "backward", "backward_to_forward_ratio"}


def test_json_has_the_issue_keys() -> None:
    data = _estimate().to_json()
    for key in ("met", "kcal_gross", "kcal_net", "extrapolated", "sources"):
        assert key in data
    assert data["extrapolated"] is True


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("minutes", -5.0, "a time cannot be negative"),
        ("minutes", 0.0, "more than 0"),
        ("speed_kmh", 0.0, "more than 0"),
        ("speed_kmh", 12.0, "up to 10"),
        ("grade_percent", -2.0, "does not cover downhill"),
        ("weight_kg", 10.0, "from 20"),
        ("weight_kg", math.nan, "finite number"),
    ],
)
def test_bad_session_values_are_refused_with_their_field(
    field: str, value: float, message: str
) -> None:
    with pytest.raises(InputError, match=message) as caught:
        _estimate(**{field: value})
    assert caught.value.field == field


def test_an_unknown_direction_is_refused() -> None:
    with pytest.raises(InputError, match="unknown direction 'sideways'"):
        _estimate(direction="sideways")


@given(
    speed=st.floats(0.5, 10.0),
    grade=st.floats(0.0, 25.0),
    minutes=st.floats(1.0, 120.0),
    weight=st.floats(30.0, 200.0),
)
def test_backward_never_costs_less_than_forward_and_net_is_below_gross(
    speed: float, grade: float, minutes: float, weight: float
) -> None:
    both = compare_directions(
        speed_kmh=speed, grade_percent=grade, minutes=minutes, weight_kg=weight
    )
    assert both.backward.met > both.forward.met
    for estimate in (both.forward, both.backward):
        assert 0 < estimate.kcal_net < estimate.kcal_gross
        assert estimate.kcal_gross == pytest.approx(estimate.met * weight * minutes / 60)


@given(speed=st.floats(0.5, 9.5), grade=st.floats(0.0, 24.0))
def test_met_rises_with_speed_and_grade(speed: float, grade: float) -> None:
    for direction in ("forward", "backward"):
        base = _estimate(speed_kmh=speed, grade_percent=grade, direction=direction)
        faster = _estimate(speed_kmh=speed + 0.5, grade_percent=grade, direction=direction)
        steeper = _estimate(speed_kmh=speed, grade_percent=grade + 1, direction=direction)
        assert faster.met >= base.met - 1e-9
        assert steeper.met >= base.met - 1e-9
