from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import retrowalk.gait.pipeline as pipeline_module
from retrowalk.errors import InputError
from retrowalk.gait.io import read_recording
from retrowalk.gait.parameters import BoutParameters, bout_parameters
from retrowalk.gait.pipeline import GaitPipeline, GaitResult, PlannedSession
from retrowalk.gait.recording import Recording
from retrowalk.gait.resample import build_recording

from .synthetic import segment_reader, walking_recording, walking_signal, write_walking_csv


def test_synthetic_walking_gives_one_bout_with_its_cadence_and_a_direction() -> None:
    recording, truth = walking_recording(walk_s=20.0, cadence_spm=110.0)
    result = GaitPipeline(sensor_height_m=1.0).analyze(recording)
    assert len(result.bouts) == 1
    bout = result.bouts[0]
    assert bout.parameters.cadence_spm == pytest.approx(110.0, rel=0.05)
    assert bout.direction in ("forward", "backward", "unknown")
    assert 0.0 <= bout.direction_confidence <= 1.0
    assert np.isfinite(bout.parameters.step_length_m)
    assert result.initial_contacts_s.size == pytest.approx(truth.size, abs=2)


@pytest.mark.parametrize(("signal", "value"), [("acc_m_s2", np.nan), ("gyr_rad_s", np.inf)])
def test_a_recording_built_with_a_non_finite_sample_is_refused_naming_it(
    signal: str, value: float
) -> None:
    recording, _ = walking_recording(walk_s=10.0)
    values = getattr(recording, signal).copy()
    values[250, 1] = value
    broken = Recording(
        recording.time_s,
        values if signal == "acc_m_s2" else recording.acc_m_s2,
        values if signal == "gyr_rad_s" else recording.gyr_rad_s,
        recording.sampling_rate_hz,
        "direct",
    )
    with pytest.raises(InputError) as error:
        GaitPipeline(sensor_height_m=1.0).analyze(broken)
    assert error.value.field == signal
    assert "sample 250 (time 2.500 s) is not a finite number" in str(error.value)


def test_the_json_dict_has_the_documented_keys() -> None:
    recording, _ = walking_recording(walk_s=10.0)
    data = GaitPipeline(sensor_height_m=1.0).analyze(recording).as_dict()
    for key in ("sampling_rate_hz", "initial_contacts_s", "bouts", "summary", "algorithm"):
        assert key in data
    bout_keys = {
        "start_s",
        "end_s",
        "direction",
        "direction_confidence",
        "direction_reason",
        "steps",
        "cadence_spm",
        "step_length_m",
        "speed_m_s",
    }
    assert bout_keys <= set(data["bouts"][0])
    assert data["algorithm"]["version"]
    assert data["algorithm"]["parameters"]["sensor_height_m"] == 1.0


def test_a_recording_without_walking_is_an_empty_result_that_says_why() -> None:
    n = 3000
    rng = np.random.default_rng(0)
    acc = np.column_stack([rng.normal(0, 0.02, n), rng.normal(0, 0.02, n), np.full(n, 9.81)])
    result = GaitPipeline().analyze(build_recording(np.arange(n) / 100.0, acc, None, source="s"))
    assert result.bouts == ()
    assert "no walking detected" in result.summary()["message"]


def test_a_ten_second_file_is_analysed() -> None:
    recording, _ = walking_recording(stand_s=1.0, walk_s=8.0)
    result = GaitPipeline().analyze(recording)
    assert result.duration_s == pytest.approx(10.0, abs=0.05)
    assert len(result.bouts) <= 1


def test_without_sensor_height_step_length_is_missing_and_noted() -> None:
    recording, _ = walking_recording(walk_s=10.0)
    result = GaitPipeline().analyze(recording)
    assert result.bouts[0].as_dict()["step_length_m"] is None
    assert any("sensor height" in note for note in result.notes)


def test_an_implausible_sensor_height_is_refused() -> None:
    with pytest.raises(InputError, match="sensor height"):
        GaitPipeline(sensor_height_m=5.0)


def test_the_plan_comparison_reports_the_backward_shortfall() -> None:
    recording, _ = walking_recording(walk_s=10.0)
    pipeline = GaitPipeline().with_plan(PlannedSession(backward_min=2.0))
    plan = pipeline.analyze(recording).summary()["plan"]
    walked = plan["walked_backward_min"]
    assert plan["backward_shortfall_min"] == pytest.approx(2.0 - walked, abs=0.01)


def test_chunked_analysis_finds_the_same_bouts_as_whole_analysis() -> None:
    recording, _ = walking_recording(stand_s=30.0, walk_s=40.0)
    whole = GaitPipeline().analyze(recording)
    chunked = GaitPipeline().analyze_long(
        segment_reader(replace(recording, gyr_rad_s=None)),
        recording.duration_s,
        chunk_s=60.0,
        overlap_s=20.0,
    )
    assert len(chunked.bouts) == len(whole.bouts)
    assert chunked.bouts[0].start_s == pytest.approx(whole.bouts[0].start_s, abs=0.05)


def test_the_backward_walking_preset_allows_slower_steps() -> None:
    preset = GaitPipeline.backward_walking(sensor_height_m=1.0)
    assert preset.max_step_time_s > GaitPipeline().max_step_time_s
    assert preset.sensor_height_m == 1.0


def test_turns_are_counted_in_the_bout_they_overlap() -> None:
    recording, _ = walking_recording(walk_s=20.0)
    assert recording.gyr_rad_s is not None
    fs = recording.sampling_rate_hz
    up = recording.acc_m_s2.mean(axis=0)
    up /= np.linalg.norm(up)
    gyr = recording.gyr_rad_s.copy()
    gyr[int(12 * fs) : int(14 * fs)] += np.deg2rad(90.0) * up  # 180 degrees in 2 s
    turning = Recording(recording.time_s, recording.acc_m_s2, gyr, fs, "turn", recording.quality)
    result = GaitPipeline().analyze(turning)
    assert len(result.turns) == 1
    assert result.bouts[0].turns == 1
    assert abs(result.turns[0].angle_deg) == pytest.approx(180.0, abs=15.0)


def test_direction_can_be_switched_off() -> None:
    recording, _ = walking_recording(walk_s=10.0)
    result = GaitPipeline(estimate_direction=False).analyze(recording)
    assert result.bouts[0].direction == "unknown"
    assert result.bouts[0].direction_confidence == 0.0
    assert any("direction estimation switched off" in note for note in result.notes)


def test_switched_off_direction_is_the_reason_of_every_bout() -> None:
    recording, _ = walking_recording(walk_s=10.0)
    result = GaitPipeline(estimate_direction=False).analyze(recording)
    assert result.bouts[0].as_dict()["direction_reason"] == "direction estimation switched off"


def test_an_unknown_direction_says_why_and_a_decided_one_has_no_reason() -> None:
    """The third walk's sensor is tilted 90 deg on the body: judged against the first walk
    (the reference), its direction is unknown, and the bout says why."""
    recording = _three_walks()
    acc, gyr = recording.acc_m_s2.copy(), recording.gyr_rad_s
    assert gyr is not None
    gyr = gyr.copy()
    third = slice(int(recording.sampling_rate_hz * 35.0), None)  # (4 + 12) + (4 + 15) s
    tilt = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])  # 90 deg about x
    acc[third] = acc[third] @ tilt.T
    gyr[third] = gyr[third] @ tilt.T
    tilted = Recording(recording.time_s, acc, gyr, recording.sampling_rate_hz, "tilted")
    bouts = GaitPipeline(reference="first-bout").analyze(tilted).bouts
    assert len(bouts) == 3
    assert bouts[0].direction == "forward"
    assert bouts[0].direction_reason == ""
    assert bouts[2].direction == "unknown"
    assert "the sensor turned on the body" in bouts[2].as_dict()["direction_reason"]


def _three_walks() -> Recording:
    """Three walks of different cadence with standing in between (one sensor orientation)."""
    pieces = [
        walking_signal(stand_s=4.0, walk_s=walk_s, cadence_spm=cadence, seed=seed)
        for seed, (walk_s, cadence) in enumerate([(12.0, 100.0), (15.0, 115.0), (10.0, 125.0)])
    ]
    acc = np.concatenate([p[0] for p in pieces])
    gyr = np.concatenate([p[1] for p in pieces])
    return build_recording(np.arange(acc.shape[0]) / 100.0, acc, gyr, source="three walks")


def _bout_fields(result: GaitResult) -> list[tuple[object, ...]]:
    """Every field of every bout, NaN written as None (NaN != NaN)."""
    return [
        tuple(
            None if isinstance(v, float) and np.isnan(v) else v
            for v in (b.start_s, b.end_s, b.direction, b.turns, *vars(b.parameters).values())
        )
        for b in result.bouts
    ]


def test_the_bouts_parameters_at_once_equal_one_bout_parameters_per_bout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recording = _three_walks()
    pipeline = GaitPipeline(sensor_height_m=1.0)
    together = pipeline.analyze(recording)

    def one_per_bout(
        ic_s: np.ndarray,
        fc_s: np.ndarray,
        first_ic: np.ndarray,
        last_ic: np.ndarray,
        step_length_m: np.ndarray | None,
    ) -> list[BoutParameters]:
        return [
            bout_parameters(
                ic_s[first : last + 1],
                fc_s[first : last + 1],
                None if step_length_m is None else step_length_m[first:last],
            )
            for first, last in zip(first_ic.tolist(), last_ic.tolist(), strict=True)
        ]

    monkeypatch.setattr(pipeline_module, "parameters_of_bouts", one_per_bout)
    per_bout = pipeline.analyze(recording)
    assert len(together.bouts) >= 2
    assert _bout_fields(together) == _bout_fields(per_bout)


def test_per_contact_step_lengths_are_the_bouts_steps_and_nan_elsewhere() -> None:
    result = GaitPipeline(sensor_height_m=1.0).analyze(_three_walks())
    ic_s, lengths = result.initial_contacts_s, result.step_lengths_m
    assert lengths.shape == ic_s.shape
    in_bout = np.zeros(ic_s.size, dtype=bool)
    for bout in result.bouts:
        first = int(np.flatnonzero(ic_s == bout.start_s)[0])
        last = int(np.flatnonzero(ic_s == bout.end_s)[0])
        in_bout[first:last] = True  # the bout's last contact starts no step of it
        assert bout.parameters.step_length_m == float(np.nanmedian(lengths[first:last]))
    assert np.isfinite(lengths[in_bout]).all()
    assert np.isnan(lengths[~in_bout]).all()


@pytest.mark.parametrize(("rows", "value"), [(slice(None), 1e308), (slice(250, 251), 5e4)])
def test_acceleration_no_body_worn_sensor_measures_is_refused_naming_the_sample(
    rows: slice, value: float
) -> None:
    recording, _ = walking_recording(walk_s=10.0)
    acc = recording.acc_m_s2.copy()
    acc[rows, 0] = value
    huge = Recording(
        recording.time_s, acc, recording.gyr_rad_s, recording.sampling_rate_hz, "direct"
    )
    with pytest.raises(InputError) as error:
        GaitPipeline(sensor_height_m=1.0).analyze(huge)
    assert error.value.field == "acc_m_s2"
    first = 0 if rows.start is None else rows.start
    assert f"sample {first} " in str(error.value)
    assert "check the file's units and columns" in str(error.value)


def test_a_gap_in_the_recording_splits_the_walk_instead_of_making_one_long_step(
    tmp_path: Path,
) -> None:
    path = tmp_path / "gap.csv"
    write_walking_csv(path, stand_s=2.0, walk_s=30.0)
    lines = path.read_text().splitlines()
    gap_row = 1 + 1700  # 17 s into the file: mid-walk
    for i in range(gap_row, len(lines)):
        cells = lines[i].split(",")
        cells[0] = f"{float(cells[0]) + 1.0:.4f}"
        lines[i] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    recording = read_recording(path)
    (gap,) = recording.quality.gaps
    result = GaitPipeline(sensor_height_m=1.0).analyze(recording)
    assert len(result.bouts) == 2
    for bout in result.bouts:
        assert bout.end_s <= gap.start_s + 0.01 or bout.start_s >= gap.end_s - 0.01
    # no step time across the gap: both parts have the walk's cadence
    first, second = result.bouts
    assert second.parameters.cadence_spm == pytest.approx(first.parameters.cadence_spm, rel=0.05)


def test_acceleration_written_in_g_is_named_as_a_likely_unit_mistake() -> None:
    recording, _ = walking_recording(walk_s=20.0)
    in_g = replace(recording, acc_m_s2=recording.acc_m_s2 / 9.80665)
    notes = GaitPipeline(sensor_height_m=1.0).analyze(in_g).notes
    assert any("look like g, not m/s²" in note for note in notes), notes
    proper = GaitPipeline(sensor_height_m=1.0).analyze(recording).notes
    assert not any("look like g" in note for note in proper)


def test_acceleration_in_milli_g_is_refused_naming_the_unit() -> None:
    recording, _ = walking_recording(walk_s=20.0)
    in_mg = replace(recording, acc_m_s2=recording.acc_m_s2 * 1000 / 9.80665)
    with pytest.raises(InputError, match="milli-g"):
        GaitPipeline(sensor_height_m=1.0).analyze(in_mg)


def test_a_gyroscope_in_degrees_per_second_is_named() -> None:
    recording, _ = walking_recording(walk_s=20.0)
    assert recording.gyr_rad_s is not None
    in_deg = replace(recording, gyr_rad_s=np.degrees(recording.gyr_rad_s) + 200.0)
    notes = GaitPipeline(sensor_height_m=1.0).analyze(in_deg).notes
    assert any("degrees per second" in note for note in notes), notes
    proper = GaitPipeline(sensor_height_m=1.0).analyze(recording).notes
    assert not any("degrees per second" in note for note in proper)
