"""Energy cost of a walking session, forward and backward (evidence.md §3).

Forward walking: the ACSM walking equation [C] (medicalalgorithms.com/oxygen-uptake-during-walking)

    VO2 (mL·kg⁻¹·min⁻¹) = 3.5 + 0.1 × S + 1.8 × S × G,   S in m/min, G grade as a fraction,

valid from about 50 to 100 m/min (3-6 km/h); 1 MET = 3.5 mL·kg⁻¹·min⁻¹.

Backward walking: there is no validated backward equation (evidence.md §3, [NC]). At 3.5 mph
the 2011 Compendium of Physical Activities gives 6.0 MET level (code 17320) and 8.0 MET at 5 %
grade (17325) [C, secondary transcription]; retrowalk returns those values there. At any other
speed or grade it scales the above-rest part of the ACSM forward estimate (MET − 1) by the ratio
those Compendium values imply against the ACSM equation at 3.5 mph (1.86 level, 1.37 at 5 %;
linear in grade between, the 5 % ratio above it) and adds the resting 1 MET back. This is our
extrapolation, reported with ``extrapolated=True`` and a range spanning every above-rest ratio
the Compendium implies (also against its own forward values 4.3 and 5.3 MET: 1.52 and 1.63).
Scaling the above-rest part rather than the gross value keeps resting metabolism unscaled and
keeps the estimate rising with grade at every speed (a gross-ratio scaling falls with grade
below about 1.2 km/h).

kcal: gross = MET × body mass (kg) × hours [C-2nd]; net = (MET − 1) × body mass × hours [D],
i.e. the energy above rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from retrowalk.domain.instruments.model import Source
from retrowalk.errors import InputError

Direction = Literal["forward", "backward"]

KM_PER_MILE = 1.609344
RESTING_VO2_ML_KG_MIN = 3.5  # 1 MET
ACSM_HORIZONTAL_COEFFICIENT = 0.1  # mL·kg⁻¹·min⁻¹ per m/min
ACSM_VERTICAL_COEFFICIENT = 1.8  # mL·kg⁻¹·min⁻¹ per m/min of vertical speed
ACSM_VALID_SPEED_M_MIN = (50.0, 100.0)

COMPENDIUM_SPEED_MPH = 3.5
COMPENDIUM_SPEED_KMH = COMPENDIUM_SPEED_MPH * KM_PER_MILE
COMPENDIUM_BACKWARD_LEVEL_MET = 6.0  # code 17320
COMPENDIUM_BACKWARD_5_PERCENT_MET = 8.0  # code 17325
COMPENDIUM_FORWARD_LEVEL_MET = 4.3  # code 17200, 3.5 mph level, brisk
COMPENDIUM_FORWARD_UPHILL_MET = 5.3  # code 17210, 2.9-3.5 mph uphill 1-5 %
COMPENDIUM_GRADE_PERCENT = 5.0
#: How close a speed must be to 3.5 mph (and a grade to 0 or 5 %) to use a Compendium value.
COMPENDIUM_SPEED_TOLERANCE_MPH = 0.05
COMPENDIUM_GRADE_TOLERANCE_PERCENT = 0.05

#: Our input limits (not clinical thresholds): walking, not running; a treadmill's incline.
MAX_SPEED_KMH = 10.0
MAX_GRADE_PERCENT = 25.0
MAX_MINUTES = 600.0
WEIGHT_KG_LIMITS = (20.0, 350.0)

ACSM_SOURCE = Source(
    "ACSM walking equation, VO2 = 3.5 + 0.1 S + 1.8 S G (S m/min, G fraction), valid about "
    "50-100 m/min, forward walking only (medicalalgorithms.com/oxygen-uptake-during-walking)",
    "C",
    "3",
)
COMPENDIUM_SOURCE = Source(
    "2011 Compendium of Physical Activities (Ainsworth et al.): 17320 walking backwards 3.5 mph "
    "level 6.0 MET; 17325 backwards 3.5 mph 5 % grade 8.0 MET; 17200 forward 3.5 mph level 4.3; "
    "17210 forward 2.9-3.5 mph uphill 1-5 % 5.3 (secondary transcriptions, consistent in >= 4)",
    "C",
    "3",
)
EXTRAPOLATION_SOURCE = Source(
    "Our extrapolation: the above-rest part of the ACSM forward estimate x the backward/forward "
    "ratio implied by the Compendium values at 3.5 mph; no validated backward-walking "
    "equation exists",
    "ours",
    "3",
)
KCAL_SOURCE = Source(
    "kcal = MET x body mass (kg) x hours (howmany.wiki); net kcal = (MET - 1) x kg x hours [D]",
    "C-2nd",
    "3",
)


@dataclass(frozen=True)
class EnergyEstimate:
    """MET and kcal for one session; ``met_range`` is set when the value is extrapolated."""

    direction: Direction
    speed_kmh: float
    grade_percent: float
    minutes: float
    weight_kg: float
    met: float
    met_range: tuple[float, float] | None
    kcal_gross: float
    kcal_net: float
    kcal_gross_range: tuple[float, float] | None
    extrapolated: bool
    method: str
    notes: tuple[str, ...]
    sources: tuple[Source, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "direction": self.direction,
            "speed_kmh": self.speed_kmh,
            "grade_percent": self.grade_percent,
            "minutes": self.minutes,
            "weight_kg": self.weight_kg,
            "met": round(self.met, 2),
            "met_range": _round_pair(self.met_range, 2),
            "kcal_gross": round(self.kcal_gross, 1),
            "kcal_net": round(self.kcal_net, 1),
            "kcal_gross_range": _round_pair(self.kcal_gross_range, 1),
            "extrapolated": self.extrapolated,
            "method": self.method,
            "notes": list(self.notes),
            "sources": [source.to_json() for source in self.sources],
        }


@dataclass(frozen=True)
class DirectionComparison:
    """Forward and backward estimates for the same session, side by side."""

    forward: EnergyEstimate
    backward: EnergyEstimate

    @property
    def backward_to_forward_ratio(self) -> float:
        return self.backward.met / self.forward.met

    def to_json(self) -> dict[str, Any]:
        return {
            "forward": self.forward.to_json(),
            "backward": self.backward.to_json(),
            "backward_to_forward_ratio": round(self.backward_to_forward_ratio, 3),
        }


def acsm_walking_vo2_ml_kg_min(speed_m_min: float, grade_fraction: float) -> float:
    """Gross VO2 of forward walking by the ACSM walking equation."""
    return (
        RESTING_VO2_ML_KG_MIN
        + ACSM_HORIZONTAL_COEFFICIENT * speed_m_min
        + ACSM_VERTICAL_COEFFICIENT * speed_m_min * grade_fraction
    )


def forward_met(speed_kmh: float, grade_percent: float) -> float:
    """MET of forward walking by the ACSM equation."""
    speed_m_min = speed_kmh * 1000 / 60
    return acsm_walking_vo2_ml_kg_min(speed_m_min, grade_percent / 100) / RESTING_VO2_ML_KG_MIN


def _above_rest_ratio(backward_met: float, forward_met_value: float) -> float:
    return (backward_met - 1) / (forward_met_value - 1)


def backward_ratio(grade_percent: float) -> float:
    """Backward/forward ratio of above-rest MET implied by the Compendium against ACSM at 3.5 mph.

    1.86 level, 1.37 at 5 %; linear in grade between, the 5 % ratio above it [ours].
    """
    level = _above_rest_ratio(COMPENDIUM_BACKWARD_LEVEL_MET, forward_met(COMPENDIUM_SPEED_KMH, 0))
    uphill = _above_rest_ratio(
        COMPENDIUM_BACKWARD_5_PERCENT_MET,
        forward_met(COMPENDIUM_SPEED_KMH, COMPENDIUM_GRADE_PERCENT),
    )
    fraction = min(grade_percent, COMPENDIUM_GRADE_PERCENT) / COMPENDIUM_GRADE_PERCENT
    return level + (uphill - level) * fraction


def backward_ratio_bounds() -> tuple[float, float]:
    """The smallest and largest above-rest backward/forward ratios the Compendium implies."""
    ratios = (
        _above_rest_ratio(COMPENDIUM_BACKWARD_LEVEL_MET, COMPENDIUM_FORWARD_LEVEL_MET),
        _above_rest_ratio(COMPENDIUM_BACKWARD_5_PERCENT_MET, COMPENDIUM_FORWARD_UPHILL_MET),
        backward_ratio(0),
        backward_ratio(COMPENDIUM_GRADE_PERCENT),
    )
    return min(ratios), max(ratios)


def estimate_session_energy(
    *,
    speed_kmh: float,
    grade_percent: float,
    minutes: float,
    weight_kg: float,
    direction: Direction,
) -> EnergyEstimate:
    """MET and gross/net kcal for a walking session; bad input raises :class:`InputError`."""
    _validate(speed_kmh, grade_percent, minutes, weight_kg, direction)
    hours = minutes / 60
    notes: list[str] = []
    speed_m_min = speed_kmh * 1000 / 60
    low, high = ACSM_VALID_SPEED_M_MIN
    outside_acsm = not low <= speed_m_min <= high
    if outside_acsm:
        notes.append(
            f"{speed_kmh:g} km/h ({speed_m_min:.0f} m/min) is outside the ACSM walking "
            f"equation's range of about {low:.0f}-{high:.0f} m/min (3-6 km/h)"
        )
    met_range: tuple[float, float] | None = None
    if direction == "forward":
        met = forward_met(speed_kmh, grade_percent)
        extrapolated = outside_acsm
        method = "ACSM walking equation (forward walking)"
        sources: tuple[Source, ...] = (ACSM_SOURCE, KCAL_SOURCE)
    else:
        compendium = _compendium_backward_met(speed_kmh, grade_percent)
        if compendium is not None:
            met, code = compendium
            extrapolated = False
            method = f"2011 Compendium code {code} (walking backwards, 3.5 mph)"
            sources = (COMPENDIUM_SOURCE, KCAL_SOURCE)
        else:
            forward = forward_met(speed_kmh, grade_percent)
            ratio = backward_ratio(grade_percent)
            met = 1 + (forward - 1) * ratio
            ratio_low, ratio_high = backward_ratio_bounds()
            met_range = (1 + (forward - 1) * ratio_low, 1 + (forward - 1) * ratio_high)
            extrapolated = True
            method = (
                f"extrapolation: 1 MET + (ACSM forward estimate {forward:.2f} MET - 1) x "
                f"backward/forward ratio {ratio:.2f} implied by the Compendium at 3.5 mph"
            )
            notes.append(
                "No published backward-walking MET exists for this speed and grade; the range "
                f"uses ratios {ratio_low:.2f}-{ratio_high:.2f} implied by the Compendium values"
            )
            if grade_percent > COMPENDIUM_GRADE_PERCENT:
                notes.append("grades above 5 % use the 5 % ratio (no backward data beyond 5 %)")
            sources = (COMPENDIUM_SOURCE, ACSM_SOURCE, EXTRAPOLATION_SOURCE, KCAL_SOURCE)
    if direction == "forward" and extrapolated:
        sources = (*sources, EXTRAPOLATION_SOURCE)
    return EnergyEstimate(
        direction=direction,
        speed_kmh=speed_kmh,
        grade_percent=grade_percent,
        minutes=minutes,
        weight_kg=weight_kg,
        met=met,
        met_range=met_range,
        kcal_gross=met * weight_kg * hours,
        kcal_net=(met - 1) * weight_kg * hours,
        kcal_gross_range=(
            None
            if met_range is None
            else (met_range[0] * weight_kg * hours, met_range[1] * weight_kg * hours)
        ),
        extrapolated=extrapolated,
        method=method,
        notes=tuple(notes),
        sources=sources,
    )


def compare_directions(
    *, speed_kmh: float, grade_percent: float, minutes: float, weight_kg: float
) -> DirectionComparison:
    """The same session walked forward and backward, side by side."""
    return DirectionComparison(
        forward=estimate_session_energy(
            speed_kmh=speed_kmh,
            grade_percent=grade_percent,
            minutes=minutes,
            weight_kg=weight_kg,
            direction="forward",
        ),
        backward=estimate_session_energy(
            speed_kmh=speed_kmh,
            grade_percent=grade_percent,
            minutes=minutes,
            weight_kg=weight_kg,
            direction="backward",
        ),
    )


def _compendium_backward_met(speed_kmh: float, grade_percent: float) -> tuple[float, str] | None:
    if abs(speed_kmh / KM_PER_MILE - COMPENDIUM_SPEED_MPH) > COMPENDIUM_SPEED_TOLERANCE_MPH:
        return None
    if abs(grade_percent) <= COMPENDIUM_GRADE_TOLERANCE_PERCENT:
        return COMPENDIUM_BACKWARD_LEVEL_MET, "17320"
    if abs(grade_percent - COMPENDIUM_GRADE_PERCENT) <= COMPENDIUM_GRADE_TOLERANCE_PERCENT:
        return COMPENDIUM_BACKWARD_5_PERCENT_MET, "17325"
    return None


def _validate(
    speed_kmh: float, grade_percent: float, minutes: float, weight_kg: float, direction: str
) -> None:
    checks: tuple[tuple[str, float, float, float, str], ...] = (
        ("speed_kmh", speed_kmh, 0.0, MAX_SPEED_KMH, "km/h (walking speeds)"),
        ("grade_percent", grade_percent, 0.0, MAX_GRADE_PERCENT, "% (level or uphill)"),
        ("minutes", minutes, 0.0, MAX_MINUTES, "min"),
        ("weight_kg", weight_kg, WEIGHT_KG_LIMITS[0], WEIGHT_KG_LIMITS[1], "kg"),
    )
    for name, value, low, high, unit in checks:
        if value != value or value in (float("inf"), float("-inf")):
            raise InputError(f"{name} must be a finite number", field=name)
        strict_low = name in ("speed_kmh", "minutes")
        if (value <= low if strict_low else value < low) or value > high:
            bound = "more than" if strict_low else "from"
            problem = f"{value:g} is out of range; expected {bound} {low:g} up to {high:g} {unit}"
            if value < 0 and name == "minutes":
                problem = f"a time cannot be negative ({value:g}); {problem.split('; ')[1]}"
            elif value < 0 and name == "grade_percent":
                problem += "; the ACSM walking equation does not cover downhill walking"
            raise InputError(problem, field=name)
    if direction not in ("forward", "backward"):
        raise InputError(
            f"unknown direction '{direction}'; expected forward or backward", field="direction"
        )


def _round_pair(pair: tuple[float, float] | None, digits: int) -> list[float] | None:
    return None if pair is None else [round(pair[0], digits), round(pair[1], digits)]
