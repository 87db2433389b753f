"""The gait pipeline: recording -> body frame -> bouts and contacts -> parameters, direction, turns.

One :class:`GaitPipeline` holds every setting (physical units, defaults from the cited
methods) and is injected where needed; :meth:`GaitPipeline.analyze` is pure (a recording in, a
:class:`GaitResult` out). :meth:`GaitPipeline.analyze_long` processes recordings too long for
memory (a week at 100 Hz) in overlapping chunks. Walking direction comes only from
:func:`retrowalk.gait.direction.estimate_directions`, one call for all bouts of a recording
(each bout judged on its own raw sensor-frame signal, the same answers as one
:func:`~retrowalk.gait.direction.estimate_direction` per bout). With ``reference="warm-up"``
(a recording of a planned session: the CLI with ``--planned-warmup-min``, the recordings
service) every bout is judged against a
:class:`~retrowalk.gait.direction.ForwardReference` pooled from the walking in the planned forward
warm-up; with ``"first-bout"`` (the CLI's default without a planned warm-up) from the first
walking bout. How the reference is chosen, and its fallbacks: :mod:`retrowalk.gait.reference`
(docs/gait_direction.md 1.1). The library default stays ``"none"`` so that callers which analyse
recordings that need not start forward keep their reference-free answers; they opt in.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from retrowalk.errors import InputError
from retrowalk.gait.bouts import WalkingBoutDetector
from retrowalk.gait.contacts import InitialContactDetector
from retrowalk.gait.direction import ForwardReference, estimate_directions
from retrowalk.gait.filtering import WorkMemory, work_memory
from retrowalk.gait.orientation import (
    BodyFrame,
    mean_acceleration_m_s2,
    vertical_and_yaw,
)
from retrowalk.gait.parameters import (
    TURN_COEFFICIENT_PER_RAD,
    BoutParameters,
    InvertedPendulumStepLength,
    bout_step_indices,
    parameters_of_bouts,
)
from retrowalk.gait.recording import STANDARD_GRAVITY_M_S2, Gap, QualityReport, Recording
from retrowalk.gait.reference import (
    NO_REFERENCE_NOTE,
    REFERENCE_MODES,
    ReferenceChoice,
    ReferenceMode,
    choose_reference,
)
from retrowalk.gait.resample import (
    GAP_FACTOR,
    MAX_ABS_ACC_M_S2,
    MAX_ABS_GYR_RAD_S,
    quality_notes,
)
from retrowalk.gait.turns import Turn, TurnDetector

__all__ = ["NO_REFERENCE_NOTE", "REFERENCE_MODES", "ReferenceMode"]  # re-exported

GAIT_ALGORITHM_VERSION = "1.3.0"
Direction = Literal["forward", "backward", "unknown"]
DIRECTIONS: tuple[Direction, ...] = ("forward", "backward", "unknown")
#: every bout's ``direction_reason`` when direction estimation is switched off
DIRECTION_OFF_REASON = "direction estimation switched off"

G_UNITS_MEAN_RANGE = (0.7, 1.3)
"""A mean acceleration this long (m/s²) is gravity written in g: 1 g ± 30 % (a walking
trunk's mean stays within a few percent of gravity; without gravity it is near 0)."""
FloatArray = NDArray[np.float64]


MAX_PLANNED_MIN = 360.0
"""A planned session's minutes in each part at most (6 hours, the longest session a log may
describe: ``services.inputs.MAX_SESSION_DURATION``)."""


@dataclass(frozen=True)
class PlannedSession:
    """What was prescribed for the session, to compare with what was walked.

    ``forward_min``: all planned forward walking (warm-up, forward breaks, cool-down);
    ``warmup_forward_min``: the forward warm-up at the start, part of ``forward_min``. With
    ``reference="warm-up"`` the walking in the warm-up is the direction reference
    (:mod:`retrowalk.gait.reference`).
    """

    backward_min: float
    forward_min: float = 0.0
    warmup_forward_min: float = 0.0

    def __post_init__(self) -> None:
        for name in ("backward_min", "warmup_forward_min", "forward_min"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or not 0 <= value <= MAX_PLANNED_MIN
            ):
                raise InputError(
                    f"must be a number of minutes from 0 to {MAX_PLANNED_MIN:g}, got {value!r}",
                    field=name,
                )
        if self.warmup_forward_min > self.forward_min:
            raise InputError(
                f"the forward warm-up ({self.warmup_forward_min:g} min) is part of the planned "
                f"forward minutes ({self.forward_min:g} min) and cannot exceed them",
                field="warmup_forward_min",
            )


@dataclass(frozen=True)
class Bout:
    """One walking bout: first to last initial contact, its direction and parameters.

    ``direction_reason``: why the direction is ``unknown`` (the direction estimate's reason,
    e.g. "weak direction evidence" or the sensor having turned on the body since the
    reference); empty when a direction was given.
    """

    start_s: float
    end_s: float
    direction: Direction
    direction_confidence: float
    parameters: BoutParameters
    turns: int
    direction_reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        p = self.parameters
        return {
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "direction": self.direction,
            "direction_confidence": round(self.direction_confidence, 3),
            "direction_reason": self.direction_reason,
            "steps": p.steps,
            "cadence_spm": _num(p.cadence_spm, 1),
            "step_length_m": _num(p.step_length_m, 3),
            "speed_m_s": _num(p.speed_m_s, 3),
            "stride_length_m": _num(p.stride_length_m, 3),
            "step_time_s": _num(p.step_time_s, 3),
            "step_time_cv_percent": _num(p.step_time_cv_percent, 1),
            "stance_time_s": _num(p.stance_time_s, 3),
            "double_support_percent": _num(p.double_support_percent, 1),
            "turns": self.turns,
        }


@dataclass(frozen=True)
class GaitResult:
    source: str
    sampling_rate_hz: float
    duration_s: float
    initial_contacts_s: FloatArray
    final_contacts_s: FloatArray
    step_lengths_m: FloatArray
    """Per initial contact, the length of the step it starts (NaN for a bout's last contact,
    or when no sensor height was given)."""
    bouts: tuple[Bout, ...]
    turns: tuple[Turn, ...]
    algorithm: dict[str, Any]
    quality: dict[str, object]
    plan: PlannedSession | None = None
    notes: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        """Why the result is empty, or an empty string."""
        if self.bouts:
            return ""
        return (
            "no walking detected: no run of at least "
            f"{self.algorithm['parameters']['min_steps']} regular steps with enough trunk motion"
        )

    def summary(self) -> dict[str, Any]:
        by_direction: dict[str, dict[str, Any]] = {}
        for direction in DIRECTIONS:
            bouts = [b for b in self.bouts if b.direction == direction]
            steps = sum(b.parameters.steps for b in bouts)
            minutes = sum(b.end_s - b.start_s for b in bouts) / 60.0
            by_direction[direction] = {
                "bouts": len(bouts),
                "minutes": round(minutes, 2),
                "steps": steps,
                "cadence_spm": _num(60.0 * steps / (60.0 * minutes), 1) if minutes > 0 else None,
                "speed_m_s": _weighted([b.parameters.speed_m_s for b in bouts], bouts),
                "step_length_m": _weighted([b.parameters.step_length_m for b in bouts], bouts),
            }
        summary: dict[str, Any] = {
            "duration_min": round(self.duration_s / 60.0, 2),
            "walking_min": round(sum(b.end_s - b.start_s for b in self.bouts) / 60.0, 2),
            "bouts": len(self.bouts),
            "steps": sum(b.parameters.steps for b in self.bouts),
            "turns": len(self.turns),
            "backward_min": by_direction["backward"]["minutes"],
            "backward_steps": by_direction["backward"]["steps"],
            "forward_min": by_direction["forward"]["minutes"],
            "forward_steps": by_direction["forward"]["steps"],
            "by_direction": by_direction,
            "message": self.message,
            "notes": list(self.notes),
        }
        if self.plan is not None:
            walked_bw = by_direction["backward"]["minutes"]
            walked_fw = by_direction["forward"]["minutes"]
            summary["plan"] = {
                "planned_backward_min": self.plan.backward_min,
                "walked_backward_min": walked_bw,
                "backward_fraction_of_plan": (
                    round(walked_bw / self.plan.backward_min, 3) if self.plan.backward_min else None
                ),
                "backward_shortfall_min": round(max(0.0, self.plan.backward_min - walked_bw), 2),
                "planned_forward_min": self.plan.forward_min,
                "walked_forward_min": walked_fw,
                "unknown_direction_min": by_direction["unknown"]["minutes"],
                **self._warmup_comparison(),
            }
        return summary

    def _warmup_comparison(self) -> dict[str, Any]:
        """Planned against walked forward warm-up: the forward bouts' minutes inside the warm-up
        window (the planned minutes from the start of the first walking bout, as for the
        reference, :mod:`retrowalk.gait.reference`)."""
        assert self.plan is not None
        planned = self.plan.warmup_forward_min
        if not planned or not self.bouts:
            return {
                "planned_warmup_forward_min": planned,
                "walked_warmup_forward_min": 0.0 if planned else None,
                "warmup_window_s": None,
            }
        start = self.bouts[0].start_s
        end = start + 60.0 * planned
        walked_s = sum(
            max(0.0, min(b.end_s, end) - b.start_s)
            for b in self.bouts
            if b.direction == "forward" and b.start_s < end
        )
        return {
            "planned_warmup_forward_min": planned,
            "walked_warmup_forward_min": round(walked_s / 60.0, 2),
            "warmup_window_s": [round(start, 3), round(end, 3)],
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "sampling_rate_hz": self.sampling_rate_hz,
            "duration_s": round(self.duration_s, 3),
            "initial_contacts_s": [round(float(t), 3) for t in self.initial_contacts_s],
            "final_contacts_s": [round(float(t), 3) for t in self.final_contacts_s],
            "bouts": [b.as_dict() for b in self.bouts],
            "turns": [
                {
                    "start_s": round(t.start_s, 3),
                    "end_s": round(t.end_s, 3),
                    "angle_deg": round(t.angle_deg, 1),
                }
                for t in self.turns
            ],
            "summary": self.summary(),
            "quality": self.quality,
            "algorithm": self.algorithm,
        }


@dataclass(frozen=True)
class GaitPipeline:
    """All settings of the pipeline; ``analyze`` a recording.

    ``sensor_height_m`` (height of the sensor above the ground when standing; the inverted
    pendulum's length) is needed for step length and speed; without it they are ``None``.
    ``step_length_correction`` is the Mobilise-D value of Zijlstra's K (see
    :mod:`retrowalk.gait.parameters`).
    Presets: :meth:`backward_walking` (shorter, slower steps: Laufer 2005, evidence.md §2).
    """

    sensor_height_m: float | None = None
    step_length_correction: float = 4.739 / 4
    step_length_turn_coefficient_per_rad: float = TURN_COEFFICIENT_PER_RAD
    """Shortens steps taken while turning (needs a gyroscope); our own fit on the Mobilise-D
    example data, provisional: see :mod:`retrowalk.gait.parameters` and docs/gait_validation.md."""
    min_steps: int = 4
    min_step_time_s: float = 0.25
    max_step_time_s: float = 2.0
    min_activity_m_s2: float = 0.25
    band_hz: tuple[float, float] = (0.25, 3.0)
    smoothing_sigma_s: float = 0.16
    gravity_cutoff_hz: float = 0.25
    turn_min_angle_deg: float = 45.0
    estimate_direction: bool = True
    """Call :func:`estimate_direction` per bout; off, every bout is ``unknown`` (faster)."""
    reference: ReferenceMode = "none"
    """``"warm-up"``: the walking in the plan's forward warm-up (``plan.warmup_forward_min``
    from the first walking) is taken to be FORWARD walking and every bout is judged against it;
    without a planned warm-up, the first bout (noted). ``"first-bout"`` (the CLI's default
    without a plan): the first walking bout is taken to be forward. Both assume the sensor does
    not rotate relative to the trunk during the recording (:mod:`retrowalk.gait.reference`).
    ``"none"``: each bout on its own (reference-free, less accurate; for recordings that need
    not start forward)."""
    plan: PlannedSession | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.reference not in REFERENCE_MODES:
            raise InputError(
                f"unknown reference '{self.reference}' ({', '.join(REFERENCE_MODES)})",
                field="reference",
            )
        if self.sensor_height_m is not None and not 0.3 <= self.sensor_height_m <= 2.0:
            raise InputError(
                f"sensor height {self.sensor_height_m} m is implausible (0.3-2.0 m expected)",
                field="sensor_height_m",
            )

    @classmethod
    def backward_walking(cls, **overrides: Any) -> GaitPipeline:
        """Preset for slow backward walking: allows longer steps and a gentler trunk motion."""
        settings: dict[str, Any] = {"max_step_time_s": 2.5, "min_activity_m_s2": 0.2}
        settings.update(overrides)
        return cls(**settings)

    def with_plan(self, plan: PlannedSession | None) -> GaitPipeline:
        return replace(self, plan=plan)

    def algorithm(self) -> dict[str, Any]:
        parameters = asdict(self)
        parameters.pop("plan")
        parameters["band_hz"] = list(self.band_hz)
        contacts = InitialContactDetector()
        bouts = WalkingBoutDetector()
        parameters["fixed"] = {
            "final_contact_sigma_s": contacts.final_contact_sigma_s,
            "ic_refine_window_s": contacts.refine_window_s,
            "ic_refine_sigma_s": contacts.refine_sigma_s,
            "ic_refine_high_hz": contacts.refine_high_hz,
            "min_relative_depth": bouts.min_relative_depth,
            "activity_window_s": bouts.activity_window_s,
        }
        return {
            "name": "retrowalk.gait",
            "version": GAIT_ALGORITHM_VERSION,
            "methods": {
                "orientation": "vertical from low-passed gravity; AP/ML by PCA, sign unknown",
                "initial_contacts": "McCamley 2012 / Paraschiv-Ionescu 2020 (own implementation)",
                "step_length": (
                    "inverted pendulum (Zijlstra & Hof 2003) on the Mobilise-D vertical "
                    "excursion (0.1/1 Hz high-passes), K and Hampel outlier filter from "
                    "Mobilise-D; steps shortened by exp(-c |stride-centred turn angle|) with a "
                    "gyroscope (our fit, provisional)"
                ),
                "turns": "yaw-rate threshold, El-Gohary 2014",
                "direction": "retrowalk.gait.direction.estimate_directions (each bout on its own)",
            },
            "parameters": parameters,
        }

    def analyze(self, recording: Recording) -> GaitResult:
        """Bouts, contacts, parameters, turns and directions of one recording (pure)."""
        return self._analyze(recording, None)[0]

    def _analyze(
        self, recording: Recording, fixed_reference: ReferenceChoice | None
    ) -> tuple[GaitResult, ReferenceChoice | None]:
        """The result and the forward reference used. ``fixed_reference``: one from an earlier
        chunk of the same recording (:meth:`analyze_long`); ``None`` chooses it in this
        recording (:func:`retrowalk.gait.reference.choose_reference`).

        The full-length signals of the analysis (vertical acceleration and yaw rate, the
        contacts' band-passed signal) live in the process's kept work memory while it runs
        (:func:`~retrowalk.gait.filtering.work_memory`): fresh pages of these few-megabyte
        arrays cost more in page faults than most stages' arithmetic. Nothing in the result
        refers to them."""
        with work_memory() as memory:
            return self._analyze_in(recording, fixed_reference, memory)

    def _analyze_in(
        self,
        recording: Recording,
        fixed_reference: ReferenceChoice | None,
        memory: WorkMemory,
    ) -> tuple[GaitResult, ReferenceChoice | None]:
        fs = recording.sampling_rate_hz
        acc = recording.acc_m_s2
        _check_finite(recording)
        notes = list(recording.quality.notes)
        mean_acc_m_s2 = mean_acceleration_m_s2(acc)
        if mean_acc_m_s2 > MAX_MEAN_ACC_M_S2:
            raise InputError(
                f"the mean acceleration is {mean_acc_m_s2:.0f} m/s² where gravity alone is 9.81: "
                "the values are not in m/s² (in milli-g? divide them by 101.97, or read the file "
                "with a column mapping and its unit)",
                source=recording.source,
                field="acc_m_s2",
            )
        gravity_included = mean_acc_m_s2 > 0.5 * STANDARD_GRAVITY_M_S2  # gravity_is_present
        if recording.gyr_rad_s is not None and _looks_like_deg_s(recording.gyr_rad_s):
            notes.append(
                "the gyroscope turns faster than a trunk can for most of the recording: the "
                "values look like degrees per second, not rad/s (divide them by 57.3); turns "
                "and direction may be wrong"
            )
        yaw: FloatArray | None = None
        if gravity_included:
            # free vertical acceleration and yaw rate on the per-sample gravity direction
            vertical, yaw = vertical_and_yaw(
                acc,
                recording.gyr_rad_s,
                sampling_rate_hz=fs,
                cutoff_hz=self.gravity_cutoff_hz,
                memory=memory,
            )
        else:
            notes.append("gravity is not in the signal: vertical taken as the main motion axis")
            if G_UNITS_MEAN_RANGE[0] <= mean_acceleration_m_s2(acc) <= G_UNITS_MEAN_RANGE[1]:
                notes.append(
                    "the mean acceleration is about 1: the values look like g, not m/s²; "
                    "multiply them by 9.81, or read the file with a column mapping whose "
                    "acceleration unit is g"
                )
            frame = BodyFrame().detect(acc, sampling_rate_hz=fs)
            assert frame.rotation_ is not None
            vertical = acc @ frame.rotation_[0]
            if recording.gyr_rad_s is not None:
                yaw = recording.gyr_rad_s @ frame.rotation_[0]
        detector = WalkingBoutDetector(
            min_steps=self.min_steps,
            min_step_time_s=self.min_step_time_s,
            max_step_time_s=self.max_step_time_s,
            min_activity_m_s2=self.min_activity_m_s2,
        )
        detector.contact_detector.band_hz = self.band_hz
        detector.contact_detector.smoothing_sigma_s = self.smoothing_sigma_s
        # a gap long enough to hide a step splits any bout across it (its interpolated samples
        # would make one long fake step)
        breaking = [
            (int(g.start_s * fs), int(np.ceil(g.end_s * fs)))
            for g in recording.quality.gaps
            if g.duration_s >= self.min_step_time_s
        ]
        detector.detect(vertical, sampling_rate_hz=fs, gaps=breaking, memory=memory)
        ics = detector.ic_indices_
        fcs = detector.fc_indices_
        ic_s = ics / fs
        fc_s = np.where(fcs >= 0, fcs / fs, np.nan)
        turns: list[Turn] = []
        if yaw is not None:
            turns = (
                TurnDetector(min_angle_deg=self.turn_min_angle_deg)
                .detect(yaw, sampling_rate_hz=fs)
                .turns_
            )
        first_ic = np.array([s.first_ic for s in detector.bouts_], dtype=np.int64)
        last_ic = np.array([s.last_ic for s in detector.bouts_], dtype=np.int64)
        # each bout's samples, first to last initial contact: [start, stop)
        starts, stops = ics[first_ic].tolist(), (ics[last_ic] + 1).tolist()
        bounds = list(zip(starts, stops, strict=True))
        step_lengths: FloatArray | None = None
        if self.sensor_height_m is not None and ics.size >= 2:
            model = InvertedPendulumStepLength(
                sensor_height_m=self.sensor_height_m,
                correction_factor=self.step_length_correction,
                turn_coefficient_per_rad=self.step_length_turn_coefficient_per_rad,
            )
            # all bouts in one call, each on its own: gaps between bouts are not steps
            model.detect_bouts(
                vertical,
                sampling_rate_hz=fs,
                bout_ic_indices=[
                    ics[f : last + 1]
                    for f, last in zip(first_ic.tolist(), last_ic.tolist(), strict=True)
                ],
                yaw_rate_rad_s=yaw,
            )
            # the bouts' steps one after the other, bout i's at first_ic[i] .. last_ic[i] - 1
            step_lengths = np.full(max(ics.size - 1, 0), np.nan)
            step_lengths[bout_step_indices(first_ic, last_ic)] = model.step_length_m_
        elif self.sensor_height_m is None:
            notes.append("no sensor height given: step length and speed not estimated")
        if not self.estimate_direction:
            notes.append("direction estimation switched off: every bout is 'unknown'")
        per_ic_length = np.full(ics.size, np.nan)
        if step_lengths is not None:
            # outside the bouts step_lengths is NaN, as per_ic_length stays there
            per_ic_length[:-1] = step_lengths
        reference = fixed_reference
        if reference is None and self.estimate_direction and self.reference != "none":
            reference = choose_reference(
                recording,
                bounds,
                gravity_included=gravity_included,
                mode=self.reference,
                warmup_forward_min=None if self.plan is None else self.plan.warmup_forward_min,
            )
        if reference is not None:
            notes.extend(reference.notes)
        forward = None if reference is None else reference.reference
        directions: list[tuple[Direction, float, str]] = [
            ("unknown", 0.0, DIRECTION_OFF_REASON)
        ] * len(detector.bouts_)
        if self.estimate_direction:
            directions = self._directions(recording, bounds, gravity_included, forward)
        # all bouts at once: the same numbers as one bout_parameters per bout
        params = parameters_of_bouts(ic_s, fc_s, first_ic, last_ic, step_lengths)
        start_s = (ics[first_ic] / fs).tolist()
        end_s = (ics[last_ic] / fs).tolist()
        # turns are ordered and disjoint: count those overlapping [start_s, end_s]
        turn_starts = np.fromiter((t.start_s for t in turns), dtype=np.float64, count=len(turns))
        turn_ends = np.fromiter((t.end_s for t in turns), dtype=np.float64, count=len(turns))
        n_turns = (
            np.searchsorted(turn_starts, end_s, side="left")
            - np.searchsorted(turn_ends, start_s, side="right")
        ).tolist()
        bouts = [
            Bout(start, end, direction, confidence, bout_params, count, reason)
            for start, end, (direction, confidence, reason), bout_params, count in zip(
                start_s, end_s, directions, params, n_turns, strict=True
            )
        ]
        valid_fc = fc_s[np.isfinite(fc_s)]
        result = GaitResult(
            source=recording.source,
            sampling_rate_hz=fs,
            duration_s=recording.duration_s,
            initial_contacts_s=ic_s,
            final_contacts_s=valid_fc,
            step_lengths_m=per_ic_length,
            bouts=tuple(bouts),
            turns=tuple(turns),
            algorithm=self._algorithm_with(reference),
            quality=recording.quality.as_dict(),
            plan=self.plan,
            notes=tuple(notes),
        )
        return result, reference

    def analyze_long(
        self,
        read_segment: Callable[[float, float], Recording],
        duration_s: float,
        *,
        chunk_s: float = 3600.0,
        overlap_s: float = 300.0,
        source: str = "chunked",
    ) -> GaitResult:
        """Analyse a recording in overlapping chunks so memory stays bounded.

        ``read_segment(start_s, end_s)`` returns that part of the recording (``end_s``
        exclusive; the last call asks for a second past ``duration_s``, so the last row is
        read), its time counted from ``start_s``: ``time_s[0]`` is 0 when it has a sample at
        ``start_s``, later when the segment starts in a gap
        (:class:`retrowalk.gait.io.stream.RetrowalkCsvStream`). Every time of the segment's
        analysis is moved by ``start_s + time_s[0]``, so results keep the
        recording's times whatever the segment's first sample. A chunk owns the bouts that
        start in its core (the chunk minus half the overlap at each inner edge); a bout longer
        than ``overlap_s / 2`` that crosses a
        chunk edge is cut there.
        """
        if chunk_s <= overlap_s:
            raise InputError("chunk_s must be longer than overlap_s", field="chunk_s")
        bouts: list[Bout] = []
        turns: list[Turn] = []
        ics: list[FloatArray] = []
        fcs: list[FloatArray] = []
        lengths: list[FloatArray] = []
        fs = 0.0
        core_start = 0.0
        quality = _ChunkedQuality(duration_s)
        notes: dict[str, None] = {}  # the analysis notes of every chunk, each once, in order
        reference: ReferenceChoice | None = None
        while core_start < duration_s:
            core_end = min(core_start + chunk_s - overlap_s, duration_s)
            seg_start = max(0.0, core_start - overlap_s / 2)
            seg_end = min(duration_s, core_end + overlap_s / 2)
            # the end is exclusive: the last segment asks for a second past the last row,
            # which lies exactly at duration_s (else the last sample was never analysed)
            segment = read_segment(seg_start, seg_end if seg_end < duration_s else seg_end + 1.0)
            # the analysis counts time from the segment's first sample, which lies later than
            # seg_start when the segment starts in a gap
            offset = seg_start + segment.start_s
            part, used = self._analyze(segment, reference)
            if reference is None and used is not None:
                # the first chunk with bouts holds the recording's first walking (and, for the
                # warm-up, the part of it inside that chunk): its reference stays for the later
                # chunks (its times made absolute)
                reference = used.shifted(offset)
            fs = part.sampling_rate_hz
            quality.add(segment, offset, core_start, core_end, last=core_end >= duration_s)
            notes.update((n, None) for n in part.notes if n not in segment.quality.notes)
            for bout in part.bouts:
                start = bout.start_s + offset
                if core_start <= start < core_end:
                    bouts.append(replace(bout, start_s=start, end_s=bout.end_s + offset))
            for turn in part.turns:
                start = turn.start_s + offset
                if core_start <= start < core_end:
                    turns.append(Turn(start, turn.end_s + offset, turn.angle_deg))
            ic = part.initial_contacts_s + offset
            fc = part.final_contacts_s + offset
            own = (ic >= core_start) & (ic < core_end)
            ics.append(ic[own])
            lengths.append(part.step_lengths_m[own])
            fcs.append(fc[(fc >= core_start) & (fc < core_end)])
            core_start = core_end
        return GaitResult(
            source=source,
            sampling_rate_hz=fs,
            duration_s=duration_s,
            initial_contacts_s=np.concatenate(ics) if ics else np.zeros(0),
            final_contacts_s=np.concatenate(fcs) if fcs else np.zeros(0),
            step_lengths_m=np.concatenate(lengths) if lengths else np.zeros(0),
            bouts=tuple(bouts),
            turns=tuple(turns),
            algorithm=self._algorithm_with(reference),
            quality=quality.report.as_dict(),
            plan=self.plan,
            notes=(*quality.report.notes, *notes),
        )

    def _algorithm_with(self, reference: ReferenceChoice | None) -> dict[str, Any]:
        """:meth:`algorithm` plus, with direction on, the forward reference actually used."""
        algorithm = self.algorithm()
        if self.estimate_direction:
            algorithm["direction_reference"] = (
                {"mode": self.reference}
                if reference is None
                else reference.as_block(self.reference)
            )
        return algorithm

    @staticmethod
    def _directions(
        recording: Recording,
        bounds: list[tuple[int, int]],
        gravity_included: bool,
        reference: ForwardReference | None,
    ) -> list[tuple[Direction, float, str]]:
        """Direction, confidence and (for ``unknown``) the reason of every bout:
        ``estimate_direction`` of the bout's raw sensor-frame signal (``bounds``: first to last
        initial contact, ``[start, stop)``), all bouts in one :func:`estimate_directions` call
        (the same answers, computed together)."""
        try:
            estimates = estimate_directions(
                recording.acc_m_s2,
                sampling_rate_hz=recording.sampling_rate_hz,
                bounds=bounds,
                gyr_rad_s=recording.gyr_rad_s,
                gravity_included=gravity_included,
                reference=reference,
                values_checked=True,  # _check_finite: finite, within 1e4 m/s² and 1e3 rad/s
            )
        except InputError as error:
            return [("unknown", 0.0, error.problem)] * len(bounds)
        return [
            (e.direction, float(e.confidence), e.reason if e.direction == "unknown" else "")
            for e in estimates
        ]


class _ChunkedQuality:
    """The quality report of a recording analysed in overlapping chunks, merged from the
    segments' reports with times from the recording's start.

    Each gap is counted once however many segments saw it, plus the gaps no segment saw whole
    (one segment's last sample and the next one's first further apart than a gap); each
    dropped sample is counted by the chunk whose core holds it; the clipped fraction is the
    chunks' fractions weighted by their cores' length; the reader's own notes are kept once.
    """

    def __init__(self, duration_s: float) -> None:
        self._duration_s = duration_s
        self._gaps: dict[tuple[int, int], Gap] = {}
        self._dropped = 0
        self._clipped_s = 0.0
        self._resampled_from_hz: float | None = None
        self._reader_notes: dict[str, None] = {}
        self._last_sample_s: float | None = None

    def add(
        self, segment: Recording, offset_s: float, core_start: float, core_end: float, last: bool
    ) -> None:
        """One segment's report; ``offset_s``: where its first sample lies in the recording."""
        fs = segment.sampling_rate_hz
        report = segment.quality
        first_s = offset_s
        if self._last_sample_s is not None and first_s - self._last_sample_s > GAP_FACTOR / fs:
            self._add_gap(Gap(self._last_sample_s, first_s), fs)
        for gap in report.gaps:
            self._add_gap(Gap(gap.start_s + offset_s, gap.end_s + offset_s), fs)
        end_s = offset_s + (segment.n_samples - 1) / fs
        self._last_sample_s = (
            end_s if self._last_sample_s is None else max(self._last_sample_s, end_s)
        )
        dropped = report.dropped_times_s + offset_s
        own = (dropped >= core_start) & ((dropped < core_end) | last)
        self._dropped += int(np.count_nonzero(own))
        self._clipped_s += report.clipped_fraction * (core_end - core_start)
        if self._resampled_from_hz is None:
            self._resampled_from_hz = report.resampled_from_hz
        generated = quality_notes(report.dropped_samples, report.gaps, report.clipped_fraction)
        self._reader_notes.update((n, None) for n in report.notes if n not in generated)

    def _add_gap(self, gap: Gap, fs: float) -> None:
        # the same gap seen by two segments has the same ends to rounding
        self._gaps.setdefault((round(gap.start_s * fs), round(gap.end_s * fs)), gap)

    @property
    def report(self) -> QualityReport:
        gaps = tuple(sorted(self._gaps.values(), key=lambda g: g.start_s))
        clipped = self._clipped_s / self._duration_s if self._duration_s > 0 else 0.0
        return QualityReport(
            gaps=gaps,
            clipped_fraction=clipped,
            resampled_from_hz=self._resampled_from_hz,
            dropped_samples=self._dropped,
            notes=(*self._reader_notes, *quality_notes(self._dropped, gaps, clipped)),
        )


MAX_MEAN_ACC_M_S2 = 3 * STANDARD_GRAVITY_M_S2
"""A recording's mean acceleration is gravity (9.81 m/s²) plus movement that averages out; a
mean above 3 g is no body-worn recording in m/s² (milli-g gives about 1000)."""

DEG_S_MEAN_ABS_RAD_S = 3.0
"""A trunk's angular speed averages well under 1 rad/s while walking and turning; a mean
absolute component above 3 rad/s (172 °/s) means the values are degrees per second."""


def _looks_like_deg_s(gyr: FloatArray) -> bool:
    """Whether the gyroscope's values look like °/s (every 50th sample: a cheap, robust mean)."""
    return float(np.abs(gyr[::50]).mean()) > DEG_S_MEAN_ABS_RAD_S


def _check_finite(recording: Recording) -> None:
    """Raise :class:`InputError` naming the first sample that is NaN, infinite or larger than
    any body-worn sensor measures (:data:`MAX_ABS_ACC_M_S2`, :data:`MAX_ABS_GYR_RAD_S`).

    The readers (:mod:`retrowalk.gait.io`) drop NaN and infinite samples and report them, and
    refuse values out of range naming the file's line
    (:func:`retrowalk.gait.resample.build_recording`); a :class:`Recording` built directly
    could still hold some (named here by their 0-based index in its arrays), and the filters
    would turn them (or values near 1e308, whose sums overflow) into a failure deep inside the
    pipeline. The
    minimum and maximum of each signal find them (NaN propagates); only then is the sample
    looked for.
    """
    signals = [("acc_m_s2", recording.acc_m_s2, MAX_ABS_ACC_M_S2)]
    if recording.gyr_rad_s is not None:
        signals.append(("gyr_rad_s", recording.gyr_rad_s, MAX_ABS_GYR_RAD_S))
    for name, values, limit in signals:
        lowest, highest = float(values.min()), float(values.max())  # NaN if any sample is
        if -limit <= lowest and highest <= limit:
            continue
        with np.errstate(invalid="ignore"):
            bad = ~(np.abs(values) <= limit).all(axis=1)
        row = int(np.flatnonzero(bad)[0])
        at = f"sample {row} (time {float(recording.time_s[row]):.3f} s)"
        if not np.isfinite(values[row]).all():
            problem = (
                f"{at} is not a finite number; remove such samples first (the file readers in "
                "retrowalk.gait.io do)"
            )
        else:
            problem = (
                f"{at} is {float(np.abs(values[row]).max()):.3g} in size, beyond {limit:g}: no "
                "body-worn sensor measures that; check the file's units and columns"
            )
        raise InputError(problem, field=name, source=recording.source)


def _num(value: float, digits: int) -> float | None:
    return round(float(value), digits) if math.isfinite(value) else None


def _weighted(values: list[float], bouts: list[Bout]) -> float | None:
    pairs = [
        (v, b.parameters.steps) for v, b in zip(values, bouts, strict=True) if math.isfinite(v)
    ]
    total = sum(w for _, w in pairs)
    if not total:
        return None
    return round(sum(v * w for v, w in pairs) / total, 3)
