"""Validation of walking-direction detection (retrowalk.gait.direction) on real recordings.

Run: ``python benchmarks/direction_validation.py`` (reads ``../shared/data`` or the folder in
``RETROWALK_SHARED_DATA``). Prints one table; ``evaluate()`` returns its rows for
``benchmarks/gait_validation.py``.

Rows:
- KU-HAR forward ("Walk", class 11) vs backward ("Walk-backward", class 12), 3-s windows of a
  waist phone with gravity removed: ``estimate_direction`` as shipped (mounting inferred), the
  waist-bag preset, and leave-one-user-out (the waist-bag sign of the pitch-AP coupling, the one
  thing learnt from KU-HAR, refitted on the other users' windows; the mounting threshold was
  chosen on all data and is not refitted).
- KU-HAR non-walking windows (classes 0-10, 13-17): the share classified confidently (false
  alarms of "forward"/"backward"; walk-circle, run and stairs are walking-like, reported apart).
- mobgap lower-back recordings (forward walking only, INDIP reference walking bouts): share
  called forward / backward / unknown, with gravity included (as shipped and with the
  trunk-sensor preset) and with gravity removed.
- Synthetic time reversal of the mobgap bouts (gyroscope negated, as time reversal requires):
  this checks the time-odd construction, NOT real backward walking (it keeps the forward heel
  strike, only run backwards; real backward walking is toe-first, evidence.md §1.3).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.io
from numpy.typing import NDArray

from retrowalk.gait.direction import FORWARD_PHASE_DEG, DirectionDetector, DirectionEstimate

STANDARD_GRAVITY_M_S2 = 9.80665
KUHAR_RATE_HZ = 100.0
WALK, WALK_BACKWARD = 11, 12
WALKING_LIKE = {13: "walk-circle", 14: "run", 15: "stair-up", 16: "stair-down"}


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


def _row(
    dataset: str, case: str, estimates: list[DirectionEstimate], truth: str
) -> dict[str, object]:
    n = len(estimates)
    decided = [e for e in estimates if e.direction != "unknown"]
    correct = sum(e.direction == truth for e in estimates)
    wrong = sum(e.direction not in (truth, "unknown") for e in estimates)
    return {
        "dataset": dataset,
        "case": case,
        "n": n,
        "correct": correct,
        "wrong": wrong,
        "unknown": n - len(decided),
        "accuracy": correct / n if n else float("nan"),
        "accuracy_decided": correct / len(decided) if decided else float("nan"),
    }


def fit_pouch_phase_deg(windows: list[Window], *, sign_only: bool = True) -> float:
    """Waist-bag forward direction in the coupling plane: angle of (mean forward - backward).

    ``sign_only`` (the model used) keeps 0 or 180 degrees, i.e. only the sign of the pitch-rate
    coupling is learnt; the free angle overfits the 22 windows (see the module docstring).
    """
    probe = DirectionDetector(mounting="pouch", min_confidence=0.0)
    points: dict[int, list[tuple[float, float]]] = {WALK: [], WALK_BACKWARD: []}
    for window in windows:
        features = _classify(window, probe).features
        if "pitch_ap_coupling" in features:
            points[window.label].append(
                (features["pitch_ap_coupling"], features["pitch_acceleration_ap_coupling"])
            )
    if not points[WALK] or not points[WALK_BACKWARD]:
        return float(FORWARD_PHASE_DEG["pouch"])
    difference = np.mean(points[WALK], axis=0) - np.mean(points[WALK_BACKWARD], axis=0)
    if sign_only:
        return 0.0 if difference[0] >= 0 else 180.0
    return float(np.degrees(np.arctan2(difference[1], difference[0])))


def _kuhar_rows(windows: list[Window]) -> list[dict[str, object]]:
    walking = [w for w in windows if w.label in (WALK, WALK_BACKWARD)]
    truth = {WALK: "forward", WALK_BACKWARD: "backward"}
    rows: list[dict[str, object]] = []
    default = DirectionDetector()
    estimates = [_classify(w, default) for w in walking]
    for label in (WALK, WALK_BACKWARD):
        chosen = [e for e, w in zip(estimates, walking, strict=True) if w.label == label]
        rows.append(
            _row(
                "KU-HAR",
                f"{truth[label]}, estimate_direction (auto mounting)",
                chosen,
                truth[label],
            )
        )
    bag = DirectionDetector.waist_bag()
    bag_estimates = [_classify(w, bag) for w in walking]
    for label in (WALK, WALK_BACKWARD):
        chosen = [e for e, w in zip(bag_estimates, walking, strict=True) if w.label == label]
        rows.append(_row("KU-HAR", f"{truth[label]}, waist-bag preset", chosen, truth[label]))
    louo: list[tuple[Window, DirectionEstimate]] = []
    fitted_phases: list[float] = []
    for user in sorted({w.user for w in walking}):
        pouch_phase = fit_pouch_phase_deg([w for w in walking if w.user != user])
        fitted_phases.append(pouch_phase)
        detector = DirectionDetector(
            forward_phase_deg={"trunk": FORWARD_PHASE_DEG["trunk"], "pouch": pouch_phase}
        )
        louo += [(w, _classify(w, detector)) for w in walking if w.user == user]
    for label in (WALK, WALK_BACKWARD):
        chosen = [e for w, e in louo if w.label == label]
        rows.append(_row("KU-HAR", f"{truth[label]}, leave-one-user-out", chosen, truth[label]))
    both = [e for _, e in louo]
    correct = sum(e.direction == truth[w.label] for w, e in louo)
    rows.append(
        {
            **_row("KU-HAR", "forward+backward, leave-one-user-out", both, "-"),
            "correct": correct,
            "wrong": sum(e.direction not in (truth[w.label], "unknown") for w, e in louo),
            "accuracy": correct / len(both),
            "accuracy_decided": correct / max(1, sum(e.direction != "unknown" for e in both)),
            "fitted_pouch_phase_deg": [round(phase, 1) for phase in fitted_phases],
        }
    )
    for walking_like in (False, True):
        others = [
            w
            for w in windows
            if w.label not in (WALK, WALK_BACKWARD) and (w.label in WALKING_LIKE) == walking_like
        ]
        results = [_classify(w, default) for w in others]
        name = "walking-like (circle/run/stairs)" if walking_like else "non-walking"
        rows.append(
            {
                **_row("KU-HAR", f"{name}: confident calls", results, "unknown"),
                "accuracy": sum(e.direction != "unknown" for e in results) / max(1, len(results)),
                "accuracy_decided": float("nan"),
            }
        )
    return rows


def _time_reversed(bout: Bout) -> Bout:
    return Bout(bout.name, bout.acc_m_s2[::-1].copy(), -bout.gyr_rad_s[::-1], bout.sampling_rate_hz)


def _mobgap_rows(bouts: list[Bout]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    trunk = DirectionDetector.trunk_sensor()
    cases: Mapping[str, tuple[list[Bout], bool, str]] = {
        "forward bouts, gravity included": (bouts, True, "forward"),
        "forward bouts, gravity removed (mean subtracted)": (bouts, False, "forward"),
        "time-reversed forward bouts (synthetic)": (
            [_time_reversed(b) for b in bouts],
            True,
            "backward",
        ),
    }
    for (case, (chosen, gravity, truth)), detector in [
        *((item, DirectionDetector()) for item in cases.items()),
        (("forward bouts, trunk-sensor preset", (bouts, True, "forward")), trunk),
    ]:
        estimates = [
            detector.detect(
                b.acc_m_s2 if gravity else b.acc_m_s2 - b.acc_m_s2.mean(axis=0),
                sampling_rate_hz=b.sampling_rate_hz,
                gyr_rad_s=b.gyr_rad_s,
                gravity_included=gravity,
            ).estimate_
            for b in chosen
        ]
        rows.append(_row("mobgap lower back", case, estimates, truth))
    return rows


def evaluate(data_dir: Path | None = None) -> list[dict[str, object]]:
    """All validation rows (empty when the shared data folder is absent)."""
    root = data_dir or shared_data_dir()
    if root is None:
        return []
    rows: list[dict[str, object]] = []
    kuhar = root / "kuhar-sample" / "kuhar_val.csv"
    if kuhar.is_file():
        rows += _kuhar_rows(read_kuhar(kuhar))
    mobgap = root / "mobgap-example"
    if mobgap.is_dir():
        rows += _mobgap_rows(list(read_mobgap_bouts(mobgap)))
    return rows


def main() -> None:
    rows = evaluate()
    if not rows:
        print("no shared data found (set RETROWALK_SHARED_DATA)", file=sys.stderr)
        raise SystemExit(1)
    header = f"{'dataset':<18} {'case':<48} {'n':>4} {'ok':>4} {'wrong':>5} {'unk':>4} {'acc':>6}"
    print(header + f" {'acc(decided)':>12}")
    for row in rows:
        print(
            f"{row['dataset']!s:<18} {row['case']!s:<48} {row['n']!s:>4} {row['correct']!s:>4} "
            f"{row['wrong']!s:>5} {row['unknown']!s:>4} {float(str(row['accuracy'])):6.2f} "
            f"{float(str(row['accuracy_decided'])):12.2f}"
        )
        if "fitted_pouch_phase_deg" in row:
            print(
                f"{'':<18} waist-bag phase refitted per left-out user (deg): "
                f"{row['fitted_pouch_phase_deg']}"
            )
    print("non-walking rows: 'acc' = share of windows called forward/backward (false alarms)")


if __name__ == "__main__":
    main()
