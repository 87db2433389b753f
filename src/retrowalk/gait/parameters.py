"""Spatio-temporal parameters of a walking bout from its contacts and vertical motion.

- Steps, cadence (steps/min), step time and its variability (SD and CV) from initial contacts.
- Stance and double-support estimates from initial and final contacts: in a step that starts
  with IC_k, the final contact of the other foot ends the initial double support
  (``FC_k - IC_k``); the stance of the foot that landed at IC_k lasts until the final contact
  that follows the next initial contact (``FC_(k+1) - IC_k``). Trunk-sensor final contacts are
  uncertain (McCamley et al. 2012), so these are estimates, reported as such.
- Step length by the inverted-pendulum model (Zijlstra & Hof 2003, Gait Posture 18:1-10): the
  trunk's vertical excursion ``h`` within a step and the pendulum length ``l`` (sensor height)
  give ``step = K * 2 * sqrt(2 l h - h^2)``. ``K`` corrects for the model's simplifications;
  Zijlstra & Hof report K = 1.25 (preset ``zijlstra_2003``); the Mobilise-D implementation
  (mobgap ``SlZijlstra``, Soltani et al. 2021) uses 4.739/4 ≈ 1.18 (preset ``mobilise_d``, our
  default). ``h`` comes from a per-step double integration (:func:`step_excursions`) instead of
  Zijlstra's high-pass filters. Speed = step length / step time.
- Turning steps: the pendulum model assumes straight walking; in a turn the trunk still rises
  and falls by about as much, but the feet cover less ground (on the mobgap example data the
  INDIP stride length of strides turning 60-120 degrees is about half that of straight strides
  while our excursion-based estimate is not lower). When the yaw rate is given, each step's
  length is scaled by ``exp(-turn_coefficient_per_rad * |turned angle|)``. The coefficient is
  fitted on that data (our own empirical correction, not from the literature; leave-one-
  participant-out numbers in docs/gait_validation.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Self

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

TURN_COEFFICIENT_PER_RAD = 0.55
"""Shortening of turning steps, ``exp(-c * |angle|)`` (a 45-degree step keeps 65 %): fitted on
the mobgap example data (3 participants, INDIP reference; lowest of the larger of the
stride-length and speed errors, grid 0-2 per rad, ``benchmarks/gait_validation.py``).
Leave-one-participant-out the fold values are 0.55-1.2 and the held-out errors are in
docs/gait_validation.md. Empirical, our own; not from the literature."""


@dataclass
class InvertedPendulumStepLength:
    """Step length per step (m) from vertical acceleration and initial contacts.

    ``detect(vertical_acc_m_s2, sampling_rate_hz=..., ic_indices=...)`` sets
    ``excursion_m_`` (the trunk's vertical excursion per step, see :func:`step_excursions`)
    and ``step_length_m_`` (one per step between consecutive ICs; NaN where the model fails).
    Default K is the Mobilise-D value (preset ``mobilise_d``). With ``yaw_rate_rad_s`` (rotation
    rate about the vertical) turning steps are shortened (see module docstring) and
    ``turn_angle_rad_`` holds each step's turned angle.
    """

    sensor_height_m: float
    correction_factor: float = 4.739 / 4
    turn_coefficient_per_rad: float = TURN_COEFFICIENT_PER_RAD

    PRESETS: ClassVar[dict[str, float]] = {"zijlstra_2003": 1.25, "mobilise_d": 4.739 / 4}

    excursion_m_: FloatArray = field(default_factory=lambda: np.zeros(0))
    step_length_m_: FloatArray = field(default_factory=lambda: np.zeros(0))
    turn_angle_rad_: FloatArray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def preset(cls, name: str, *, sensor_height_m: float) -> InvertedPendulumStepLength:
        return cls(sensor_height_m=sensor_height_m, correction_factor=cls.PRESETS[name])

    def detect(
        self,
        data: FloatArray,
        *,
        sampling_rate_hz: float,
        ic_indices: IntArray,
        yaw_rate_rad_s: FloatArray | None = None,
    ) -> Self:
        self.excursion_m_ = step_excursions(data, ic_indices, sampling_rate_hz=sampling_rate_hz)
        length = self.from_excursion(self.excursion_m_)
        if yaw_rate_rad_s is None:
            self.turn_angle_rad_ = np.full(length.shape[0], np.nan)
        else:
            self.turn_angle_rad_ = step_turn_angles_rad(
                yaw_rate_rad_s, ic_indices, sampling_rate_hz=sampling_rate_hz
            )
            length = length * turn_factor(self.turn_angle_rad_, self.turn_coefficient_per_rad)
        self.step_length_m_ = length
        return self

    def from_excursion(self, excursion_m: FloatArray) -> FloatArray:
        h = np.asarray(excursion_m, dtype=np.float64)
        radicand = 2.0 * self.sensor_height_m * h - h * h
        with np.errstate(invalid="ignore"):
            length = self.correction_factor * 2.0 * np.sqrt(radicand)
        return np.where(radicand > 0, length, np.nan)


@dataclass(frozen=True)
class BoutParameters:
    """Parameters of one bout (NaN where not measurable)."""

    steps: int
    duration_s: float
    cadence_spm: float
    step_time_s: float
    step_time_sd_s: float
    step_time_cv_percent: float
    stance_time_s: float
    double_support_percent: float
    step_length_m: float
    stride_length_m: float
    speed_m_s: float


def bout_parameters(
    ic_s: FloatArray, fc_s: FloatArray, step_length_m: FloatArray | None
) -> BoutParameters:
    """Parameters of a bout from its ICs (s), per-IC FCs (s, NaN if none) and step lengths."""
    steps = int(ic_s.size - 1)
    step_times = np.diff(ic_s)
    duration = float(ic_s[-1] - ic_s[0]) if steps > 0 else 0.0
    mean_step = float(step_times.mean()) if steps > 0 else float("nan")
    sd_step = float(step_times.std(ddof=1)) if steps > 1 else float("nan")
    cadence = 60.0 * steps / duration if duration > 0 else float("nan")
    stance = float("nan")
    double_support = float("nan")
    if steps >= 2:
        fc_next = fc_s[1:-1]  # FC after IC_(k+1), for k = 0 .. steps-2
        stance_values = fc_next - ic_s[:-2]
        ok = np.isfinite(stance_values) & (stance_values > 0)
        if ok.any():
            stance = float(np.median(stance_values[ok]))
        initial_ds = fc_s[:-1] - ic_s[:-1]
        ok_ds = np.isfinite(initial_ds) & (initial_ds > 0)
        if ok_ds.any():
            # Two double-support phases per stride of two steps: 2 * DS / (2 * step) = DS / step.
            ratio = initial_ds[ok_ds] / step_times[ok_ds]
            double_support = float(100.0 * np.median(ratio))
    length = float("nan")
    if step_length_m is not None and step_length_m.size and np.isfinite(step_length_m).any():
        length = float(np.nanmedian(step_length_m))
    speed = length / mean_step if np.isfinite(length) and mean_step > 0 else float("nan")
    return BoutParameters(
        steps=steps,
        duration_s=duration,
        cadence_spm=cadence,
        step_time_s=mean_step,
        step_time_sd_s=sd_step,
        step_time_cv_percent=100.0 * sd_step / mean_step if steps > 1 else float("nan"),
        stance_time_s=stance,
        double_support_percent=double_support,
        step_length_m=length,
        stride_length_m=2.0 * length,
        speed_m_s=speed,
    )


def step_excursions(
    vertical_acc_m_s2: FloatArray, ic_indices: IntArray, *, sampling_rate_hz: float
) -> FloatArray:
    """Vertical excursion (m) of the trunk within each step between consecutive ICs.

    The trunk's vertical motion is periodic per step: it starts and ends a step at the same
    height with the same vertical velocity. So, per step, the acceleration's mean is removed
    (no net velocity change), it is integrated, the velocity's mean is removed (no net
    displacement), and integrated again; the excursion is max - min of that position. No
    drift filter is needed and postural transitions outside the step cannot leak in.
    Vectorised over all steps at once.
    """
    if ic_indices.size < 2:
        return np.zeros(0)
    starts = ic_indices[:-1]
    lengths = np.diff(ic_indices) + 1  # include the closing IC sample
    n_steps = starts.size
    seg = np.repeat(np.arange(n_steps), lengths)
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
    within = np.arange(seg.size) - np.repeat(offsets, lengths)
    acc = vertical_acc_m_s2[np.repeat(starts, lengths) + within]
    dt = 1.0 / sampling_rate_hz

    def centred(x: FloatArray) -> FloatArray:
        means = np.bincount(seg, weights=x, minlength=n_steps) / lengths
        return np.asarray(x - means[seg], dtype=np.float64)

    def integrate(x: FloatArray) -> FloatArray:
        total = np.cumsum(x)
        before = total[offsets] - x[offsets]
        return np.asarray((total - np.repeat(before, lengths)) * dt, dtype=np.float64)

    velocity = centred(integrate(centred(acc)))
    position = integrate(velocity)
    highs = np.maximum.reduceat(position, offsets)
    lows = np.minimum.reduceat(position, offsets)
    return np.asarray(highs - lows, dtype=np.float64)


def step_turn_angles_rad(
    yaw_rate_rad_s: FloatArray, ic_indices: IntArray, *, sampling_rate_hz: float
) -> FloatArray:
    """Absolute angle (rad) turned about the vertical within each step between consecutive ICs."""
    if ic_indices.size < 2:
        return np.zeros(0)
    # Integrate only the span of these contacts (one call per bout must not cost a pass over
    # the whole recording).
    first, last = int(ic_indices[0]), int(ic_indices[-1])
    yaw = np.asarray(yaw_rate_rad_s[first:last], dtype=np.float64)
    angle = np.r_[0.0, np.cumsum(yaw)] / sampling_rate_hz
    at = ic_indices - first
    return np.asarray(np.abs(angle[at[1:]] - angle[at[:-1]]), dtype=np.float64)


def turn_factor(turn_angle_rad: FloatArray, coefficient_per_rad: float) -> FloatArray:
    """Scale of a step's length for the angle turned in it (1 for a straight step)."""
    angle = np.abs(np.asarray(turn_angle_rad, dtype=np.float64))
    return np.asarray(np.exp(-coefficient_per_rad * angle), dtype=np.float64)
