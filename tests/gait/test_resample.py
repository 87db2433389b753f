from __future__ import annotations

import numpy as np
import pytest

from retrowalk.gait.recording import STANDARD_GRAVITY_M_S2
from retrowalk.gait.resample import (
    RecordingFormatError,
    build_recording,
    clipped_fraction,
    resample,
)


def _still(n: int, fs: float = 100.0) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(n) / fs
    acc = np.tile([0.0, 0.0, STANDARD_GRAVITY_M_S2], (n, 1))
    return t, acc


def test_an_empty_recording_is_refused() -> None:
    with pytest.raises(RecordingFormatError, match="no samples"):
        build_recording(np.zeros(0), np.zeros((0, 3)), None, source="f.csv")


def test_a_rate_under_20_hz_is_refused_with_the_rate() -> None:
    t, acc = _still(100, fs=10.0)
    with pytest.raises(RecordingFormatError, match=r"10\.0 Hz is below the 20 Hz"):
        build_recording(t, acc, None, source="f.csv")


def test_a_time_column_rounded_to_a_tenth_of_a_second_is_refused_saying_so() -> None:
    t, acc = _still(1000)  # 100 Hz written as 0.0, 0.0, ..., 0.1, 0.1, ...
    with pytest.raises(RecordingFormatError) as caught:
        build_recording(np.floor(t * 10.0) / 10.0, acc, None, source="f.csv", first_data_line=2)
    assert caught.value.location.line == 3  # the first repeat: the file's second row
    assert "900 of 1000 timestamps repeat the one before them" in caught.value.problem
    assert "the time column seems rounded to 0.1 s steps" in caught.value.problem


def test_200_hz_written_to_a_hundredth_of_a_second_is_refused_too() -> None:
    t, acc = _still(1000, fs=200.0)  # every other sample repeats the time before it
    with pytest.raises(RecordingFormatError, match=r"seems rounded to 0\.01 s steps"):
        build_recording(np.floor(t * 100.0 + 1e-9) / 100.0, acc, None, source="f.csv")


def test_a_few_repeated_timestamps_are_dropped_and_counted() -> None:
    t, acc = _still(1000)
    t[500:503] = t[500]
    recording = build_recording(t, acc, None, source="f.csv")
    assert recording.quality.dropped_samples == 2


def test_timestamps_in_milliseconds_are_refused_with_a_hint() -> None:
    t, acc = _still(500)
    with pytest.raises(RecordingFormatError, match="milliseconds"):
        build_recording(t * 1000.0, acc, None, source="f.csv")


def test_timestamps_going_backwards_name_the_line() -> None:
    t, acc = _still(500)
    t[100] = 0.5
    with pytest.raises(RecordingFormatError, match="line 102") as caught:
        build_recording(t, acc, None, source="f.csv", first_data_line=2)
    assert caught.value.location.line == 102


def test_a_recording_shorter_than_two_seconds_is_refused() -> None:
    t, acc = _still(150)
    with pytest.raises(RecordingFormatError, match="at least 2 s"):
        build_recording(t, acc, None, source="f.csv")


def test_all_nan_values_are_refused() -> None:
    t, acc = _still(500)
    acc[:] = np.nan
    with pytest.raises(RecordingFormatError, match="NaN"):
        build_recording(t, acc, None, source="f.csv")


def test_nan_rows_are_dropped_interpolated_and_reported() -> None:
    t, acc = _still(1000)
    acc[200:210, 0] = np.nan
    rec = build_recording(t, acc, None, source="f.csv")
    assert rec.quality.dropped_samples == 10
    assert rec.n_samples == 1000
    assert np.isfinite(rec.acc_m_s2).all()


def test_a_gap_is_reported_and_filled_on_a_uniform_grid() -> None:
    t, acc = _still(2000)
    keep = (t < 5.0) | (t >= 7.0)
    rec = build_recording(t[keep], acc[keep], None, source="f.csv")
    assert len(rec.quality.gaps) == 1
    assert rec.quality.gaps[0].duration_s == pytest.approx(2.01, abs=0.02)
    assert rec.quality.resampled_from_hz == pytest.approx(100.0)
    assert np.allclose(np.diff(rec.time_s), 0.01)


def test_clipping_at_the_sensor_range_is_detected() -> None:
    _, acc = _still(1000)
    acc[100:120, 2] = 2 * STANDARD_GRAVITY_M_S2
    assert clipped_fraction(acc) == pytest.approx(0.02)


def test_a_quiet_recording_is_not_called_clipped() -> None:
    _, acc = _still(1000)
    assert clipped_fraction(acc) == 0.0


def test_resampling_changes_the_rate_and_keeps_the_duration() -> None:
    t, acc = _still(1000)
    rec = resample(build_recording(t, acc, None, source="x"), 50.0)
    assert rec.sampling_rate_hz == 50.0
    assert rec.duration_s == pytest.approx(10.0, abs=0.05)
