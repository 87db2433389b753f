"""Would analysing at a lower sampling rate make the gait pipeline much faster? Measured, not built.

    python benchmarks/analysis_rate.py [--data ../shared/data] [--rates 100 50 40 25]

For each rate: every mobgap-example trial and the 60-minute benchmark signal of
``gait_speed.py`` are decimated with ``scipy.signal.resample_poly`` (anti-aliased) and run
through the unchanged default pipeline. Prints IC F1, cadence, stride-length and speed errors
(the validation of ``gait_validation.py``, turn correction as the pipeline applies it) and the
time on the 60-minute signal, median of ``--repeats``, with and without the decimation, as a
ratio to the 100 Hz run in the same process. The answer recorded in docs/gait.md: accuracy stays
about the same, but a quarter of the samples makes the pipeline only about 2x faster, because
its per-bout and per-window work does not shrink with the rate.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gait_validation
from gait_speed import FS, base_signal, tiled
from retrowalk.gait.pipeline import GaitPipeline
from retrowalk.gait.recording import Recording

HERE = Path(__file__).resolve().parent


def decimated(recording: Recording, rate_hz: float) -> Recording:
    """``recording`` at ``rate_hz`` (polyphase resampling with its anti-aliasing filter)."""
    if rate_hz == recording.sampling_rate_hz:
        return recording
    up, down = round(rate_hz), round(recording.sampling_rate_hz)
    common = int(np.gcd(up, down))
    up, down = up // common, down // common
    acc = resample_poly(recording.acc_m_s2, up, down, axis=0)
    gyr = None
    if recording.gyr_rad_s is not None:
        gyr = resample_poly(recording.gyr_rad_s, up, down, axis=0)
    time_s = np.arange(acc.shape[0]) / rate_hz
    return Recording(time_s, acc, gyr, rate_hz, recording.source)


def accuracy(data_dir: Path, rate_hz: float) -> dict[str, float]:
    """The validation's all-bout row with every trial read at ``rate_hz``."""
    read = gait_validation.read_mobilised_mat

    def read_at_rate(mat: Path, trial: str) -> Recording:
        return decimated(read(mat, trial=trial), rate_hz)

    gait_validation.read_mobilised_mat = read_at_rate  # type: ignore[assignment]
    try:
        runs = gait_validation.run_trials(data_dir)
    finally:
        gait_validation.read_mobilised_mat = read
    coefficient = gait_validation.TURN_COEFFICIENT_PER_RAD
    return gait_validation._validate(runs, coefficient)["all"].row()


def seconds(recording: Recording, rate_hz: float, repeats: int) -> tuple[float, float]:
    """Median seconds of (decimation + pipeline, pipeline alone) on ``recording``."""
    pipeline = GaitPipeline(sensor_height_m=1.0, reference="first-bout")
    pipeline.analyze(decimated(recording, rate_hz))  # warm-up, not timed
    total, alone = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        lower = decimated(recording, rate_hz)
        ready = time.perf_counter()
        pipeline.analyze(lower)
        done = time.perf_counter()
        total.append(done - started)
        alone.append(done - ready)
    return float(np.median(total)), float(np.median(alone))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parents[1] / "shared" / "data")
    parser.add_argument("--rates", type=float, nargs="+", default=[100.0, 50.0, 40.0, 25.0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    acc, gyr = base_signal(args.data)
    n = int(60 * 60 * FS)
    signal = Recording(np.arange(n) / FS, tiled(acc, 0, n), tiled(gyr, 0, n), FS, "60 min")
    rows = []
    for rate in args.rates:
        row = accuracy(args.data, rate)
        total, alone = seconds(signal, rate, args.repeats)
        rows.append((rate, row, total, alone))
    base_total = next((total for rate, _, total, _ in rows if rate == FS), rows[0][2])
    print(
        "rate Hz  IC F1  cadence MAE  stride MAE %  speed MAE %  "
        "s (incl. decimation)  s alone  x 100 Hz"
    )
    for rate, row, total, alone in rows:
        print(
            f"{rate:7g}  {row['ic_f1']:.3f}  {row['cadence_mae_spm']:11.2f}  "
            f"{row['stride_length_mae_percent']:12.1f}  {row['speed_mae_percent']:11.1f}  "
            f"{total:20.3f}  {alone:7.3f}  {base_total / total:7.2f}"
        )


if __name__ == "__main__":
    main()
