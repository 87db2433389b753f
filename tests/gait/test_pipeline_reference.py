"""The pipeline judges every bout against a forward reference learnt from the first bout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from retrowalk.errors import InputError
from retrowalk.gait.direction import ForwardReference, estimate_direction
from retrowalk.gait.io import list_mobilised_trials, read_mobilised_mat
from retrowalk.gait.pipeline import NO_REFERENCE_NOTE, GaitPipeline, GaitResult
from retrowalk.gait.recording import Recording
from retrowalk.gait.resample import build_recording

from .synthetic import segment_reader, walking_signal

RATE_HZ = 100.0
FIRST_BOUT = GaitPipeline(reference="first-bout")
FloatArray = NDArray[np.float64]


def forward_then_reversed(stand_s: float = 5.0, walk_s: float = 20.0) -> Recording:
    """Standing, 20 s of synthetic forward walking, standing; then the same 30 s time-reversed
    (samples backwards, angular velocity negated) as a stand-in for backward walking.

    What the reversal simulates: the trunk's acceleration loop turning the other way, as
    expected if backward walking mirrors time-reversed forward walking (hip and knee kinematics,
    evidence.md §1.3). What it does not: the toe-first contact, the different muscle drive and
    the shorter, slower steps of real backward walking.
    """
    acc, gyr, _ = walking_signal(stand_s=stand_s, walk_s=walk_s)
    both_acc = np.vstack((acc, acc[::-1]))
    both_gyr = np.vstack((gyr, -gyr[::-1]))
    return build_recording(
        np.arange(both_acc.shape[0]) / RATE_HZ, both_acc, both_gyr, source="synthetic"
    )


def turning_first_bout_then_forward() -> Recording:
    """A first bout that walks 8 s forward and then the same 8 s reversed (its windows' loops
    disagree, so it cannot serve as a reference), standing, then a 20-s forward bout."""
    first_acc, first_gyr, _ = walking_signal(stand_s=0.0, walk_s=8.0, seed=2)
    acc, gyr, _ = walking_signal(stand_s=5.0, walk_s=20.0)
    still_acc, still_gyr = np.tile(acc[:1], (500, 1)), np.zeros((500, 3))
    all_acc = np.vstack((still_acc, first_acc, first_acc[::-1], still_acc, acc))
    all_gyr = np.vstack((still_gyr, first_gyr, -first_gyr[::-1], still_gyr, gyr))
    return build_recording(
        np.arange(all_acc.shape[0]) / RATE_HZ, all_acc, all_gyr, source="synthetic"
    )


def _bout_slices(result: GaitResult) -> list[slice]:
    fs = result.sampling_rate_hz
    return [slice(round(b.start_s * fs), round(b.end_s * fs) + 1) for b in result.bouts]


def test_a_forward_bout_then_its_time_reversal_reads_forward_then_backward() -> None:
    result = FIRST_BOUT.analyze(forward_then_reversed())
    assert [b.direction for b in result.bouts] == ["forward", "backward"]
    assert all(b.direction_confidence >= 0.9 for b in result.bouts)
    block = result.algorithm["direction_reference"]
    assert block["mode"] == "first-bout"
    assert block["bout_start_s"] == pytest.approx(result.bouts[0].start_s, abs=0.01)
    assert block["bout_end_s"] == pytest.approx(result.bouts[0].end_s, abs=0.01)
    assert block["settings"]["source"] == "bout"
    assert NO_REFERENCE_NOTE not in result.notes


@pytest.mark.parametrize("mode", ["first-bout", "none"])
def test_the_pipeline_gives_what_estimate_direction_gives_for_each_bout(mode: str) -> None:
    # the pipeline's decision-only call must agree exactly with the documented public call
    recording = forward_then_reversed()
    assert recording.gyr_rad_s is not None
    result = GaitPipeline(reference="first-bout" if mode == "first-bout" else "none").analyze(
        recording
    )
    spans = _bout_slices(result)
    reference = None
    if mode == "first-bout":
        reference = ForwardReference.from_bout(
            recording.acc_m_s2[spans[0]],
            sampling_rate_hz=RATE_HZ,
            gyr_rad_s=recording.gyr_rad_s[spans[0]],
        )
    for bout, span in zip(result.bouts, spans, strict=True):
        expected = estimate_direction(
            recording.acc_m_s2[span],
            sampling_rate_hz=RATE_HZ,
            gyr_rad_s=recording.gyr_rad_s[span],
            reference=reference,
        )
        assert (bout.direction, bout.direction_confidence) == (
            expected.direction,
            expected.confidence,
        )


def test_without_a_reference_each_bout_is_judged_alone_and_nothing_is_noted() -> None:
    result = GaitPipeline(reference="none").analyze(forward_then_reversed())
    assert result.algorithm["direction_reference"] == {"mode": "none"}
    assert NO_REFERENCE_NOTE not in result.notes
    assert result.algorithm["parameters"]["reference"] == "none"


def test_a_first_bout_that_cannot_serve_falls_back_with_a_note() -> None:
    recording = turning_first_bout_then_forward()
    result = FIRST_BOUT.analyze(recording)
    assert NO_REFERENCE_NOTE in result.notes
    block = result.algorithm["direction_reference"]
    assert block["settings"] is None
    assert "disagree" in block["problem"]
    reference_free = GaitPipeline(reference="none").analyze(recording)
    assert [b.direction for b in result.bouts] == [b.direction for b in reference_free.bouts]


def test_a_recording_without_walking_needs_no_reference_and_notes_none() -> None:
    acc, gyr, _ = walking_signal(stand_s=5.0, walk_s=0.0)
    result = FIRST_BOUT.analyze(
        build_recording(np.arange(acc.shape[0]) / RATE_HZ, acc, gyr, source="still")
    )
    assert result.bouts == ()
    assert result.algorithm["direction_reference"] == {"mode": "first-bout"}
    assert NO_REFERENCE_NOTE not in result.notes


def test_switching_direction_off_leaves_out_the_reference() -> None:
    result = GaitPipeline(estimate_direction=False, reference="first-bout").analyze(
        forward_then_reversed()
    )
    assert "direction_reference" not in result.algorithm


def test_the_library_default_is_reference_free_and_the_cli_opts_in() -> None:
    # callers such as the recordings service keep their answers unless they ask for a reference
    assert GaitPipeline().reference == "none"
    assert GaitPipeline.backward_walking(reference="first-bout").reference == "first-bout"


def test_an_unknown_reference_mode_is_refused_with_the_field() -> None:
    with pytest.raises(InputError, match="unknown reference") as raised:
        GaitPipeline(reference="sideways")  # type: ignore[arg-type]
    assert raised.value.field == "reference"


def test_chunked_analysis_keeps_the_first_chunks_reference() -> None:
    recording = forward_then_reversed()
    assert recording.gyr_rad_s is not None
    segment = segment_reader(recording)

    # 30-s chunks with 4 s overlap: the reversed bout is in a later chunk than the first bout
    chunked = FIRST_BOUT.analyze_long(segment, recording.duration_s, chunk_s=34.0, overlap_s=4.0)
    assert [b.direction for b in chunked.bouts] == ["forward", "backward"]
    block = chunked.algorithm["direction_reference"]
    assert block["bout_start_s"] == pytest.approx(chunked.bouts[0].start_s, abs=0.01)


@pytest.mark.shared_data
def test_mobgap_trials_with_the_first_bout_as_reference_call_no_bout_backward(
    shared_data_dir: Path,
) -> None:
    # every mobgap bout is forward walking (lab walks and simulated daily life)
    mats = sorted((shared_data_dir / "mobgap-example" / "lab").glob("*/*/data.mat"))
    if not mats:
        pytest.skip("mobgap-example is not in the shared data folder")
    directions: list[str] = []
    for mat in mats:
        for trial in list_mobilised_trials(mat):
            result = FIRST_BOUT.analyze(read_mobilised_mat(mat, trial=trial))
            assert result.bouts, trial
            assert result.bouts[0].direction == "forward", (mat, trial)
            assert NO_REFERENCE_NOTE not in result.notes
            directions.extend(b.direction for b in result.bouts)
    assert "backward" not in directions
    # measured when written: 19 of 27 bouts forward, 8 unknown
    assert directions.count("forward") >= 19
