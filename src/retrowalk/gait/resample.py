"""Turn raw timestamped samples into a :class:`Recording`: validate, clean, resample, report.

Every reader ends here, so the checks are the same for every format:

- no samples, all values missing, fewer than 2 s of data -> :class:`RecordingFormatError`;
- timestamps that go backwards -> error naming the sample's line;
- timestamps in the wrong unit (a median step of 1 or more "seconds" means milliseconds or
  another unit; a rate above 10 kHz means the unit is too large) -> error saying so;
- a sampling rate under :data:`MIN_SAMPLING_RATE_HZ` -> error (steps at up to ~3 Hz and the
  impact transients of initial contacts need at least 20 Hz);
- NaN rows and repeated timestamps are dropped and counted; gaps longer than three sample
  intervals are reported and filled by linear interpolation on the uniform grid;
- clipping (an accelerometer axis sitting at its range limit for several samples) is reported.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from retrowalk.errors import InputError
from retrowalk.gait.recording import STANDARD_GRAVITY_M_S2, Gap, QualityReport, Recording

FloatArray = NDArray[np.float64]

MIN_SAMPLING_RATE_HZ = 20.0
MAX_SAMPLING_RATE_HZ = 10_000.0
MIN_DURATION_S = 2.0
GAP_FACTOR = 3.0
"""A step between samples longer than this many median intervals is a gap."""
MAX_ABS_ACC_M_S2 = 1e4
"""About 1000 g: far beyond any body-worn accelerometer's range (phones ±8-16 g, impact IMUs
±200-400 g); larger values are a wrong unit or column, and 1e308 would overflow the filters."""
MAX_ABS_GYR_RAD_S = 1e3
"""About 57,000 deg/s: far beyond any gyroscope's range (phones ±2000 deg/s, 35 rad/s)."""


class RecordingFormatError(InputError):
    """A recording file that cannot be read or used, with where and why."""


def build_recording(
    time_s: FloatArray,
    acc_m_s2: FloatArray,
    gyr_rad_s: FloatArray | None,
    *,
    source: str,
    first_data_line: int | None = None,
    notes: tuple[str, ...] = (),
) -> Recording:
    """Validate raw samples and return a uniformly sampled :class:`Recording`.

    ``first_data_line`` is the 1-based file line of the first sample (for error messages).
    """
    time_s = np.asarray(time_s, dtype=np.float64)
    acc = np.asarray(acc_m_s2, dtype=np.float64)
    gyr = None if gyr_rad_s is None else np.asarray(gyr_rad_s, dtype=np.float64)
    if time_s.shape[0] == 0:
        raise RecordingFormatError("the recording contains no samples", source=source)
    finite = np.isfinite(time_s) & np.isfinite(acc).all(axis=1)
    if gyr is not None:
        finite &= np.isfinite(gyr).all(axis=1)
    dropped = int(np.count_nonzero(~finite))
    if not finite.any():
        raise RecordingFormatError("every sample has a missing (NaN) value", source=source)
    line_of = np.arange(time_s.shape[0]) + (first_data_line or 0)
    dropped_at = _filled_times(time_s)[~finite]
    time_s, acc, line_of = time_s[finite], acc[finite], line_of[finite]
    gyr = None if gyr is None else gyr[finite]
    _check_range(time_s, acc, gyr, line_of if first_data_line is not None else None, source)

    steps = np.diff(time_s)
    backwards = np.flatnonzero(steps < 0)
    if backwards.size:
        where = backwards[0] + 1
        raise RecordingFormatError(
            f"timestamps go backwards ({time_s[where - 1]:g} then {time_s[where]:g})",
            source=source,
            line=int(line_of[where]) if first_data_line is not None else None,
        )
    repeated = np.r_[False, steps == 0]
    _check_mostly_repeated(
        time_s, repeated, line_of if first_data_line is not None else None, source
    )
    if repeated.any():
        dropped += int(np.count_nonzero(repeated))
        dropped_at = np.sort(np.concatenate([dropped_at, time_s[repeated]]))
        keep = ~repeated
        time_s, acc, line_of = time_s[keep], acc[keep], line_of[keep]
        gyr = None if gyr is None else gyr[keep]
    if time_s.shape[0] < 2:
        raise RecordingFormatError("the recording has fewer than 2 usable samples", source=source)

    steps = np.diff(time_s)
    median_step_s = float(np.median(steps))
    if median_step_s >= 1.0:
        raise RecordingFormatError(
            f"timestamps step by {median_step_s:g} per sample: they do not look like seconds "
            "(milliseconds or nanoseconds?); convert the time column to seconds",
            source=source,
        )
    raw_rate_hz = 1.0 / median_step_s
    if raw_rate_hz > MAX_SAMPLING_RATE_HZ:
        raise RecordingFormatError(
            f"timestamps imply {raw_rate_hz:.0f} Hz: they do not look like seconds",
            source=source,
        )
    if raw_rate_hz < MIN_SAMPLING_RATE_HZ:
        raise RecordingFormatError(
            f"sampling rate {raw_rate_hz:.1f} Hz is below the {MIN_SAMPLING_RATE_HZ:.0f} Hz "
            "needed for step detection",
            source=source,
        )
    rate_hz = _round_rate(raw_rate_hz)
    duration_s = float(time_s[-1] - time_s[0])
    if duration_s < MIN_DURATION_S:
        raise RecordingFormatError(
            f"the recording lasts {duration_s:.2f} s; at least {MIN_DURATION_S:g} s are needed",
            source=source,
        )

    gap_idx = np.flatnonzero(steps > GAP_FACTOR * median_step_s)
    t0 = float(time_s[0])
    gaps = tuple(Gap(float(time_s[i] - t0), float(time_s[i + 1] - t0)) for i in gap_idx)
    irregular = bool(np.max(np.abs(steps - 1.0 / rate_hz)) > 0.05 / rate_hz)
    resampled_from: float | None = None
    if irregular or gaps:
        n_out = int(np.floor(duration_s * rate_hz)) + 1
        grid = time_s[0] + np.arange(n_out) / rate_hz
        acc = _interp_columns(grid, time_s, acc)
        gyr = None if gyr is None else _interp_columns(grid, time_s, gyr)
        time_s = grid
        resampled_from = raw_rate_hz
    rel_time = np.arange(time_s.shape[0], dtype=np.float64) / rate_hz
    clipped = clipped_fraction(acc)
    quality = QualityReport(
        gaps=gaps,
        clipped_fraction=clipped,
        resampled_from_hz=resampled_from,
        dropped_samples=dropped,
        notes=(*notes, *quality_notes(dropped, gaps, clipped)),
        dropped_times_s=np.sort(dropped_at) - t0,
    )
    return Recording(
        time_s=rel_time,
        acc_m_s2=np.ascontiguousarray(acc),
        gyr_rad_s=None if gyr is None else np.ascontiguousarray(gyr),
        sampling_rate_hz=rate_hz,
        source=source,
        quality=quality,
    )


MAX_REPEATED_FRACTION = 0.25
"""More samples than this repeating the timestamp before them is no chance duplicate: the time
column was rounded (100 Hz written to 0.1 s repeats 9 of 10 times, 200 Hz written to 0.01 s 1
of 2), and dropping them would leave a fraction of the data, refused as a low sampling rate or
analysed at half its rate without saying why. A logger's occasional duplicate is far rarer."""


def _check_mostly_repeated(
    time_s: FloatArray, repeated: NDArray[np.bool_], line_of: NDArray[np.int64] | None, source: str
) -> None:
    """Refuse a recording where many timestamps repeat the one before them, naming the first
    repeat's line and the step the time column seems rounded to."""
    count = int(np.count_nonzero(repeated))
    if count <= MAX_REPEATED_FRACTION * time_s.shape[0]:
        return
    first = int(np.argmax(repeated))
    distinct = np.diff(time_s[~repeated])
    rounded = f" to {float(np.median(distinct)):g} s steps" if distinct.size else ""
    raise RecordingFormatError(
        f"{count} of {time_s.shape[0]} timestamps repeat the one before them (the first: "
        f"{float(time_s[first]):g} s): the time column seems rounded{rounded}, so these samples "
        "have no time of their own; write the time with more decimals (e.g. to 0.001 s)",
        source=source,
        line=None if line_of is None else int(line_of[first]),
    )


def _check_range(
    time_s: FloatArray,
    acc: FloatArray,
    gyr: FloatArray | None,
    line_of: NDArray[np.int64] | None,
    source: str,
) -> None:
    """Refuse the first sample larger than any body-worn sensor measures
    (:data:`MAX_ABS_ACC_M_S2`, :data:`MAX_ABS_GYR_RAD_S`: a wrong unit or column), naming the
    file, its line (1-based, ``line_of``) or else its sample number from 1, and its time."""
    signals = [("acc_m_s2", acc, MAX_ABS_ACC_M_S2, "m/s²")]
    if gyr is not None:
        signals.append(("gyr_rad_s", gyr, MAX_ABS_GYR_RAD_S, "rad/s"))
    for name, values, limit, unit in signals:
        if values.shape[0] == 0 or float(np.abs(values).max()) <= limit:
            continue
        row = int(np.flatnonzero((np.abs(values) > limit).any(axis=1))[0])
        at = f"time {float(time_s[row]):.3f} s"
        line = None if line_of is None else int(line_of[row])
        if line is None:
            at = f"sample {row + 1} (counting from 1), {at}"
        raise RecordingFormatError(
            f"{at}: a value of {float(np.abs(values[row]).max()):.3g} {unit}, beyond {limit:g}: "
            "no body-worn sensor measures that; check the file's units and columns",
            source=source,
            line=line,
            field=name,
        )


def quality_notes(dropped: int, gaps: tuple[Gap, ...], clipped: float) -> tuple[str, ...]:
    """The notes a quality report adds for dropped samples, gaps and clipping (one wording for
    a whole recording and for the merged chunks of a long one)."""
    notes: list[str] = []
    if dropped:
        notes.append(f"{dropped} samples dropped (missing values or repeated timestamps)")
    if gaps:
        total = sum(g.duration_s for g in gaps)
        notes.append(f"{len(gaps)} gaps ({total:.1f} s) filled by linear interpolation")
    if clipped > 0.001:
        notes.append(f"{100 * clipped:.1f} % of samples clipped at the accelerometer range")
    return tuple(notes)


def _filled_times(time_s: FloatArray) -> FloatArray:
    """``time_s`` with each missing time replaced by the one before it (the first by the first
    time there is): where a sample without a time sat, for the dropped-sample count."""
    known = np.isfinite(time_s)
    if known.all() or not known.any():
        return time_s
    index = np.where(known, np.arange(time_s.shape[0]), 0)
    np.maximum.accumulate(index, out=index)
    filled = time_s[index]
    filled[: int(np.argmax(known))] = time_s[known][0]
    return filled


def resample(recording: Recording, target_rate_hz: float) -> Recording:
    """The same recording on a uniform grid at ``target_rate_hz`` (linear interpolation).

    Used to bring recordings to a common rate (e.g. before comparing devices). Downsampling
    below twice the highest frequency of interest (~15 Hz for trunk gait signals) loses detail.
    """
    if target_rate_hz < MIN_SAMPLING_RATE_HZ:
        raise InputError(
            f"target rate {target_rate_hz:g} Hz is below {MIN_SAMPLING_RATE_HZ:g} Hz",
            field="target_rate_hz",
        )
    if abs(target_rate_hz - recording.sampling_rate_hz) < 1e-9:
        return recording
    n_out = int(np.floor(recording.duration_s * target_rate_hz))
    grid = np.arange(n_out) / target_rate_hz
    acc = _interp_columns(grid, recording.time_s, recording.acc_m_s2)
    gyr = None
    if recording.gyr_rad_s is not None:
        gyr = _interp_columns(grid, recording.time_s, recording.gyr_rad_s)
    quality = QualityReport(
        gaps=recording.quality.gaps,
        clipped_fraction=recording.quality.clipped_fraction,
        resampled_from_hz=recording.sampling_rate_hz,
        dropped_samples=recording.quality.dropped_samples,
        notes=recording.quality.notes,
        dropped_times_s=recording.quality.dropped_times_s,
    )
    return Recording(grid, acc, gyr, float(target_rate_hz), recording.source, quality)


def clipped_fraction(acc_m_s2: FloatArray, *, min_range_g: float = 1.5) -> float:
    """Fraction of samples where an axis sits at its extreme for at least 3 samples in a row.

    Only extremes beyond ``min_range_g`` count (no sensor range is smaller than ±2 g), so a
    quiet recording whose maximum happens to repeat is not called clipped.
    """
    if acc_m_s2.shape[0] < 3:
        return 0.0
    absolute = np.abs(acc_m_s2)
    limit = absolute.max(axis=0)
    at_limit = (absolute >= 0.999 * limit) & (limit > min_range_g * STANDARD_GRAVITY_M_S2)
    run3 = at_limit[1:-1] & at_limit[:-2] & at_limit[2:]
    clipped = np.zeros_like(at_limit)
    clipped[1:-1] |= run3
    clipped[:-2] |= run3
    clipped[2:] |= run3
    return float(np.count_nonzero(clipped.any(axis=1)) / acc_m_s2.shape[0])


def _interp_columns(grid: FloatArray, time_s: FloatArray, values: FloatArray) -> FloatArray:
    out = np.empty((grid.shape[0], values.shape[1]), dtype=np.float64)
    for axis in range(values.shape[1]):
        out[:, axis] = np.interp(grid, time_s, values[:, axis])
    return out


def _round_rate(rate_hz: float) -> float:
    nearest = round(rate_hz)
    return float(nearest) if nearest > 0 and abs(rate_hz - nearest) / nearest < 0.01 else rate_hz
