"""Each fast zero-phase form of retrowalk.gait.filtering against scipy.signal.sosfiltfilt."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from scipy import signal

from retrowalk.gait.filtering import (
    BlockedFiltfilt,
    band_pass,
    band_pass_design,
    band_pass_zi,
    matmul_rows,
    work_memory,
    zero_phase,
    zero_phase_layout,
    zero_phase_pieces,
    zero_phase_whole,
    zero_phase_windows,
)

from .synthetic import turning_yaw_rad_s


def _smooth_noise(n: int, fs: float, seed: int) -> np.ndarray:
    """Walking-like vertical acceleration: steps at 1.8 Hz with drifting amplitude, a faster
    wobble and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fs
    amplitude = 1.0 + 0.8 * np.sin(2 * np.pi * 0.05 * t + seed)
    return np.asarray(
        amplitude * np.sin(2 * np.pi * 1.8 * t)
        + 0.3 * np.sin(2 * np.pi * 3.7 * t + 1.0)
        + rng.normal(0.0, 0.2, n)
    )


def _bouts_of_many_lengths(rate_hz: float) -> list[np.ndarray]:
    """(n, 3) bouts from shorter than the 2-s filter padding to 25 s, gravity on one axis."""
    rng = np.random.default_rng(7)
    bouts = []
    for k, duration_s in enumerate((0.9, 2.0, 3.3, 4.0, 7.99, 8.0, 12.5, 25.0)):
        n = round(duration_s * rate_hz)
        t = np.arange(n) / rate_hz
        steps = np.sin(2 * np.pi * 1.8 * t[:, None] + np.array([0.0, 1.0, 2.0]))
        bout = 2.0 * steps + rng.normal(0.0, 0.5, (n, 3)) + np.array([0.0, 0.0, 9.81])
        bouts.append(np.ascontiguousarray(bout * (1.0 + 0.1 * k)))
    return bouts


# --- the exact forms


@pytest.mark.parametrize("shape", [(500,), (777, 3)])
def test_zero_phase_is_sosfiltfilt_exactly(shape: tuple[int, ...]) -> None:
    x = np.random.default_rng(1).normal(0.0, 1.0, shape).cumsum(axis=0)
    sos, zi = band_pass_design(0.3, 10.0, 100.0), band_pass_zi(0.3, 10.0, 100.0)
    expected = signal.sosfiltfilt(sos.copy(), x, axis=0, padlen=200)
    assert np.array_equal(zero_phase(sos, zi, x, 200), expected)


def test_band_pass_is_sosfiltfilt_of_the_centred_signal_exactly() -> None:
    x = _smooth_noise(3_000, 100.0, 2) + 3.0
    sos = signal.butter(2, (0.25, 5.0), "band", fs=100.0, output="sos")
    expected = signal.sosfiltfilt(sos, x - x.mean())
    assert np.array_equal(band_pass(x, 0.25, 5.0, 100.0, float(x.mean())), expected)


def test_the_band_pass_design_is_butter_with_the_high_edge_at_most_045_of_the_rate() -> None:
    assert np.array_equal(
        band_pass_design(0.3, 10.0, 100.0),
        signal.butter(2, (0.3, 10.0), "band", fs=100.0, output="sos"),
    )
    assert np.array_equal(
        band_pass_design(0.3, 10.0, 20.0),
        signal.butter(2, (0.3, 9.0), "band", fs=20.0, output="sos"),
    )


def test_pieces_filtered_together_are_each_piece_filtered_alone() -> None:
    bouts = _bouts_of_many_lengths(50.0)
    x = np.concatenate(bouts)
    offsets = np.concatenate(([0], np.cumsum([b.shape[0] for b in bouts]))).astype(np.int64)
    padlens = np.minimum(np.diff(offsets) - 1, 100)
    sos, zi = band_pass_design(0.3, 10.0, 50.0), band_pass_zi(0.3, 10.0, 50.0)
    found = zero_phase_pieces(sos, zi, x, offsets, padlens)
    for k, bout in enumerate(bouts):
        alone = signal.sosfiltfilt(sos.copy(), bout, axis=0, padlen=int(padlens[k]))
        assert np.array_equal(found[offsets[k] : offsets[k + 1]], alone)


def test_row_chunked_products_are_the_whole_product() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(0.0, 1.0, (3, 3001, 40))
    b = rng.normal(0.0, 1.0, (40, 32))
    np.testing.assert_allclose(matmul_rows(a, b), a @ b, rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(matmul_rows(a[0], b[:, 0])[:, 0], a[0] @ b[:, 0], rtol=1e-13)


# --- BlockedFiltfilt: one second-order section, block by block


@pytest.mark.parametrize("n", [30, 31, 63, 64, 65, 97, 1000, 4096, 30_001])
def test_the_blocked_zero_phase_filter_is_sosfiltfilt(n: int) -> None:
    yaw = turning_yaw_rad_s(n, seed=n)
    for fs, cutoff in ((100.0, 1.5), (50.0, 1.5), (128.0, 3.0)):
        sos = signal.butter(2, cutoff, "low", fs=fs, output="sos")
        expected = np.rad2deg(signal.sosfiltfilt(sos, yaw))
        found = BlockedFiltfilt(sos, yaw, scale=float(np.rad2deg(1.0))).filtered()
        assert found.shape == expected.shape
        assert np.max(np.abs(found - expected)) <= 1e-12 * np.max(np.abs(expected))


@pytest.mark.parametrize("n", [40, 64, 1000, 36_001])
def test_the_blocked_filter_filters_each_row_of_several_signals(n: int) -> None:
    signals = np.vstack([turning_yaw_rad_s(n, seed=n + k) * (k + 1) for k in range(3)])
    sos = signal.butter(2, 0.25, "low", fs=10.0, output="sos")
    expected = signal.sosfiltfilt(sos, signals, axis=-1)
    found = BlockedFiltfilt(sos, signals).filtered()
    assert found.shape == expected.shape
    assert np.max(np.abs(found - expected)) <= 1e-12 * np.max(np.abs(expected))


def test_segment_sums_of_the_blocked_filter_are_the_cumulative_sum_differences() -> None:
    n = 10_007
    yaw = turning_yaw_rad_s(n, seed=5)
    sos = signal.butter(2, 1.5, "low", fs=100.0, output="sos")
    filtered = signal.sosfiltfilt(sos, yaw)
    cumulative = np.r_[0.0, np.cumsum(filtered)]
    rng = np.random.default_rng(6)
    starts = np.sort(rng.integers(0, n, 300))
    ends = np.minimum(starts + rng.integers(0, 700, 300), n)
    ends[:3] = n  # up to the last sample (the partial last block)
    starts[:2] = [n - 5, 0]
    found = BlockedFiltfilt(sos, yaw).sums(starts, ends)
    expected = cumulative[ends] - cumulative[starts]
    assert np.allclose(found, expected, rtol=0.0, atol=1e-9)


def test_the_blocked_filter_can_write_over_its_input() -> None:
    signals = np.vstack([turning_yaw_rad_s(40_000, seed=k) for k in range(3)])
    sos = signal.butter(2, 0.25, "low", fs=10.0, output="sos")
    expected = BlockedFiltfilt(sos, signals.copy()).filtered()
    found = BlockedFiltfilt(sos, signals).filtered(out=signals)
    assert found is signals
    assert np.array_equal(found, expected)


# --- the modal form: whole signals and short windows


def _gaussian_derivative_kernel(sigma: float) -> np.ndarray:
    radius = int(4.0 * sigma + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    phi = np.exp(-0.5 / (sigma * sigma) * x**2)
    return np.asarray((-x / (sigma * sigma) * phi / phi.sum())[::-1].copy())


@pytest.mark.parametrize(("fs", "high_hz"), [(100.0, 5.0), (50.0, 5.0), (128.0, 3.0)])
def test_band_pass_windows_from_filter_states_equal_the_whole_signal_filter(
    fs: float, high_hz: float
) -> None:
    # The IC refinement reads the zero-phase band-pass only in short windows and computes them
    # from the signal there and the two filter passes' states (zero_phase_windows); the
    # values must be those of sosfiltfilt over the whole signal (to rounding), also in windows
    # at the very start and end (odd extension and sosfiltfilt's initial conditions).
    x = _smooth_noise(int(300 * fs), fs, 5)
    x -= x.mean()
    kernel = -_gaussian_derivative_kernel(0.05 * fs)
    window = 15
    width = window + kernel.size - 1
    firsts = np.r_[0, 1, np.random.default_rng(6).integers(0, x.size - width, 300), x.size - width]
    found = zero_phase_windows(0.25, high_hz, fs, x, kernel, firsts, window)
    band = signal.sosfiltfilt(signal.butter(2, (0.25, high_hz), "band", fs=fs, output="sos"), x)
    expected = np.array(
        [[band[f + i : f + i + kernel.size] @ kernel for i in range(window)] for f in firsts]
    )
    assert np.allclose(found, expected, rtol=0, atol=1e-11 * np.abs(expected).max())


@pytest.mark.parametrize(("fs", "n"), [(100.0, 30_001), (50.0, 4_321), (128.0, 40)])
def test_whole_band_pass_from_filter_states_equals_sosfiltfilt(fs: float, n: int) -> None:
    # The lobe search's band-pass is computed row by row from the filter's modal states
    # (zero_phase_whole); it must be sosfiltfilt's of the centred signal to rounding.
    x = _smooth_noise(n, fs, 7) + 3.0
    found = zero_phase_whole(x, 0.25, 3.0, fs, float(x.mean()))
    sos = signal.butter(2, (0.25, 3.0), "band", fs=fs, output="sos")
    expected = signal.sosfiltfilt(sos, x - x.mean())
    assert np.allclose(found, expected, rtol=0, atol=1e-10 * np.abs(expected).max())


def test_whole_band_pass_at_a_high_rate_is_sosfiltfilt_exactly() -> None:
    # Above _SLOWEST_POLE the modal sums would round too much: the exact filter runs.
    x = _smooth_noise(5_000, 400.0, 8)
    sos = signal.butter(2, (0.25, 3.0), "band", fs=400.0, output="sos")
    found = zero_phase_whole(x, 0.25, 3.0, 400.0, float(x.mean()))
    assert found.tolist() == signal.sosfiltfilt(sos, x - x.mean()).tolist()


# --- the edge-state form: many bouts, each filtered on its own samples


@pytest.mark.parametrize("rate_hz", [100.0, 50.0, 20.0])
def test_the_batched_bout_filter_equals_sosfiltfilt_of_each_bout(rate_hz: float) -> None:
    # the 2-s padding is replaced by linear maps and bouts share sosfilt calls: the same
    # signal up to rounding, also for bouts no longer than the padding (filtered the direct way)
    bouts = _bouts_of_many_lengths(rate_hz)
    band = (0.3, min(10.0, 0.45 * rate_hz), rate_hz)
    sos = signal.butter(2, band[:2], "band", fs=rate_hz, output="sos")
    with work_memory() as memory:
        raw, reversed_, start, reversed_start = zero_phase_layout(band, bouts, 50, memory)
        padlen = round(2 * rate_hz)
        for bout, first, last in zip(bouts, start, reversed_start, strict=True):
            n = bout.shape[0]
            expected = signal.sosfiltfilt(sos, bout, axis=0, padlen=min(n - 1, padlen))
            np.testing.assert_array_equal(raw[:, first : first + n], bout.T)
            filtered = reversed_[:, last : last + n][:, ::-1].T
            np.testing.assert_allclose(filtered, expected, rtol=0, atol=1e-10)


def test_the_batched_bout_filter_is_the_same_without_scipys_in_place_kernel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # rows are filtered in pairs as complex rows by scipy's private in-place kernel; the public
    # sosfilt (used when that kernel is missing) gives the same numbers bit for bit
    import retrowalk.gait.filtering as filtering

    bouts = _bouts_of_many_lengths(100.0)
    band = (0.3, 10.0, 100.0)
    fast = [a.copy() for a in zero_phase_layout(band, bouts, 50, filtering.WorkMemory())]
    monkeypatch.setattr(filtering, "_sosfilt_kernel", None)
    plain = [a.copy() for a in zero_phase_layout(band, bouts, 50, filtering.WorkMemory())]
    for a, b in zip(fast, plain, strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_kept_work_memory_serves_one_call_at_a_time() -> None:
    # a call that finds the process-wide arrays in use gets fresh ones (no waiting, no sharing)
    with work_memory() as held:
        kept = held.array("raw", (3, 1000))
        again = held.array("raw", (3, 900))
        assert np.shares_memory(kept, again)  # kept between requests
        seen: list[bool] = []

        def other() -> None:
            with work_memory() as memory:
                seen.append(np.shares_memory(memory.array("raw", (3, 1000)), kept))

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert seen == [False]
    with work_memory() as later:
        assert np.shares_memory(later.array("raw", (3, 1000)), kept)  # released, kept
