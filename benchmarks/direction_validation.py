"""Validation of walking-direction detection (retrowalk.gait.direction) on real recordings.

Run: ``python benchmarks/direction_validation.py`` (reads ``../shared/data`` or the folder in
``RETROWALK_SHARED_DATA``). Prints one table; ``evaluate()`` returns its rows for
``benchmarks/gait_validation.py`` and the tests.

Rows (counts: correct / wrong / unknown):
- Against a forward reference (``ForwardReference``; nothing fitted):
  - KU-HAR: each forward window in turn as the reference, classifying every OTHER class 11/12
    window of its user (pooled pairs; mean and worst accuracy over the choices of reference;
    windows of users without a forward window are counted as excluded and judged
    reference-free); the same with a reference from another user (the phone placement is fixed
    in KU-HAR); walking-like forward classes and non-walking windows against every reference;
  - mobgap: the first INDIP bout of each participant as the reference, the later bouts as
    recorded, time-reversed, with the sensor turned 180 degrees about its vertical axis, and
    both (see ``_mobgap_reference_rows``); and the declared Mobilise-D frame for every bout.
- Without a reference (the fallback):
- KU-HAR forward ("Walk", class 11) vs backward ("Walk-backward", class 12), 3-s windows of a
  waist phone with gravity removed:
  - ``estimate_direction`` as shipped (mounting "auto": gravity removed -> waist phone);
  - each direction feature ALONE with a threshold at 0 and its forward sign fixed elsewhere,
    so nothing is fitted to classes 11/12: (a) cross-dataset, sign = majority sign in the mobgap
    forward bouts (strapped lower-back IMU, another lab); (b) sign = majority sign in the
    KU-HAR "Walk-circle" windows (class 13, forward walking, not part of the test);
  - leave-one-user-out: the signs of the waist-phone evidence weights refitted on the other
    users' class 11/12 windows (scales and thresholds are not refitted: chosen on all data).
- KU-HAR forward walking of other kinds (walk-circle, stair-up, stair-down, run): how often they
  are called forward; and non-walking classes: how often they get any direction (false calls).
- mobgap lower-back recordings (forward walking only, INDIP reference walking bouts): as shipped
  with gravity, with the trunk-sensor preset, with gravity removed (mean subtracted: "auto" then
  takes it for a waist phone), and a synthetic time reversal (samples reversed, angular
  velocity negated). The reversal checks that the statistics are time-odd; it does NOT simulate
  real backward walking (it keeps the forward heel strike, only run backwards; real backward
  walking is toe-first, evidence.md §1.3).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.io
from numpy.typing import NDArray

from retrowalk.errors import InputError
from retrowalk.gait.direction import (
    EVIDENCE_WEIGHTS,
    DirectionDetector,
    DirectionEstimate,
    ForwardReference,
)

STANDARD_GRAVITY_M_S2 = 9.80665
KUHAR_RATE_HZ = 100.0
WALK, WALK_BACKWARD = 11, 12
WALKING_LIKE = {13: "walk-circle", 15: "stair-up", 16: "stair-down", 14: "run"}
WALK_CIRCLE = 13
FEATURES = ("energy_lead", "pitch_ap_coupling", "jerk_asymmetry")


@dataclass(frozen=True)
class Window:
    acc_m_s2: NDArray[np.float64]
    gyr_rad_s: NDArray[np.float64]
    label: int
    user: int


def shared_data_dir() -> Path | None:
    configured = os.environ.get("RETROWALK_SHARED_DATA")
    here = Path(__file__).resolve().parents[1]
    for candidate in ([Path(configured)] if configured else []) + [here.parent / "shared" / "data"]:
        if candidate.is_dir():
            return candidate
    return None


def read_kuhar(path: Path) -> list[Window]:
    """KU-HAR windows: columns accel-{x,y,z}-{0..299}, gyro-{x,y,z}-{0..299}, class, user."""
    with path.open() as handle:
        header = handle.readline().strip().split(",")
    table = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    column = {name: index for index, name in enumerate(header)}

    def block(prefix: str) -> NDArray[np.float64]:
        axes = [[column[f"{prefix}-{axis}-{k}"] for k in range(300)] for axis in "xyz"]
        return np.stack([table[:, cols] for cols in axes], axis=2)

    acc, gyr = block("accel"), block("gyro")
    labels = table[:, column["class"]].astype(int)
    users = table[:, column["user"]].astype(int)
    return [Window(acc[i], gyr[i], int(labels[i]), int(users[i])) for i in range(len(table))]


@dataclass(frozen=True)
class Bout:
    name: str
    acc_m_s2: NDArray[np.float64]
    gyr_rad_s: NDArray[np.float64]
    sampling_rate_hz: float


def read_mobgap_bouts(root: Path) -> Iterator[Bout]:
    """INDIP reference walking bouts (MicroWB Start/End, s) of the mobgap example recordings."""
    for data_file in sorted(root.glob("lab/*/*/data.mat")):
        participant = "/".join(data_file.parts[-3:-1])
        tests = scipy.io.loadmat(data_file, simplify_cells=True)["data"]["TimeMeasure1"]
        for test, trials in tests.items():
            for trial, record in trials.items():
                lower_back = record["SU"]["LowerBack"]
                rate = float(lower_back["Fs"]["Acc"])
                acc = np.asarray(lower_back["Acc"], dtype=float) * STANDARD_GRAVITY_M_S2
                gyr = np.deg2rad(np.asarray(lower_back["Gyr"], dtype=float))
                bouts = record["Standards"]["INDIP"]["MicroWB"]
                for bout in bouts if isinstance(bouts, list) else [bouts]:
                    if not isinstance(bout, dict):
                        continue  # a trial without reference bouts
                    start, end = round(bout["Start"] * rate), round(bout["End"] * rate)
                    yield Bout(
                        f"{participant} {test} {trial} {bout['Start']:.1f}-{bout['End']:.1f}s",
                        acc[start:end],
                        gyr[start:end],
                        rate,
                    )


def _classify(window: Window, detector: DirectionDetector) -> DirectionEstimate:
    return detector.detect(
        window.acc_m_s2,
        sampling_rate_hz=KUHAR_RATE_HZ,
        gyr_rad_s=window.gyr_rad_s,
        gravity_included=False,
    ).estimate_


def _bout_estimate(
    bout: Bout, detector: DirectionDetector, *, gravity: bool = True, reverse: bool = False
) -> DirectionEstimate:
    acc, gyr = bout.acc_m_s2, bout.gyr_rad_s
    if reverse:
        acc, gyr = acc[::-1].copy(), -gyr[::-1]
    if not gravity:
        acc = acc - acc.mean(axis=0)
    return detector.detect(
        acc, sampling_rate_hz=bout.sampling_rate_hz, gyr_rad_s=gyr, gravity_included=gravity
    ).estimate_


def _row(
    dataset: str, case: str, estimates: list[DirectionEstimate], truths: list[str]
) -> dict[str, object]:
    n = len(estimates)
    decided = [e for e in estimates if e.direction != "unknown"]
    correct = sum(e.direction == t for e, t in zip(estimates, truths, strict=True))
    return {
        "dataset": dataset,
        "case": case,
        "n": n,
        "correct": correct,
        "wrong": len(decided) - correct,
        "unknown": n - len(decided),
        "accuracy": correct / n if n else float("nan"),
        "accuracy_decided": correct / len(decided) if decided else float("nan"),
    }


def _sign_call(value: float, forward_sign: float) -> DirectionEstimate:
    """A one-feature rule: threshold at 0, ``forward_sign`` = the feature's sign when forward."""
    if not np.isfinite(value) or value == 0:
        return DirectionEstimate("unknown", 0.0)
    return DirectionEstimate("forward" if value * forward_sign > 0 else "backward", 1.0)


def _majority_sign(values: list[float]) -> tuple[float, int, int]:
    """(sign, how many positive, how many finite) of a list of feature values."""
    finite = [v for v in values if np.isfinite(v)]
    positive = sum(v > 0 for v in finite)
    return (1.0 if 2 * positive >= len(finite) else -1.0), positive, len(finite)


def fit_pouch_signs(windows: list[Window]) -> dict[str, float]:
    """Waist-phone evidence weights with each sign refitted: sign of mean(forward - backward)."""
    probe = DirectionDetector(mounting="pouch", min_confidence=0.0)
    values: dict[int, list[dict[str, float]]] = {WALK: [], WALK_BACKWARD: []}
    for window in windows:
        values[window.label].append(dict(_classify(window, probe).features))
    weights = dict(EVIDENCE_WEIGHTS["pouch"])
    for name, weight in weights.items():
        forward = [f[name] for f in values[WALK] if np.isfinite(f.get(name, np.nan))]
        backward = [f[name] for f in values[WALK_BACKWARD] if np.isfinite(f.get(name, np.nan))]
        if forward and backward:
            difference = float(np.mean(forward) - np.mean(backward))
            weights[name] = abs(weight) * (1.0 if difference >= 0 else -1.0)
    return weights


def _features(estimate: DirectionEstimate, name: str) -> float:
    return float(estimate.features.get(name, float("nan")))


def _kuhar_rows(windows: list[Window], mobgap: list[Bout]) -> list[dict[str, object]]:
    walking = [w for w in windows if w.label in (WALK, WALK_BACKWARD)]
    truth = {WALK: "forward", WALK_BACKWARD: "backward"}
    truths = [truth[w.label] for w in walking]
    rows: list[dict[str, object]] = []
    shipped = [_classify(w, DirectionDetector()) for w in walking]
    for label in (WALK, WALK_BACKWARD):
        chosen = [
            (e, t) for e, w, t in zip(shipped, walking, truths, strict=True) if w.label == label
        ]
        rows.append(
            _row(
                "KU-HAR",
                f"{truth[label]}, estimate_direction (auto)",
                [e for e, _ in chosen],
                [t for _, t in chosen],
            )
        )
    rows.append(_row("KU-HAR", "forward+backward, estimate_direction (auto)", shipped, truths))

    # one feature alone, its forward sign fixed outside classes 11/12: nothing fitted to the test
    probe = DirectionDetector(mounting="pouch", min_confidence=0.0)
    probed = [_classify(w, probe) for w in walking]
    circles = [_classify(w, probe) for w in windows if w.label == WALK_CIRCLE]
    trunk_probe = DirectionDetector(mounting="trunk", min_confidence=0.0)
    mobgap_probed = [_bout_estimate(b, trunk_probe) for b in mobgap]
    for name in FEATURES:
        values = [_features(e, name) for e in probed]
        sources = [("mobgap forward bouts", mobgap_probed)] if mobgap_probed else []
        sources.append(("KU-HAR walk-circle", circles))
        for source, reference in sources:
            sign, positive, total = _majority_sign([_features(e, name) for e in reference])
            row = _row(
                "KU-HAR",
                f"{name} alone, sign from {source} ({positive}/{total} > 0)",
                [_sign_call(v, sign) for v in values],
                truths,
            )
            rows.append(row)

    louo: list[tuple[str, DirectionEstimate]] = []
    fitted: list[dict[str, float]] = []
    for user in sorted({w.user for w in walking}):
        weights = fit_pouch_signs([w for w in walking if w.user != user])
        fitted.append(weights)
        detector = DirectionDetector(
            evidence_weights={"pouch": weights, "trunk": EVIDENCE_WEIGHTS["trunk"]}
        )
        louo += [(truth[w.label], _classify(w, detector)) for w in walking if w.user == user]
    rows.append(
        {
            **_row(
                "KU-HAR",
                "forward+backward, leave-one-user-out (signs refitted)",
                [e for _, e in louo],
                [t for t, _ in louo],
            ),
            "fitted_signs": [
                {name: int(np.sign(weight)) for name, weight in w.items()} for w in fitted
            ],
        }
    )

    default = DirectionDetector()
    for label, name in WALKING_LIKE.items():
        kind = [_classify(w, default) for w in windows if w.label == label]
        rows.append(
            _row("KU-HAR", f"{name} (forward) called forward", kind, ["forward"] * len(kind))
        )
    others = [w for w in windows if w.label not in (WALK, WALK_BACKWARD, *WALKING_LIKE)]
    results = [_classify(w, default) for w in others]
    rows.append(
        {
            **_row("KU-HAR", "non-walking: given a direction", results, ["-"] * len(results)),
            "accuracy": sum(e.direction != "unknown" for e in results) / max(1, len(results)),
            "accuracy_decided": float("nan"),
        }
    )
    return rows


def _reference(window: Window) -> ForwardReference:
    return ForwardReference.from_bout(
        window.acc_m_s2,
        sampling_rate_hz=KUHAR_RATE_HZ,
        gyr_rad_s=window.gyr_rad_s,
        gravity_included=False,
    )


def _against(window: Window, reference: ForwardReference) -> DirectionEstimate:
    return (
        DirectionDetector()
        .detect(
            window.acc_m_s2,
            sampling_rate_hz=KUHAR_RATE_HZ,
            gyr_rad_s=window.gyr_rad_s,
            gravity_included=False,
            reference=reference,
        )
        .estimate_
    )


def _kuhar_reference_rows(windows: list[Window]) -> list[dict[str, object]]:
    """Every forward ("Walk") window in turn as the reference (the "warm-up"); nothing fitted.

    Same user: the reference classifies all OTHER class 11/12 windows of its user; mean and worst
    accuracy over the choices of reference. Other users: the KU-HAR phone placement looks fixed
    (the forward loop axis is the phone's +y in both users with forward windows), so a reference
    from one user is also tried on the others' windows, which covers the user without a forward
    window. Walking-like forward classes and non-walking windows: against every reference.
    """
    truth = {WALK: "forward", WALK_BACKWARD: "backward"}
    walking = [w for w in windows if w.label in truth]
    references = [(i, w, _reference(w)) for i, w in enumerate(walking) if w.label == WALK]
    rows: list[dict[str, object]] = []
    pooled: list[tuple[DirectionEstimate, str]] = []
    per_reference: list[float] = []
    for index, window, reference in references:
        chosen = [
            (_against(w, reference), truth[w.label])
            for j, w in enumerate(walking)
            if j != index and w.user == window.user
        ]
        pooled += chosen
        per_reference.append(sum(e.direction == t for e, t in chosen) / len(chosen))
    users_with_reference = {w.user for _, w, _ in references}
    excluded = [w for w in walking if w.user not in users_with_reference]
    rows.append(
        {
            **_row(
                "KU-HAR",
                "reference: one forward window of the same user, all its other windows",
                [e for e, _ in pooled],
                [t for _, t in pooled],
            ),
            "references": len(references),
            "mean_accuracy": float(np.mean(per_reference)) if per_reference else float("nan"),
            "worst_accuracy": float(np.min(per_reference)) if per_reference else float("nan"),
            "excluded_windows": len(excluded),
        }
    )
    cross = [
        (_against(w, reference), truth[w.label])
        for _, window, reference in references
        for w in walking
        if w.user != window.user
    ]
    rows.append(
        _row(
            "KU-HAR",
            "reference: a forward window of ANOTHER user (placement fixed)",
            [e for e, _ in cross],
            [t for _, t in cross],
        )
    )
    # declared placement: the phone's +/-y as the forward loop axis (the axis every KU-HAR window
    # loops about), its sign taken from the OTHER users' forward windows (leave-one-user-out)
    declared: list[tuple[DirectionEstimate, str]] = []
    signs: list[int] = []
    for user in sorted({w.user for w in walking}):
        other_refs = [r for _, w, r in references if w.user != user]
        if not other_refs:
            continue
        sign = 1.0 if sum(r.loop_axis[1] for r in other_refs) >= 0 else -1.0
        signs.append(int(sign))
        reference = ForwardReference.declared((0.0, sign, 0.0), source="KU-HAR phone +/-y")
        declared += [(_against(w, reference), truth[w.label]) for w in walking if w.user == user]
    rows.append(
        {
            **_row(
                "KU-HAR",
                "declared phone axis y, sign from the other users (leave-one-user-out)",
                [e for e, _ in declared],
                [t for _, t in declared],
            ),
            "fitted_signs": signs,
        }
    )
    if excluded:
        fallback = [_classify(w, DirectionDetector()) for w in excluded]
        rows.append(
            _row(
                "KU-HAR",
                "users without a forward window: reference-free (auto)",
                fallback,
                [truth[w.label] for w in excluded],
            )
        )
    for label, name in WALKING_LIKE.items():
        kind = [_against(x, ref) for *_, ref in references for x in windows if x.label == label]
        rows.append(
            _row(
                "KU-HAR",
                f"reference: {name} (forward) called forward, all reference pairs",
                kind,
                ["forward"] * len(kind),
            )
        )
    others = [w for w in windows if w.label not in (WALK, WALK_BACKWARD, *WALKING_LIKE)]
    results = [_against(x, ref) for *_, ref in references for x in others]
    rows.append(
        {
            **_row(
                "KU-HAR",
                "reference: non-walking given a direction, all reference pairs",
                results,
                ["-"] * len(results),
            ),
            "accuracy": sum(e.direction != "unknown" for e in results) / max(1, len(results)),
            "accuracy_decided": float("nan"),
        }
    )
    return rows


def _transformed(bout: Bout, *, reverse: bool, turn: bool) -> tuple[Bout, str]:
    """Synthetic variants of a forward bout (see :func:`_mobgap_reference_rows`)."""
    acc, gyr = bout.acc_m_s2, bout.gyr_rad_s
    if reverse:
        acc, gyr = acc[::-1].copy(), -gyr[::-1]
    if turn:  # 180 deg about the sensor's x (vertical) axis: y (ML) and z (AP) negated
        flip = np.array([1.0, -1.0, -1.0])
        acc, gyr = acc * flip, gyr * flip
    return Bout(bout.name, acc, gyr, bout.sampling_rate_hz), "forward"


def _mobgap_reference_rows(bouts: list[Bout]) -> list[dict[str, object]]:
    """The first INDIP bout of each participant as the forward reference; the later bouts.

    Variants of the later bouts: as recorded (forward); time-reversed (samples reversed,
    angular velocity negated: a stand-in for backward walking; it keeps the forward heel strike);
    the sensor turned 180 deg about its vertical axis on the body (AP and ML negated; this is NOT
    a person turning around, which turns the sensor with the body and changes nothing in the
    sensor frame: it is the phone put back into the pouch the other way round, which breaks the
    method's assumption); both (backward walking with the sensor turned round: indistinguishable
    from forward walking by construction). Plus the declared Mobilise-D frame for every bout.
    """
    participants: dict[str, list[Bout]] = {}
    for bout in bouts:
        participants.setdefault(bout.name.split()[0], []).append(bout)
    variants = [
        ("later bouts as recorded (forward)", False, False, "forward"),
        ("later bouts time-reversed (synthetic backward)", True, False, "backward"),
        (
            "later bouts, sensor turned 180 deg about vertical (breaks the assumption)",
            False,
            True,
            "forward",
        ),
        ("later bouts time-reversed AND sensor turned (synthetic)", True, True, "backward"),
    ]
    rows: list[dict[str, object]] = []
    for case, reverse, turn, truth in variants:
        estimates: list[DirectionEstimate] = []
        for group in participants.values():
            first = group[0]
            reference = ForwardReference.from_bout(
                first.acc_m_s2, sampling_rate_hz=first.sampling_rate_hz, gyr_rad_s=first.gyr_rad_s
            )
            for bout in group[1:]:
                changed, _ = _transformed(bout, reverse=reverse, turn=turn)
                estimates.append(
                    DirectionDetector()
                    .detect(
                        changed.acc_m_s2,
                        sampling_rate_hz=changed.sampling_rate_hz,
                        gyr_rad_s=changed.gyr_rad_s,
                        reference=reference,
                    )
                    .estimate_
                )
        rows.append(
            _row(
                "mobgap lower back",
                f"reference: first bout; {case}",
                estimates,
                [truth] * len(estimates),
            )
        )
    pooled: list[DirectionEstimate] = []
    per_reference: list[float] = []
    for group in participants.values():
        for index, chosen in enumerate(group):
            try:
                reference = ForwardReference.from_bout(
                    chosen.acc_m_s2,
                    sampling_rate_hz=chosen.sampling_rate_hz,
                    gyr_rad_s=chosen.gyr_rad_s,
                )
            except InputError:
                continue  # this bout cannot serve as a reference (counted below)
            judged = [
                DirectionDetector()
                .detect(
                    b.acc_m_s2,
                    sampling_rate_hz=b.sampling_rate_hz,
                    gyr_rad_s=b.gyr_rad_s,
                    reference=reference,
                )
                .estimate_
                for j, b in enumerate(group)
                if j != index
            ]
            pooled += judged
            per_reference.append(sum(e.direction == "forward" for e in judged) / len(judged))
    rows.append(
        {
            **_row(
                "mobgap lower back",
                "reference: every bout in turn; the participant's other bouts",
                pooled,
                ["forward"] * len(pooled),
            ),
            "references": len(per_reference),
            "mean_accuracy": float(np.mean(per_reference)),
            "worst_accuracy": float(np.min(per_reference)),
            "excluded_windows": len(bouts) - len(per_reference),
        }
    )
    declared = ForwardReference.mobilise_d_lower_back()
    rows.append(
        _row(
            "mobgap lower back",
            "declared Mobilise-D frame (no reference bout), all bouts",
            [
                DirectionDetector()
                .detect(
                    b.acc_m_s2,
                    sampling_rate_hz=b.sampling_rate_hz,
                    gyr_rad_s=b.gyr_rad_s,
                    reference=declared,
                )
                .estimate_
                for b in bouts
            ],
            ["forward"] * len(bouts),
        )
    )
    return rows


def _mobgap_rows(bouts: list[Bout]) -> list[dict[str, object]]:
    auto, trunk = DirectionDetector(), DirectionDetector.trunk_sensor()
    forward = ["forward"] * len(bouts)
    cases = [
        ("forward bouts, gravity included (auto)", auto, True, False, forward),
        ("forward bouts, trunk-sensor preset", trunk, True, False, forward),
        ("forward bouts, gravity removed (auto)", auto, False, False, forward),
        ("forward bouts, gravity removed, trunk preset", trunk, False, False, forward),
        ("time-reversed forward bouts (synthetic)", auto, True, True, ["backward"] * len(bouts)),
    ]
    return [
        _row(
            "mobgap lower back",
            case,
            [_bout_estimate(b, detector, gravity=gravity, reverse=reverse) for b in bouts],
            truths,
        )
        for case, detector, gravity, reverse, truths in cases
    ]


def evaluate(data_dir: Path | None = None) -> list[dict[str, object]]:
    """All validation rows (empty when the shared data folder is absent)."""
    root = data_dir or shared_data_dir()
    if root is None:
        return []
    mobgap_dir = root / "mobgap-example"
    mobgap = list(read_mobgap_bouts(mobgap_dir)) if mobgap_dir.is_dir() else []
    rows: list[dict[str, object]] = []
    kuhar = root / "kuhar-sample" / "kuhar_val.csv"
    if kuhar.is_file():
        kuhar_windows = read_kuhar(kuhar)
        rows += _kuhar_reference_rows(kuhar_windows)
        rows += _kuhar_rows(kuhar_windows, mobgap)
    if mobgap:
        rows += _mobgap_reference_rows(mobgap)
        rows += _mobgap_rows(mobgap)
    return rows


def main() -> None:
    rows = evaluate()
    if not rows:
        print("no shared data found (set RETROWALK_SHARED_DATA)", file=sys.stderr)
        raise SystemExit(1)
    header = f"{'dataset':<18} {'case':<78} {'n':>4} {'ok':>4} {'wrong':>5} {'unk':>4} {'acc':>6}"
    print(header + f" {'acc(decided)':>12}")
    for row in rows:
        print(
            f"{row['dataset']!s:<18} {row['case']!s:<78} {row['n']!s:>4} {row['correct']!s:>4} "
            f"{row['wrong']!s:>5} {row['unknown']!s:>4} {float(str(row['accuracy'])):6.2f} "
            f"{float(str(row['accuracy_decided'])):12.2f}"
        )
        if "mean_accuracy" in row:
            print(
                f"{'':<18} over {row['references']} reference windows: mean accuracy "
                f"{float(str(row['mean_accuracy'])):.3f}, worst "
                f"{float(str(row['worst_accuracy'])):.3f}; not evaluable this way (no usable "
                f"reference): {row['excluded_windows']}"
            )
        if "fitted_signs" in row:
            print(f"{'':<18} signs refitted per left-out user: {row['fitted_signs']}")
    print("non-walking row: 'wrong' = windows given a direction (false calls), 'acc' = their share")


if __name__ == "__main__":
    main()
