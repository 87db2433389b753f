"""Validate retrowalk's gait pipeline against the INDIP reference of the mobgap example data.

    python benchmarks/gait_validation.py [--data ../shared/data]

For every trial of ``mobgap-example/lab/*/*/data.mat`` with an INDIP reference: run the whole
pipeline on the whole trial (as a user would), then, inside each reference walking bout
(MicroWB), match detected initial contacts to reference ones within 250 ms (one-to-one,
nearest first) and compare per-bout cadence, stride length and walking speed with the
reference bout values. Prints a table; ``evaluate()`` returns the numbers (used by the tests).
A secondary table (:func:`icd_per_reference_bout`) scores the IC detector alone on each
reference bout's samples, as mobgap's ICD evaluation does; the headline stays the full pipeline.
Also prints the KU-HAR direction evaluation when ``benchmarks/direction_validation.py``
provides ``evaluate()``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import scipy.io

from retrowalk.gait.bouts import WalkingBoutDetector
from retrowalk.gait.contacts import InitialContactDetector
from retrowalk.gait.io import list_mobilised_trials, read_mobilised_mat
from retrowalk.gait.orientation import gravity_direction
from retrowalk.gait.parameters import (
    TURN_COEFFICIENT_PER_RAD,
    step_turn_angles_rad,
    turn_factor,
)
from retrowalk.gait.pipeline import GaitPipeline, GaitResult
from retrowalk.gait.recording import STANDARD_GRAVITY_M_S2

TOLERANCE_S = 0.25
SAME_INSTANT_S = 0.05
HERE = Path(__file__).resolve().parent


@dataclass
class Validation:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    cadence_errors_spm: list[float] = field(default_factory=list)
    stride_length_errors_rel: list[float] = field(default_factory=list)
    single_stride_length_errors_rel: list[float] = field(default_factory=list)
    speed_errors_rel: list[float] = field(default_factory=list)
    bout_cadence_errors_spm: list[float] = field(default_factory=list)
    bout_stride_length_errors_rel: list[float] = field(default_factory=list)
    bout_speed_errors_rel: list[float] = field(default_factory=list)
    final_contact_errors_s: list[float] = field(default_factory=list)
    stance_errors_s: list[float] = field(default_factory=list)
    double_support_errors_percent: list[float] = field(default_factory=list)
    trials: int = 0
    reference_bouts: int = 0
    reference_duplicates: int = 0
    walking_both_s: float = 0.0
    walking_detected_s: float = 0.0
    walking_reference_s: float = 0.0

    @property
    def f1(self) -> float:
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

    @property
    def precision(self) -> float:
        return self.true_positives / max(1, self.true_positives + self.false_positives)

    @property
    def recall(self) -> float:
        return self.true_positives / max(1, self.true_positives + self.false_negatives)

    def row(self) -> dict[str, float]:
        def med(values: list[float]) -> float:
            return float(np.median(np.abs(values))) if values else float("nan")

        return {
            "trials": self.trials,
            "reference_bouts": self.reference_bouts,
            "reference_ics_listed_twice": self.reference_duplicates,
            "ic_f1": self.f1,
            "ic_precision": self.precision,
            "ic_recall": self.recall,
            "cadence_mae_spm": med(self.cadence_errors_spm),
            "stride_length_mae_percent": 100 * med(self.stride_length_errors_rel),
            "speed_mae_percent": 100 * med(self.speed_errors_rel),
            "single_strides_compared": len(self.single_stride_length_errors_rel),
            "single_stride_length_mae_percent": 100 * med(self.single_stride_length_errors_rel),
            "bout_cadence_mae_spm": med(self.bout_cadence_errors_spm),
            "bout_stride_length_mae_percent": 100 * med(self.bout_stride_length_errors_rel),
            "bout_speed_mae_percent": 100 * med(self.bout_speed_errors_rel),
            "final_contact_median_abs_error_s": med(self.final_contact_errors_s),
            "stance_mae_s": med(self.stance_errors_s),
            "double_support_mae_percent_points": med(self.double_support_errors_percent),
            "walking_time_precision": self.walking_both_s / max(self.walking_detected_s, 1e-9),
            "walking_time_recall": self.walking_both_s / max(self.walking_reference_s, 1e-9),
        }


def match_contacts(detected: np.ndarray, reference: np.ndarray, tolerance_s: float) -> int:
    """Number of one-to-one matches within the tolerance (closest pairs first)."""
    return int(np.count_nonzero(matched_contacts(detected, reference, tolerance_s)[0]))


def matched_contacts(
    detected: np.ndarray, reference: np.ndarray, tolerance_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Which detected and which reference contacts are matched one-to-one within the
    tolerance (closest pairs first): two boolean masks."""
    hit_d = np.zeros(detected.size, dtype=bool)
    hit_r = np.zeros(reference.size, dtype=bool)
    if detected.size == 0 or reference.size == 0:
        return hit_d, hit_r
    distance = np.abs(detected[:, None] - reference[None, :])
    pairs = np.argwhere(distance <= tolerance_s)
    order = np.argsort(distance[pairs[:, 0], pairs[:, 1]], kind="stable")
    for d, r in pairs[order]:
        if not hit_d[d] and not hit_r[r]:
            hit_d[d] = True
            hit_r[r] = True
    return hit_d, hit_r


def reference_instants(listed: np.ndarray) -> np.ndarray:
    """The reference ICs with contacts listed twice merged: a contact within
    ``SAME_INSTANT_S`` of the previous one (left and right at the same instant, or 10 ms apart,
    which no alternating step can be) counts once, as one detection can match only one."""
    ordered = np.sort(listed)
    if ordered.size == 0:
        return ordered
    return ordered[np.r_[True, np.diff(ordered) > SAME_INSTANT_S]]


def _as_list(x: Any) -> list[dict[str, Any]]:
    if isinstance(x, dict):
        return [x]
    return list(x) if x is not None else []


def _float_array(x: Any) -> np.ndarray:
    values = np.atleast_1d(np.asarray(x, dtype=np.float64))
    return values[np.isfinite(values)]


def reference_bouts(mat_path: Path, trial: str, system: str = "INDIP") -> list[dict[str, Any]]:
    data = scipy.io.loadmat(str(mat_path), simplify_cells=True)["data"]
    node: Any = data
    for part in trial.split("/"):
        node = node[part]
    standards = node.get("Standards", {})
    if system not in standards:
        return []
    return _as_list(standards[system].get("MicroWB"))


def sensor_height_m(mat_path: Path) -> float:
    info = scipy.io.loadmat(str(mat_path.with_name("infoForAlgo.mat")), simplify_cells=True)
    first = next(iter(info["infoForAlgo"].values()))
    return float(first["SensorHeight"]) / 100.0


def accumulate(result: GaitResult, bouts: list[dict[str, Any]], out: Validation) -> None:
    # Walking time, sample by sample (10 ms): detected bouts vs reference bouts.
    n = int(np.ceil(result.duration_s * 100)) + 1
    detected_mask = np.zeros(n, dtype=bool)
    reference_mask = np.zeros(n, dtype=bool)
    for bout in result.bouts:
        detected_mask[int(bout.start_s * 100) : int(bout.end_s * 100) + 1] = True
    for wb in bouts:
        reference_mask[int(float(wb["Start"]) * 100) : int(float(wb["End"]) * 100) + 1] = True
    out.walking_both_s += np.count_nonzero(detected_mask & reference_mask) / 100
    out.walking_detected_s += np.count_nonzero(detected_mask) / 100
    out.walking_reference_s += np.count_nonzero(reference_mask) / 100
    detected = result.initial_contacts_s
    fcs = result.final_contacts_s
    for wb in bouts:
        listed = _float_array(wb.get("InitialContact_Event"))
        reference = reference_instants(listed)
        out.reference_duplicates += listed.size - reference.size
        if reference.size == 0:
            continue
        out.reference_bouts += 1
        start, end = float(wb["Start"]), float(wb["End"])
        inside = detected[(detected >= start - TOLERANCE_S) & (detected <= end + TOLERANCE_S)]
        tp = match_contacts(inside, reference, TOLERANCE_S)
        out.true_positives += tp
        out.false_positives += inside.size - tp
        out.false_negatives += reference.size - tp
        ref_cadence = float(wb["Cadence"])
        ref_stride = float(np.nanmean(_float_array(wb.get("Stride_Length"))))
        ref_speed = float(wb["WalkingSpeed"])
        _compare(
            _steps_inside(result, start, end),
            (ref_cadence, ref_stride, ref_speed),
            (out.cadence_errors_spm, out.stride_length_errors_rel, out.speed_errors_rel),
        )
        out.single_stride_length_errors_rel.extend(_single_stride_errors(result, wb))
        ref_fc = _float_array(wb.get("FinalContact_Event"))
        fc_inside = fcs[(fcs >= start) & (fcs <= end + 1.0)]
        if fc_inside.size and ref_fc.size:
            nearest = np.min(np.abs(fc_inside[:, None] - ref_fc[None, :]), axis=0)
            out.final_contact_errors_s.extend(nearest.tolist())
        overlapping = [b for b in result.bouts if b.start_s < end and b.end_s > start]
        if not overlapping:
            continue
        # Step-weighted parameters of the detected bouts overlapping the reference bout.
        weights = np.array([b.parameters.steps for b in overlapping], dtype=float)

        def weighted(values: list[float], w: np.ndarray = weights) -> float:
            v = np.asarray(values)
            ok = np.isfinite(v)
            return float(np.sum(v[ok] * w[ok]) / np.sum(w[ok])) if ok.any() else float("nan")

        stance = weighted([b.parameters.stance_time_s for b in overlapping])
        ref_stance = float(np.nanmean(_float_array(wb.get("Stance_Duration"))))
        if np.isfinite(stance) and np.isfinite(ref_stance):
            out.stance_errors_s.append(stance - ref_stance)
        double_support = weighted([b.parameters.double_support_percent for b in overlapping])
        ref_ds = _float_array(wb.get("DoubleSupport_Duration"))
        ref_stride_s = _float_array(wb.get("Stride_Duration"))
        if np.isfinite(double_support) and ref_ds.size and ref_stride_s.size:
            ref_ds_percent = 100 * float(np.nanmean(ref_ds)) / float(np.nanmean(ref_stride_s))
            out.double_support_errors_percent.append(double_support - ref_ds_percent)
        cadence = weighted([b.parameters.cadence_spm for b in overlapping])
        stride = weighted([b.parameters.stride_length_m for b in overlapping])
        speed = weighted([b.parameters.speed_m_s for b in overlapping])
        _compare(
            (cadence, stride, speed),
            (ref_cadence, ref_stride, ref_speed),
            (
                out.bout_cadence_errors_spm,
                out.bout_stride_length_errors_rel,
                out.bout_speed_errors_rel,
            ),
        )


def _single_stride_errors(result: GaitResult, wb: dict[str, Any]) -> list[float]:
    """Relative error of each reference stride's length (INDIP ``Stride_Length``) against the
    sum of our two step lengths, for strides whose three contacts we found (within 250 ms)."""
    fs = result.sampling_rate_hz
    ics, lengths = result.initial_contacts_s, result.step_lengths_m
    bounds = np.atleast_2d(np.asarray(wb.get("Stride_InitialContacts", []), dtype=np.float64))
    ref_lengths = np.atleast_1d(np.asarray(wb.get("Stride_Length", []), dtype=np.float64))
    if ics.size < 3 or bounds.shape[-1] != 2 or bounds.shape[0] != ref_lengths.size:
        return []
    start_s, end_s = bounds[:, 0] / fs, bounds[:, 1] / fs  # stored as sample numbers
    ok = np.isfinite(start_s) & np.isfinite(end_s) & np.isfinite(ref_lengths) & (ref_lengths > 0)
    start_s, end_s, ref_lengths = start_s[ok], end_s[ok], ref_lengths[ok]
    first = np.clip(np.searchsorted(ics, start_s), 1, ics.size - 1)
    first -= np.abs(ics[first - 1] - start_s) <= np.abs(ics[first] - start_s)
    last = first + 2
    inside = last < ics.size
    first, last = first[inside], last[inside]
    start_s, end_s, ref_lengths = start_s[inside], end_s[inside], ref_lengths[inside]
    found = (np.abs(ics[first] - start_s) <= TOLERANCE_S) & (
        np.abs(ics[last] - end_s) <= TOLERANCE_S
    )
    estimate = lengths[first] + lengths[first + 1]
    keep = found & np.isfinite(estimate)
    errors = (estimate[keep] - ref_lengths[keep]) / ref_lengths[keep]
    return [float(e) for e in errors]


def _steps_inside(result: GaitResult, start: float, end: float) -> tuple[float, float, float]:
    """Cadence, stride length and speed from our steps that start inside [start, end)."""
    ics = result.initial_contacts_s
    inside = np.flatnonzero((ics >= start - TOLERANCE_S) & (ics <= end + TOLERANCE_S))
    if inside.size < 2:
        return float("nan"), float("nan"), float("nan")
    first, last = inside[0], inside[-1]
    step_times = np.diff(ics[first : last + 1])
    lengths = result.step_lengths_m[first:last]
    in_bout = np.isfinite(lengths) if np.isfinite(lengths).any() else step_times <= 2.0
    if not in_bout.any():
        return float("nan"), float("nan"), float("nan")
    step_time = float(np.mean(step_times[in_bout]))
    cadence = 60.0 / step_time
    if not np.isfinite(lengths).any():
        return cadence, float("nan"), float("nan")
    step_length = float(np.mean(lengths[in_bout]))
    return cadence, 2.0 * step_length, step_length / step_time


def _compare(
    estimate: tuple[float, float, float],
    reference: tuple[float, float, float],
    sinks: tuple[list[float], list[float], list[float]],
) -> None:
    (cadence, stride, speed), (ref_cadence, ref_stride, ref_speed) = estimate, reference
    if np.isfinite(cadence) and np.isfinite(ref_cadence):
        sinks[0].append(cadence - ref_cadence)
    if np.isfinite(stride) and np.isfinite(ref_stride) and ref_stride > 0:
        sinks[1].append((stride - ref_stride) / ref_stride)
    if np.isfinite(speed) and np.isfinite(ref_speed) and ref_speed > 0:
        sinks[2].append((speed - ref_speed) / ref_speed)


@dataclass
class TrialRun:
    """One trial through the pipeline, with what the turn correction needs."""

    participant: str
    cohort: str
    test: str
    result: GaitResult
    bouts: list[dict[str, Any]]
    yaw_rad_s: np.ndarray | None
    vertical_m_s2: np.ndarray
    """Free vertical acceleration as the pipeline computes it (gravity direction, minus g)."""
    acc_m_s2: np.ndarray | None = None
    """The trial's raw accelerometer samples (for the per-reference-bout ICD protocol)."""


def _uncorrected_pipeline(height_m: float) -> GaitPipeline:
    """The pipeline without direction and without its own turn correction of step length
    (if it has one: ``step_length_turn_coefficient_per_rad``), so the correction is applied
    here exactly once, with the coefficient under test."""
    settings: dict[str, Any] = {"sensor_height_m": height_m, "estimate_direction": False}
    if "step_length_turn_coefficient_per_rad" in {f.name for f in fields(GaitPipeline)}:
        settings["step_length_turn_coefficient_per_rad"] = 0.0
    return GaitPipeline(**settings)


def run_trials(data_dir: Path, pipeline_factory: Any = None) -> list[TrialRun]:
    """Every trial with an INDIP reference through the pipeline (as a user would run it)."""
    factory = pipeline_factory or _uncorrected_pipeline
    runs: list[TrialRun] = []
    for mat in sorted((data_dir / "mobgap-example" / "lab").glob("*/*/data.mat")):
        cohort = mat.parent.parent.name
        pipeline = factory(sensor_height_m(mat))
        for trial in list_mobilised_trials(mat):
            bouts = reference_bouts(mat, trial)
            if not bouts:
                continue
            recording = read_mobilised_mat(mat, trial=trial)
            up = gravity_direction(
                recording.acc_m_s2,
                sampling_rate_hz=recording.sampling_rate_hz,
                cutoff_hz=pipeline.gravity_cutoff_hz,
            )
            vertical = np.einsum("ij,ij->i", recording.acc_m_s2, up) - STANDARD_GRAVITY_M_S2
            yaw = None
            if recording.gyr_rad_s is not None:
                yaw = np.einsum("ij,ij->i", recording.gyr_rad_s, up)
            runs.append(
                TrialRun(
                    participant=f"{cohort}/{mat.parent.name}",
                    cohort=cohort,
                    test=trial.split("/")[1],
                    result=pipeline.analyze(recording),
                    bouts=bouts,
                    yaw_rad_s=yaw,
                    vertical_m_s2=vertical,
                    acc_m_s2=recording.acc_m_s2,
                )
            )
    return runs


def with_turn_correction(run: TrialRun, coefficient_per_rad: float) -> GaitResult:
    """The run's result with turning steps shortened (``parameters.turn_factor``).

    Applies :class:`InvertedPendulumStepLength`'s turn correction, bout by bout as the pipeline
    does, to the step lengths of a pipeline run WITHOUT it (coefficient 0), so that the
    coefficient can be chosen (and chosen leave-one-participant-out) without re-running the
    pipeline for every candidate value.
    """
    result = run.result
    if run.yaw_rad_s is None or coefficient_per_rad == 0:
        return result
    fs = result.sampling_rate_hz
    ics = np.round(result.initial_contacts_s * fs).astype(np.int64)
    lengths = result.step_lengths_m.copy()
    for bout in result.bouts:  # per bout, as the pipeline does: gaps between bouts are not steps
        idx = np.flatnonzero(
            (result.initial_contacts_s >= bout.start_s - 1e-9)
            & (result.initial_contacts_s <= bout.end_s + 1e-9)
        )
        if idx.size >= 2:
            angles = step_turn_angles_rad(run.yaw_rad_s, ics[idx], sampling_rate_hz=fs)
            lengths[idx[0] : idx[-1]] *= turn_factor(angles, coefficient_per_rad)
    bouts = []
    for bout in result.bouts:
        inside = (result.initial_contacts_s >= bout.start_s - 1e-9) & (
            result.initial_contacts_s < bout.end_s - 1e-9
        )
        steps = lengths[inside]
        p = bout.parameters
        if np.isfinite(steps).any():
            length = float(np.nanmedian(steps))
            p = replace(
                p,
                step_length_m=length,
                stride_length_m=2 * length,
                speed_m_s=length / p.step_time_s if p.step_time_s > 0 else float("nan"),
            )
        bouts.append(replace(bout, parameters=p))
    return replace(result, step_lengths_m=lengths, bouts=tuple(bouts))


def _validate(runs: list[TrialRun], coefficient_per_rad: float = 0.0) -> dict[str, Validation]:
    groups: dict[str, Validation] = {}
    for run in runs:
        result = with_turn_correction(run, coefficient_per_rad)
        for name in (run.participant, run.cohort, run.test, "all"):
            target = groups.setdefault(name, Validation())
            target.trials += 1
            accumulate(result, run.bouts, target)
    return groups


def evaluate(
    data_dir: Path, pipeline_factory: Any = None, *, turn_coefficient_per_rad: float = 0.0
) -> dict[str, dict[str, float]]:
    """Rows per participant, cohort, test and overall, as printed by :func:`main`.

    ``turn_coefficient_per_rad`` > 0 applies the turn correction of the step length to the
    pipeline's output (see :func:`with_turn_correction`).
    """
    groups = _validate(run_trials(data_dir, pipeline_factory), turn_coefficient_per_rad)
    return {name: groups[name].row() for name in sorted(groups)}


TURN_COEFFICIENT_GRID = tuple(round(0.05 * k, 2) for k in range(41))


def _worst_parameter_error(row: dict[str, float]) -> float:
    return max(row["stride_length_mae_percent"], row["speed_mae_percent"])


def evaluate_lopo(
    runs: list[TrialRun],
) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Leave-one-participant-out: the turn coefficient is chosen on the other participants
    (from ``TURN_COEFFICIENT_GRID``, lowest of the larger of the stride-length and speed errors)
    and applied to the held-out one. Returns the pooled held-out rows and the chosen coefficients.
    """
    participants = sorted({run.participant for run in runs})
    held_out_runs: dict[str, Validation] = {}
    chosen: dict[str, float] = {}
    for held_out in participants:
        train = [run for run in runs if run.participant != held_out]
        scores = [
            (_worst_parameter_error(_validate(train, c)["all"].row()), c)
            for c in TURN_COEFFICIENT_GRID
        ]
        best = min(scores)[1]
        chosen[held_out] = best
        for run in (run for run in runs if run.participant == held_out):
            result = with_turn_correction(run, best)
            for name in (run.participant, run.cohort, run.test, "all"):
                target = held_out_runs.setdefault(name, Validation())
                target.trials += 1
                accumulate(result, run.bouts, target)
    table = {name: held_out_runs[name].row() for name in sorted(held_out_runs)}
    return table, chosen


MISS_KINDS = (
    "reference_ics",
    "matched",
    "missed_outside_our_bouts",
    "missed_inside_our_bouts",
    "extra_near_a_missed_ic",
    "extra_elsewhere",
    "extra_inside_a_reference_gap",
)


def reference_gaps(wb: dict[str, Any]) -> np.ndarray:
    """Stretches (start, end in s) between two listed reference ICs where the reference
    itself shows a step it did not time: a NaN ``InitialContact_Event`` between them, or both
    listed for the same foot (``InitialContact_LeftRight``; steps alternate feet)."""
    listed = np.atleast_1d(np.asarray(wb.get("InitialContact_Event", []), dtype=np.float64))
    feet = np.atleast_1d(np.asarray(wb.get("InitialContact_LeftRight", []), dtype=str))
    timed = np.flatnonzero(np.isfinite(listed))
    if timed.size < 2:
        return np.zeros((0, 2))
    first, second = timed[:-1], timed[1:]
    untimed_between = second - first > 1
    same_foot = np.zeros(first.size, dtype=bool)
    if feet.size == listed.size:
        same_foot = feet[first] == feet[second]
    gap = untimed_between | same_foot
    return np.column_stack([listed[first[gap]], listed[second[gap]]])


def miss_split(runs: list[TrialRun]) -> dict[str, dict[str, int]]:
    """Where the IC errors are, per test and overall.

    A missed reference IC is ``outside_our_bouts`` when no detected bout (extended by the
    250 ms tolerance) covers it: a bout-detection miss; otherwise ``inside_our_bouts``: a step
    the contact detector did not place within 250 ms. An unmatched detected IC (false
    positive) is ``near_a_missed_ic`` when a missed reference IC lies within 0.6 s (a contact
    placed too far from the true one: it counts as one miss and one extra), else ``elsewhere``
    (an extra contact between steps or past the bout's end). ``extra_inside_a_reference_gap``
    counts, among all the extras, those more than 250 ms inside a :func:`reference_gaps`
    stretch: plausibly a real step the reference did not time (context, not a correction: the
    protocol counts them as false positives).
    """
    table: dict[str, dict[str, int]] = {}
    for run in runs:
        result = run.result
        detected = result.initial_contacts_s
        spans = np.array([(b.start_s, b.end_s) for b in result.bouts]).reshape(-1, 2)
        for wb in run.bouts:
            reference = reference_instants(_float_array(wb.get("InitialContact_Event")))
            if reference.size == 0:
                continue
            start, end = float(wb["Start"]), float(wb["End"])
            inside = detected[(detected >= start - TOLERANCE_S) & (detected <= end + TOLERANCE_S)]
            hit_d, hit_r = matched_contacts(inside, reference, TOLERANCE_S)
            missed = reference[~hit_r]
            covered = (
                (missed[:, None] >= spans[None, :, 0] - TOLERANCE_S)
                & (missed[:, None] <= spans[None, :, 1] + TOLERANCE_S)
            ).any(axis=1)
            extra = inside[~hit_d]
            near = (
                (np.abs(extra[:, None] - missed[None, :]) <= 0.6).any(axis=1)
                if missed.size
                else np.zeros(extra.size, dtype=bool)
            )
            gaps = reference_gaps(wb)
            in_gap = (
                (extra[:, None] > gaps[None, :, 0] + TOLERANCE_S)
                & (extra[:, None] < gaps[None, :, 1] - TOLERANCE_S)
            ).any(axis=1)
            counts = (
                reference.size,
                int(hit_r.sum()),
                int(np.count_nonzero(~covered)),
                int(np.count_nonzero(covered)),
                int(np.count_nonzero(near)),
                int(np.count_nonzero(~near)),
                int(np.count_nonzero(in_gap)),
            )
            for name in (run.test, "all"):
                row = table.setdefault(name, dict.fromkeys(MISS_KINDS, 0))
                for kind, count in zip(MISS_KINDS, counts, strict=True):
                    row[kind] += count
    return table


DEPTH_GRID = (0.0, 0.1, 0.2, 0.3, 0.4)


def contact_counts(run: TrialRun, min_relative_depth: float) -> tuple[int, int, int]:
    """True positives, false positives and false negatives of the ICs of the pipeline's bout
    and contact detection (its default settings) with ``min_relative_depth`` changed, on the
    vertical acceleration the pipeline uses; at the default it gives the pipeline's counts."""
    pipeline = GaitPipeline(estimate_direction=False)
    detector = WalkingBoutDetector(
        min_steps=pipeline.min_steps,
        min_step_time_s=pipeline.min_step_time_s,
        max_step_time_s=pipeline.max_step_time_s,
        min_activity_m_s2=pipeline.min_activity_m_s2,
        min_relative_depth=min_relative_depth,
    )
    detector.contact_detector.band_hz = pipeline.band_hz
    detector.contact_detector.smoothing_sigma_s = pipeline.smoothing_sigma_s
    fs = run.result.sampling_rate_hz
    detected = detector.detect(run.vertical_m_s2, sampling_rate_hz=fs).ic_indices_ / fs
    tp = fp = fn = 0
    for wb in run.bouts:
        reference = reference_instants(_float_array(wb.get("InitialContact_Event")))
        if reference.size == 0:
            continue
        start, end = float(wb["Start"]), float(wb["End"])
        inside = detected[(detected >= start - TOLERANCE_S) & (detected <= end + TOLERANCE_S)]
        hits = match_contacts(inside, reference, TOLERANCE_S)
        tp, fp, fn = tp + hits, fp + inside.size - hits, fn + reference.size - hits
    return tp, fp, fn


def _f1(counts: tuple[int, int, int]) -> float:
    tp, fp, fn = counts
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _summed(counts: list[tuple[int, int, int]]) -> tuple[int, int, int]:
    tp, fp, fn = (sum(c[i] for c in counts) for i in range(3))
    return tp, fp, fn


def evaluate_depth_lopo(runs: list[TrialRun]) -> dict[str, Any]:
    """IC F1 over all bouts for each ``min_relative_depth`` of ``DEPTH_GRID`` (in-sample), and
    leave-one-participant-out: the value with the best F1 on the other two participants
    (ties: the smaller value) applied to the held-out one, held-out counts pooled."""
    participants = sorted({run.participant for run in runs})
    counts = {
        (p, d): _summed([contact_counts(r, d) for r in runs if r.participant == p])
        for p in participants
        for d in DEPTH_GRID
    }
    in_sample = {d: _f1(_summed([counts[p, d] for p in participants])) for d in DEPTH_GRID}
    chosen: dict[str, float] = {}
    for held_out in participants:
        train = [p for p in participants if p != held_out]
        scores = [(-_f1(_summed([counts[p, d] for p in train])), d) for d in DEPTH_GRID]
        chosen[held_out] = min(scores)[1]
    lopo = _f1(_summed([counts[p, chosen[p]] for p in participants]))
    return {"in_sample_f1": in_sample, "chosen": chosen, "lopo_f1": lopo}


MOBGAP_SCORER_TOLERANCE_S = 0.5
"""The tolerance of mobgap 1.2's ICD scorer (``icd_per_datapoint_score``: ``tolerance_s = 0.5``)."""


def icd_per_reference_bout(
    runs: list[TrialRun], tolerance_s: float = TOLERANCE_S
) -> dict[str, dict[str, float]]:
    """SECONDARY protocol, as mobgap's ICD evaluation (``IcdEmulationPipeline``): the IC
    detector alone runs on each reference walking bout's samples alone ([Start, End], no
    bout detection, no activity or depth filter, orientation from the slice itself) and its
    ICs are matched one-to-one to that bout's reference ICs within ``tolerance_s``. It scores
    the contact detector given perfect walking bouts; the headline is the full pipeline
    (:func:`accumulate`), which must also find the bouts."""
    pipeline = GaitPipeline(estimate_direction=False)
    counts: dict[str, list[int]] = {}
    for run in runs:
        if run.acc_m_s2 is None:
            continue
        fs = run.result.sampling_rate_hz
        for wb in run.bouts:
            reference = reference_instants(_float_array(wb.get("InitialContact_Event")))
            if reference.size == 0:
                continue
            first = round(float(wb["Start"]) * fs)
            last = min(round(float(wb["End"]) * fs), run.acc_m_s2.shape[0] - 1)
            acc = run.acc_m_s2[first : last + 1]
            up = gravity_direction(acc, sampling_rate_hz=fs, cutoff_hz=pipeline.gravity_cutoff_hz)
            vertical = np.einsum("ij,ij->i", acc, up) - STANDARD_GRAVITY_M_S2
            detector = InitialContactDetector(
                band_hz=pipeline.band_hz, smoothing_sigma_s=pipeline.smoothing_sigma_s
            ).detect(vertical, sampling_rate_hz=fs)
            detected = (first + detector.ic_indices_) / fs
            tp = match_contacts(detected, reference, tolerance_s)
            for name in (run.participant, run.test, "all"):
                row = counts.setdefault(name, [0, 0, 0])
                row[0] += tp
                row[1] += detected.size - tp
                row[2] += reference.size - tp
    table = {}
    for name in sorted(counts):
        tp, fp, fn = counts[name]
        table[name] = {
            "ic_f1": _f1((tp, fp, fn)),
            "ic_precision": tp / max(1, tp + fp),
            "ic_recall": tp / max(1, tp + fn),
        }
    return table


def _direction_rows(data_dir: Path) -> list[Any] | None:
    path = HERE / "direction_validation.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("direction_validation", path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules["direction_validation"] = module
    spec.loader.exec_module(module)
    evaluate_direction = getattr(module, "evaluate", None)
    if evaluate_direction is None:
        return None
    try:
        rows = evaluate_direction(data_dir)
    except TypeError:
        rows = evaluate_direction()
    return list(rows) if isinstance(rows, list | tuple) else [rows]


def _print_table(title: str, table: dict[str, dict[str, float]]) -> None:
    groups = ["Test5", "Test11", "HA/001", "HA/002", "MS/001", "all"]
    groups = [g for g in groups if g in table]
    print(f"\n{title}")
    print(f"{'metric':<34}" + "".join(f"{g:>9}" for g in groups))
    for metric in next(iter(table.values())):
        values = "".join(f"{table[g][metric]:>9.3f}" for g in groups)
        print(f"{metric:<34}{values}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parents[1] / "shared" / "data")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    runs = run_trials(args.data)
    plain = {k: v.row() for k, v in sorted(_validate(runs).items())}
    turned = {k: v.row() for k, v in sorted(_validate(runs, TURN_COEFFICIENT_PER_RAD).items())}
    lopo, chosen = evaluate_lopo(runs)
    misses = miss_split(runs)
    depth = evaluate_depth_lopo(runs)
    per_bout = {
        f"{tolerance_s}s": icd_per_reference_bout(runs, tolerance_s)
        for tolerance_s in (TOLERANCE_S, MOBGAP_SCORER_TOLERANCE_S)
    }
    direction = _direction_rows(args.data)
    if args.json:  # one JSON document (the direction rows included, not printed after it)
        report = {
            "pipeline": plain,
            "turn_corrected": turned,
            "lopo": lopo,
            "ic_miss_split": misses,
            "ic_min_relative_depth": depth,
            "secondary_icd_per_reference_bout": per_bout,
            "direction": direction,
        }
        print(json.dumps(report, indent=2, default=str))
        return
    print("mobgap-example, INDIP reference, ICs matched within 250 ms inside reference bouts")
    print("(Test5: straight lab walks; Test11: simulated daily life)")
    _print_table(
        "1) without the turn correction of step length, c = 0 (in-sample: some constants "
        "were chosen here)",
        plain,
    )
    _print_table(
        f"2) the pipeline as it is: turn correction c = {TURN_COEFFICIENT_PER_RAD}/rad (in-sample)",
        turned,
    )
    _print_table(
        "3) + turn correction, leave-one-participant-out (c chosen on the other two: "
        + ", ".join(f"{p} {c}" for p, c in chosen.items())
        + ")",
        lopo,
    )
    print("targets: ic_f1 >= 0.93, cadence_mae_spm <= 3, stride/speed mae <= 10 %")
    print("\n4) where the IC errors are (pipeline as it is)")
    print(f"{'':<28}" + "".join(f"{g:>9}" for g in misses))
    for kind in MISS_KINDS:
        print(f"{kind:<28}" + "".join(f"{misses[g][kind]:>9}" for g in misses))
    print("\n5) IC F1 (all bouts) by the bout detector's min_relative_depth")
    print(
        "in-sample: "
        + ", ".join(f"{d}: {f:.3f}" for d, f in depth["in_sample_f1"].items())
        + f"; leave-one-participant-out {depth['lopo_f1']:.3f} (chosen: "
        + ", ".join(f"{p} {d}" for p, d in depth["chosen"].items())
        + ")"
    )
    for tolerance, table in per_bout.items():
        _print_table(
            f"6) SECONDARY (not the headline): mobgap-style ICD protocol, the IC detector "
            f"alone on each reference bout's samples, matched within {tolerance}",
            table,
        )
    if direction is not None:
        print("\nKU-HAR direction evaluation (benchmarks/direction_validation.py):")
        for row in direction:
            print(f"  {row}")


if __name__ == "__main__":
    main()
