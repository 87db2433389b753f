"""The forward reference from the planned warm-up (retrowalk.gait.reference), through the pipeline.

Backward walking is stood in for by time reversal (samples backwards, angular velocity negated):
the trunk's acceleration loop turns the other way, as when backward walking mirrors time-reversed
forward walking (evidence.md §1.3); toe-first contact and slower steps are not simulated.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from retrowalk.errors import InputError
from retrowalk.gait.direction import ForwardReference
from retrowalk.gait.io import list_mobilised_trials, read_mobilised_mat
from retrowalk.gait.pipeline import NO_REFERENCE_NOTE, GaitPipeline, PlannedSession
from retrowalk.gait.recording import Recording
from retrowalk.gait.reference import choose_reference, first_bout_reference, warmup_reference
from retrowalk.gait.resample import build_recording

from .synthetic import segment_reader, walking_signal

RATE_HZ = 100.0
FloatArray = NDArray[np.float64]
Part = tuple[FloatArray, FloatArray]


def walk(walk_s: float, *, reverse: bool = False, rotation: int = 0, seed: int = 1) -> Part:
    acc, gyr, _ = walking_signal(stand_s=0.0, walk_s=walk_s, rotation_seed=rotation, seed=seed)
    return (acc[::-1], -gyr[::-1]) if reverse else (acc, gyr)


def still(seconds: float, rotation: int = 0) -> Part:
    acc, gyr, _ = walking_signal(stand_s=seconds / 2, walk_s=0.0, rotation_seed=rotation)
    return acc, gyr


def turning() -> Part:
    """8 s forward then the same 8 s reversed: its windows' loops disagree, it cannot serve."""
    acc, gyr = walk(8.0, seed=2)
    return np.vstack((acc, acc[::-1])), np.vstack((gyr, -gyr[::-1]))


def session(*parts: Part) -> Recording:
    acc = np.vstack([p[0] for p in parts])
    gyr = np.vstack([p[1] for p in parts])
    return build_recording(np.arange(acc.shape[0]) / RATE_HZ, acc, gyr, source="synthetic")


def planned(warmup_min: float) -> PlannedSession:
    return PlannedSession(backward_min=1.0, forward_min=warmup_min, warmup_forward_min=warmup_min)


WARM_UP = GaitPipeline(reference="warm-up")
FIRST_BOUT = GaitPipeline(reference="first-bout")


def directions(pipeline: GaitPipeline, recording: Recording, warmup_min: float) -> list[str]:
    result = pipeline.with_plan(planned(warmup_min)).analyze(recording)
    return [b.direction for b in result.bouts]


def test_the_warm_up_pools_its_forward_bouts_and_says_which_it_used() -> None:
    recording = session(
        still(5), walk(20), still(5), walk(20, seed=4), still(40), walk(20, reverse=True), still(5)
    )
    result = WARM_UP.with_plan(planned(1.0)).analyze(recording)
    assert [b.direction for b in result.bouts] == ["forward", "forward", "backward"]
    block = result.algorithm["direction_reference"]
    assert block["mode"] == "warm-up"
    assert block["source"] == "warm-up"
    first, second, _ = result.bouts
    assert block["bouts_s"] == [
        [pytest.approx(first.start_s, abs=0.01), pytest.approx(first.end_s, abs=0.01)],
        [pytest.approx(second.start_s, abs=0.01), pytest.approx(second.end_s, abs=0.01)],
    ]
    assert block["warmup_window_s"] == [
        pytest.approx(first.start_s, abs=0.01),
        pytest.approx(first.start_s + 60.0, abs=0.01),
    ]
    assert "2 bout(s)" in block["why"]
    assert "pooled" in block["why"]
    assert block["settings"]["source"] == "warm-up (2 bouts)"
    assert "left_out" not in block
    assert NO_REFERENCE_NOTE not in result.notes


def test_the_pooled_axis_lies_between_the_bouts_axes_weighted_by_walking_time() -> None:
    recording = session(still(5), walk(20), still(5), walk(10, seed=4), still(5))
    spans = [(500, 2500), (3000, 4000)]
    choice = warmup_reference(recording, spans, gravity_included=True, warmup_s=60.0)
    assert choice.reference is not None
    refs = [
        ForwardReference.from_bout(
            recording.acc_m_s2[a:b],
            sampling_rate_hz=RATE_HZ,
            gyr_rad_s=None if recording.gyr_rad_s is None else recording.gyr_rad_s[a:b],
        )
        for a, b in spans
    ]
    weighted = sum(
        (b - a) * r.agreement * np.asarray(r.loop_axis)
        for (a, b), r in zip(spans, refs, strict=True)
    )
    expected = weighted / np.linalg.norm(weighted)
    assert np.allclose(choice.reference.loop_axis, expected)
    assert math.isclose(float(np.linalg.norm(choice.reference.loop_axis)), 1.0)


def test_an_unusable_first_bout_is_skipped_where_the_first_bout_reference_gives_up() -> None:
    recording = session(
        still(5), turning(), still(5), walk(20), still(40), walk(20, reverse=True), still(5)
    )
    first_bout = FIRST_BOUT.with_plan(planned(1.0)).analyze(recording)
    assert NO_REFERENCE_NOTE in first_bout.notes  # reference-free
    assert [b.direction for b in first_bout.bouts][1:] != ["forward", "backward"]
    result = WARM_UP.with_plan(planned(1.0)).analyze(recording)
    assert [b.direction for b in result.bouts][1:] == ["forward", "backward"]
    (left_out,) = result.algorithm["direction_reference"]["left_out"]
    assert left_out["start_s"] == pytest.approx(result.bouts[0].start_s, abs=0.01)
    assert "disagree" in left_out["why"]


def test_a_first_bout_held_differently_is_left_out_where_it_spoils_the_first_bout_reference() -> (
    None
):
    # the phone carried in the hand (another orientation) for the first bout, then in the pouch
    recording = session(
        still(5, rotation=1),
        walk(10, rotation=1, seed=3),
        still(5),
        walk(20),
        still(40),
        walk(20, reverse=True),
        still(5),
    )
    assert directions(FIRST_BOUT, recording, 1.0)[1:] == ["unknown", "unknown"]
    result = WARM_UP.with_plan(planned(1.0)).analyze(recording)
    assert [b.direction for b in result.bouts][1:] == ["forward", "backward"]
    (left_out,) = result.algorithm["direction_reference"]["left_out"]
    assert "held differently" in left_out["why"]


def test_a_warm_up_cut_short_keeps_the_walking_that_came_first_and_says_so() -> None:
    # planned 2 min, walked 20 s forward and then backward inside the planned window; the
    # synthetic signal carries no reference-free evidence, so the order decides
    recording = session(still(5), walk(20), still(5), walk(20, reverse=True), still(5))
    result = WARM_UP.with_plan(planned(2.0)).analyze(recording)
    assert [b.direction for b in result.bouts] == ["forward", "backward"]
    block = result.algorithm["direction_reference"]
    assert len(block["bouts_s"]) == 1
    (left_out,) = block["left_out"]
    assert left_out["why"] == "turns the other way from the warm-up's walking"
    assert any("turns both ways" in note and "comes first" in note for note in result.notes)


def test_without_usable_walking_in_the_warm_up_it_falls_back_to_reference_free() -> None:
    recording = session(still(5), turning(), still(70), walk(20), still(5))
    result = WARM_UP.with_plan(planned(1.0)).analyze(recording)
    assert NO_REFERENCE_NOTE in result.notes
    assert any(
        note.startswith("no usable walking in the planned 1-min warm-up") for note in result.notes
    )
    block = result.algorithm["direction_reference"]
    assert block["settings"] is None
    assert block["source"] == "none"
    assert "disagree" in block["problem"]
    reference_free = GaitPipeline(reference="none").analyze(recording)
    assert [b.direction for b in result.bouts] == [b.direction for b in reference_free.bouts]


def test_a_first_bout_running_past_a_tiny_warm_up_serves_whole() -> None:
    # 0.02 min = 1.2 s: the part inside the window is too short, the whole first bout is not
    recording = session(still(5), walk(20), still(5), walk(20, reverse=True), still(5))
    result = WARM_UP.with_plan(planned(0.02)).analyze(recording)
    assert [b.direction for b in result.bouts] == ["forward", "backward"]
    block = result.algorithm["direction_reference"]
    assert block["source"] == "first-bout"
    assert "too short" in block["left_out"][0]["why"]
    assert any("whole first walking bout" in note for note in result.notes)


@pytest.mark.parametrize("plan", [None, PlannedSession(backward_min=5.0)])
def test_without_a_planned_warm_up_the_first_bout_serves_and_the_notes_say_why(
    plan: PlannedSession | None,
) -> None:
    recording = session(still(5), walk(20), still(5), walk(20, reverse=True), still(5))
    result = WARM_UP.with_plan(plan).analyze(recording)
    assert [b.direction for b in result.bouts] == ["forward", "backward"]
    block = result.algorithm["direction_reference"]
    assert block["source"] == "first-bout"
    expected = "no planned session given" if plan is None else "has no forward warm-up"
    assert any(expected in note for note in result.notes)
    assert result.algorithm["parameters"]["reference"] == "warm-up"


def test_choose_reference_has_nothing_to_choose_without_bouts_or_in_mode_none() -> None:
    recording = session(still(10))
    assert (
        choose_reference(
            recording, [], gravity_included=True, mode="warm-up", warmup_forward_min=5.0
        )
        is None
    )
    assert (
        choose_reference(
            recording, [(0, 500)], gravity_included=True, mode="none", warmup_forward_min=5.0
        )
        is None
    )


def test_learning_a_reference_without_bouts_is_refused_with_the_field() -> None:
    recording = session(still(10))
    with pytest.raises(InputError, match="no walking bouts") as raised:
        warmup_reference(recording, [], gravity_included=True, warmup_s=60.0)
    assert raised.value.field == "spans"
    with pytest.raises(InputError, match="no walking bouts"):
        first_bout_reference(recording, [], gravity_included=True)


@pytest.mark.parametrize("warmup_s", [0.0, -1.0, float("nan")])
def test_a_warm_up_that_is_not_a_positive_time_is_refused_with_the_field(warmup_s: float) -> None:
    recording = session(still(5), walk(10), still(5))
    with pytest.raises(InputError, match="positive number of seconds") as raised:
        warmup_reference(recording, [(500, 1500)], gravity_included=True, warmup_s=warmup_s)
    assert raised.value.field == "warmup_s"


def test_the_plan_comparison_reports_planned_and_walked_warm_up() -> None:
    recording = session(
        still(5), walk(20), still(5), walk(20, seed=4), still(40), walk(20, reverse=True), still(5)
    )
    result = WARM_UP.with_plan(
        PlannedSession(backward_min=1.0, forward_min=3.0, warmup_forward_min=1.0)
    ).analyze(recording)
    plan = result.summary()["plan"]
    forward_in_window = sum(b.end_s - b.start_s for b in result.bouts if b.direction == "forward")
    assert plan["planned_warmup_forward_min"] == 1.0
    assert plan["walked_warmup_forward_min"] == pytest.approx(forward_in_window / 60, abs=0.01)
    assert plan["warmup_window_s"][0] == pytest.approx(result.bouts[0].start_s, abs=0.01)
    assert plan["planned_backward_min"] == 1.0
    assert plan["walked_backward_min"] == pytest.approx(
        (result.bouts[2].end_s - result.bouts[2].start_s) / 60, abs=0.01
    )


def test_a_plan_without_warm_up_reports_no_warm_up_window() -> None:
    recording = session(still(5), walk(20), still(5))
    plan = GaitPipeline().with_plan(PlannedSession(backward_min=2.0)).analyze(recording).summary()
    assert plan["plan"]["planned_warmup_forward_min"] == 0.0
    assert plan["plan"]["walked_warmup_forward_min"] is None
    assert plan["plan"]["warmup_window_s"] is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        (
            {"backward_min": 5.0, "forward_min": 5.0, "warmup_forward_min": -1.0},
            "warmup_forward_min",
        ),
        (
            {"backward_min": 5.0, "forward_min": 5.0, "warmup_forward_min": math.nan},
            "warmup_forward_min",
        ),
        (
            {"backward_min": 5.0, "forward_min": 2.0, "warmup_forward_min": 5.0},
            "warmup_forward_min",
        ),
        ({"backward_min": True}, "backward_min"),
        ({"backward_min": "5"}, "backward_min"),
    ],
)
def test_a_bad_planned_session_is_refused_with_the_field(
    kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(InputError) as raised:
        PlannedSession(**kwargs)  # type: ignore[arg-type]
    assert raised.value.field == field


def test_chunked_analysis_keeps_the_first_chunks_warm_up_reference_with_absolute_times() -> None:
    recording = session(
        still(5), walk(20), still(5), walk(20, seed=4), still(40), walk(20, reverse=True), still(5)
    )
    assert recording.gyr_rad_s is not None
    segment = segment_reader(recording)

    pipeline = WARM_UP.with_plan(planned(1.0))
    whole = pipeline.analyze(recording)
    chunked = pipeline.analyze_long(segment, recording.duration_s, chunk_s=70.0, overlap_s=6.0)
    assert [b.direction for b in chunked.bouts] == [b.direction for b in whole.bouts]
    chunked_bouts = np.ravel(chunked.algorithm["direction_reference"]["bouts_s"])
    whole_bouts = np.ravel(whole.algorithm["direction_reference"]["bouts_s"])
    assert chunked_bouts.size == whole_bouts.size == 4
    assert np.allclose(chunked_bouts, whole_bouts, atol=0.02)


@pytest.mark.shared_data
def test_mobgap_trials_with_a_planned_warm_up_call_no_bout_backward(shared_data_dir: Path) -> None:
    # every mobgap bout is forward walking; measured when written (benchmarks/warmup_reference.py):
    # 19 of 27 bouts forward, 8 unknown, as with the first bout as the reference
    mats = sorted((shared_data_dir / "mobgap-example" / "lab").glob("*/*/data.mat"))
    if not mats:
        pytest.skip("mobgap-example is not in the shared data folder")
    pipeline = WARM_UP.with_plan(planned(1.0))
    found: list[str] = []
    for mat in mats:
        for trial in list_mobilised_trials(mat):
            result = pipeline.analyze(read_mobilised_mat(mat, trial=trial))
            assert result.algorithm["direction_reference"]["source"] == "warm-up", trial
            found.extend(b.direction for b in result.bouts)
    assert "backward" not in found
    assert found.count("forward") >= 19
