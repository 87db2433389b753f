"""The planned warm-up against the first bout as the forward reference for walking direction.

Run: ``python benchmarks/warmup_reference.py`` (reads ``../shared/data`` or the folder in
``RETROWALK_SHARED_DATA``). Prints one table: counts correct / wrong / unknown per method.

KU-HAR (waist phone, gravity removed; 3-s windows of one activity): simulated sessions of user
1024, the only user with more than one forward ("Walk") window (10 forward, 7 backward). Each
session is built from the user's windows in a row, 1.5 s of quiet between them, each window one
bout: a warm-up of three forward windows, then the user's other windows (backward and forward
alternating) as the session; every choice of the three consecutive warm-up windows (10 sessions).
The planned warm-up covers exactly the warm-up windows (3 x 4.5 s). The reference is chosen by
:func:`retrowalk.gait.reference.choose_reference` on the known window spans (bout detection is not
part of this test; the windows are too short for it) and every session window is judged with
``estimate_direction(..., reference=...)`` (reference-free when there is none). Cases:

- ``clean``: as above;
- ``short first bout``: the first warm-up window cut to its first 1.5 s (a few steps to the start);
- ``backward first``: one backward window (each in turn) before the warm-up: a patient who tries a
  few backward steps before starting; it is not judged itself;
- ``warm-up cut short``: only the first two warm-up windows are walked forward; the third planned
  warm-up slot holds a backward window (the patient started the backward block early).

KU-HAR through the WHOLE pipeline (bout detection included): the same user's windows joined two
or three of one class back to back into 6-9 s bouts (the joins are discontinuities a real
recording does not have), 4 s of quiet between bouts: warm-up F F (2 + 2 windows), then B(3),
F(3), B(3); planned warm-up = the two warm-up bouts with their pauses (20 s). ``backward first``
puts a bout of 1 backward window before it (a 3-s bout is not always detected; when it is not,
both methods see the clean session). Rotating which windows go where gives 10 sessions per case;
each planned bout counts correct when every detected bout overlapping it has its direction,
unknown when one is unknown, missed when none overlaps.

mobgap (strapped lower-back IMU, gravity recorded, forward walking only): the whole pipeline on
every trial, each judged with ``first-bout`` and with a planned 1-min warm-up; counts over all
detected bouts (every one forward).

Nothing is fitted; the windows, lengths and cases were set before running.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parent))

from direction_validation import (
    KUHAR_RATE_HZ,
    WALK,
    WALK_BACKWARD,
    Window,
    read_kuhar,
    shared_data_dir,
)
from retrowalk.gait.direction import estimate_direction
from retrowalk.gait.io import list_mobilised_trials, read_mobilised_mat
from retrowalk.gait.pipeline import GaitPipeline, PlannedSession
from retrowalk.gait.recording import Recording
from retrowalk.gait.reference import ReferenceMode, choose_reference
from retrowalk.gait.resample import build_recording

USER = 1024
WARMUP_WINDOWS = 3
GAP_S = 1.5
SHORT_S = 1.5
FloatArray = NDArray[np.float64]
Segment = tuple[FloatArray, FloatArray, str | None]  # acc, gyr, truth (None: not judged)


def _session(segments: list[Segment]) -> tuple[Recording, list[tuple[int, int]], list[str | None]]:
    rng = np.random.default_rng(0)
    gap = round(GAP_S * KUHAR_RATE_HZ)
    accs: list[FloatArray] = []
    gyrs: list[FloatArray] = []
    spans: list[tuple[int, int]] = []
    at = gap
    accs.append(rng.normal(0, 0.02, (gap, 3)))
    gyrs.append(rng.normal(0, 0.002, (gap, 3)))
    for acc, gyr, _ in segments:
        spans.append((at, at + acc.shape[0]))
        accs += [acc, rng.normal(0, 0.02, (gap, 3))]
        gyrs += [gyr, rng.normal(0, 0.002, (gap, 3))]
        at += acc.shape[0] + gap
    acc_all, gyr_all = np.vstack(accs), np.vstack(gyrs)
    t = np.arange(acc_all.shape[0]) / KUHAR_RATE_HZ
    recording = build_recording(t, acc_all, gyr_all, source="kuhar-session")
    return recording, spans, [truth for *_, truth in segments]


def _judge(
    segments: list[Segment], warmup_min: float, mode: ReferenceMode
) -> tuple[list[str], list[str]]:
    recording, spans, truths = _session(segments)
    choice = choose_reference(
        recording, spans, gravity_included=False, mode=mode, warmup_forward_min=warmup_min
    )
    reference = None if choice is None else choice.reference
    calls: list[str] = []
    kept: list[str] = []
    for (start, end), truth in zip(spans, truths, strict=True):
        if truth is None:
            continue
        estimate = estimate_direction(
            recording.acc_m_s2[start:end],
            sampling_rate_hz=KUHAR_RATE_HZ,
            gyr_rad_s=None if recording.gyr_rad_s is None else recording.gyr_rad_s[start:end],
            gravity_included=False,
            reference=reference,
            describe=False,
        )
        calls.append(estimate.direction)
        kept.append(truth)
    return calls, kept


def _seg(window: Window, truth: str | None, keep_s: float | None = None) -> Segment:
    n = window.acc_m_s2.shape[0] if keep_s is None else round(keep_s * KUHAR_RATE_HZ)
    return window.acc_m_s2[:n], window.gyr_rad_s[:n], truth


def kuhar_sessions(windows: list[Window]) -> dict[str, Callable[[int], list[list[Segment]]]]:
    forward = [w for w in windows if w.user == USER and w.label == WALK]
    backward = [w for w in windows if w.user == USER and w.label == WALK_BACKWARD]

    def rest(r: int, skip: int = 0) -> list[Segment]:
        others = [forward[(r + WARMUP_WINDOWS + i) % len(forward)] for i in range(7)]
        bws = backward[skip:] + backward[:skip]
        out: list[Segment] = []
        for i in range(max(len(others), len(bws))):
            if i < len(bws):
                out.append(_seg(bws[i], "backward"))
            if i < len(others):
                out.append(_seg(others[i], "forward"))
        return out

    def warm(r: int) -> list[Window]:
        return [forward[(r + i) % len(forward)] for i in range(WARMUP_WINDOWS)]

    def clean(r: int) -> list[list[Segment]]:
        return [[_seg(w, "forward") for w in warm(r)] + rest(r)]

    def short(r: int) -> list[list[Segment]]:
        first, *others = warm(r)
        return [[_seg(first, "forward", SHORT_S)] + [_seg(w, "forward") for w in others] + rest(r)]

    def backward_first(r: int) -> list[list[Segment]]:
        return [[_seg(b, None)] + [_seg(w, "forward") for w in warm(r)] + rest(r) for b in backward]

    def cut_short(r: int) -> list[list[Segment]]:
        ws = warm(r)
        # the third warm-up slot holds the first backward window; it is judged like the rest
        return [[_seg(ws[0], "forward"), _seg(ws[1], "forward"), *rest(r)]]

    return {
        "clean": clean,
        "short first bout": short,
        "backward first": backward_first,
        "warm-up cut short": cut_short,
    }


def _count(calls: list[str], truths: list[str]) -> tuple[int, int, int]:
    correct = sum(c == t for c, t in zip(calls, truths, strict=True))
    unknown = sum(c == "unknown" for c in calls)
    return correct, len(calls) - correct - unknown, unknown


def kuhar_rows(windows: list[Window]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    window_s = 300 / KUHAR_RATE_HZ
    warmup_min = WARMUP_WINDOWS * (window_s + GAP_S) / 60.0
    for case, build in kuhar_sessions(windows).items():
        for mode in ("first-bout", "warm-up", "none"):
            calls: list[str] = []
            truths: list[str] = []
            sessions = 0
            for r in range(10):
                for segments in build(r):
                    c, t = _judge(segments, warmup_min, mode)
                    calls += c
                    truths += t
                    sessions += 1
            correct, wrong, unknown = _count(calls, truths)
            rows.append(
                {
                    "data": "KU-HAR user 1024",
                    "case": case,
                    "reference": mode,
                    "sessions": sessions,
                    "n": len(calls),
                    "correct": correct,
                    "wrong": wrong,
                    "unknown": unknown,
                }
            )
    return rows


def kuhar_pipeline_rows(windows: list[Window]) -> list[dict[str, object]]:
    forward = [w for w in windows if w.user == USER and w.label == WALK]
    backward = [w for w in windows if w.user == USER and w.label == WALK_BACKWARD]
    rng = np.random.default_rng(0)
    quiet_s, warmup_s = 4.0, 2 * (6.0 + 4.0)

    def quiet() -> tuple[FloatArray, FloatArray]:
        n = round(quiet_s * KUHAR_RATE_HZ)
        return rng.normal(0, 0.02, (n, 3)), rng.normal(0, 0.002, (n, 3))

    def sessions(r: int, backward_first: bool) -> tuple[Recording, list[tuple[float, float, str]]]:
        f = forward[r:] + forward[:r]
        b = backward[r % len(backward) :] + backward[: r % len(backward)]
        blocks = [(f[0:2], "forward"), (f[2:4], "forward"), (b[0:3], "backward")]
        blocks += [(f[4:7], "forward"), (b[3:6], "backward")]
        if backward_first:
            blocks.insert(0, (b[6:7], "not judged"))
        parts = [quiet()]
        planned: list[tuple[float, float, str]] = []
        at = parts[0][0].shape[0]
        for chosen, truth in blocks:
            acc = np.vstack([w.acc_m_s2 for w in chosen])
            gyr = np.vstack([w.gyr_rad_s for w in chosen])
            planned.append((at / KUHAR_RATE_HZ, (at + acc.shape[0]) / KUHAR_RATE_HZ, truth))
            parts += [(acc, gyr), quiet()]
            at += acc.shape[0] + parts[-1][0].shape[0]
        acc_all = np.vstack([p[0] for p in parts])
        gyr_all = np.vstack([p[1] for p in parts])
        t = np.arange(acc_all.shape[0]) / KUHAR_RATE_HZ
        return build_recording(t, acc_all, gyr_all, source="kuhar-joined"), planned

    rows: list[dict[str, object]] = []
    plan = PlannedSession(
        backward_min=1.0, forward_min=warmup_s / 60.0, warmup_forward_min=warmup_s / 60.0
    )
    for case, backward_first in (
        ("joined windows, clean", False),
        ("joined, backward first", True),
    ):
        for mode in ("first-bout", "warm-up"):
            counts = {"correct": 0, "wrong": 0, "unknown": 0, "missed": 0}
            for r in range(10):
                recording, planned = sessions(r, backward_first)
                result = GaitPipeline(reference=mode).with_plan(plan).analyze(recording)
                for start, end, truth in planned:
                    if truth == "not judged":
                        continue
                    found = [
                        b.direction for b in result.bouts if b.start_s < end and b.end_s > start
                    ]
                    if not found:
                        counts["missed"] += 1
                    elif all(d == truth for d in found):
                        counts["correct"] += 1
                    elif "unknown" in found:
                        counts["unknown"] += 1
                    else:
                        counts["wrong"] += 1
            rows.append(
                {
                    "data": "KU-HAR user 1024, whole pipeline",
                    "case": case,
                    "reference": mode,
                    "sessions": 10,
                    "n": sum(counts.values()),
                    **counts,
                }
            )
    return rows


def mobgap_rows(root: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    mats = sorted(root.glob("lab/*/*/data.mat"))
    plans = {
        "first-bout": GaitPipeline(reference="first-bout"),
        "warm-up": GaitPipeline(reference="warm-up").with_plan(
            PlannedSession(backward_min=0.0, forward_min=1.0, warmup_forward_min=1.0)
        ),
    }
    for mode, pipeline in plans.items():
        directions: list[str] = []
        trials = 0
        for mat in mats:
            for trial in list_mobilised_trials(mat):
                result = pipeline.analyze(read_mobilised_mat(mat, trial=trial))
                directions += [b.direction for b in result.bouts]
                trials += 1
        rows.append(
            {
                "data": "mobgap (all forward), whole pipeline",
                "case": "1-min planned warm-up" if mode == "warm-up" else "as recorded",
                "reference": mode,
                "sessions": trials,
                "n": len(directions),
                "correct": directions.count("forward"),
                "wrong": directions.count("backward"),
                "unknown": directions.count("unknown"),
            }
        )
    return rows


def main() -> None:
    data = shared_data_dir()
    if data is None:
        print("shared data not found (set RETROWALK_SHARED_DATA)")
        return
    rows: list[dict[str, object]] = []
    kuhar = data / "kuhar-sample" / "kuhar_val.csv"
    if kuhar.exists():
        kuhar_windows = read_kuhar(kuhar)
        rows += kuhar_rows(kuhar_windows)
        rows += kuhar_pipeline_rows(kuhar_windows)
    if (data / "mobgap-example").is_dir():
        rows += mobgap_rows(data / "mobgap-example")
    print(
        f"{'data':<38} {'case':<22} {'reference':<11} {'sessions':>8} {'n':>5} "
        f"{'correct':>7} {'wrong':>5} {'unknown':>7} {'missed':>6} {'acc.':>6}"
    )
    for row in rows:
        n = int(str(row["n"]))
        accuracy = int(str(row["correct"])) / n if n else float("nan")
        print(
            f"{row['data']!s:<38} {row['case']!s:<22} {row['reference']!s:<11} "
            f"{row['sessions']!s:>8} {n:>5} {row['correct']!s:>7} {row['wrong']!s:>5} "
            f"{row['unknown']!s:>7} {row.get('missed', '-')!s:>6} {accuracy:>6.0%}"
        )


if __name__ == "__main__":
    main()
