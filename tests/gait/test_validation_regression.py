"""Regression on the real mobgap example recordings with the INDIP reference.

The floors are the accuracy measured when this test was written (docs/gait_validation.md), a
little below it. Straight walks (Test5) meet the issue's targets; over all bouts incl.
simulated daily life the IC F1 target (0.93) is not met; stride length and speed meet the
10 % target over all bouts with the turn correction of the step length (pipeline 1.3.0), in-sample
and leave-one-participant-out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from retrowalk.gait.bouts import WalkingBoutDetector
from tests.gait.benchmark_scripts import load_benchmark


def _validation_module() -> Any:
    return load_benchmark("gait_validation")


@pytest.fixture(scope="module")
def validation(shared_data_dir: Path) -> tuple[Any, list[Any]]:
    if not (shared_data_dir / "mobgap-example").is_dir():
        pytest.skip("mobgap-example is not in the shared data folder")
    module = _validation_module()
    return module, module.run_trials(shared_data_dir)


@pytest.mark.shared_data
def test_straight_walks_meet_the_targets(validation: tuple[Any, list[Any]]) -> None:
    module, runs = validation
    straight = module._validate(runs)["Test5"].row()
    assert straight["reference_bouts"] == 4
    assert straight["ic_f1"] >= 0.93
    assert straight["cadence_mae_spm"] <= 3.0
    assert straight["stride_length_mae_percent"] <= 10.0
    assert straight["speed_mae_percent"] <= 10.0


@pytest.mark.shared_data
def test_all_bouts_without_turn_correction_stay_at_the_measured_level(
    validation: tuple[Any, list[Any]],
) -> None:
    module, runs = validation
    everything = module._validate(runs)["all"].row()
    assert everything["reference_bouts"] == 19
    assert everything["ic_f1"] >= 0.875  # measured 0.886; target 0.93 not met
    assert everything["reference_ics_listed_twice"] == 3  # two at 0 ms, one pair 10 ms apart
    assert everything["cadence_mae_spm"] <= 3.0  # measured 2.44
    assert everything["stride_length_mae_percent"] <= 27.0  # measured 24.7
    assert everything["speed_mae_percent"] <= 21.5  # measured 19.5
    assert everything["final_contact_median_abs_error_s"] <= 0.1
    assert everything["single_strides_compared"] == 138
    assert everything["single_stride_length_mae_percent"] <= 14.0  # measured 12.4


@pytest.mark.shared_data
def test_the_turn_correction_brings_all_bouts_to_the_target_in_sample(
    validation: tuple[Any, list[Any]],
) -> None:
    module, runs = validation
    groups = module._validate(runs, module.TURN_COEFFICIENT_PER_RAD)
    everything, straight, daily = groups["all"].row(), groups["Test5"].row(), groups["Test11"].row()
    assert everything["stride_length_mae_percent"] <= 5.5  # measured 4.0
    assert everything["speed_mae_percent"] <= 5.5  # measured 4.3
    assert straight["stride_length_mae_percent"] <= 4.5  # measured 3.0 (4.0 without)
    assert daily["stride_length_mae_percent"] <= 7.0  # measured 4.9
    assert daily["speed_mae_percent"] <= 10.0  # measured 9.4: close to the target
    assert everything["single_stride_length_mae_percent"] <= 13.0  # measured 11.5 (12.4 without)


@pytest.mark.shared_data
def test_the_turn_correction_holds_leave_one_participant_out(
    validation: tuple[Any, list[Any]],
) -> None:
    module, runs = validation
    table, chosen = module.evaluate_lopo(runs)
    assert set(chosen) == {"HA/001", "HA/002", "MS/001"}
    everything = table["all"]
    assert everything["stride_length_mae_percent"] <= 5.0  # measured 3.1
    assert everything["speed_mae_percent"] <= 6.5  # measured 4.3 (nested LOPO 9.6, see docs)
    assert table["Test5"]["speed_mae_percent"] <= 3.0  # measured 1.0
    assert everything["single_stride_length_mae_percent"] <= 13.0  # measured 11.6


@pytest.mark.shared_data
def test_ic_errors_split_into_bout_misses_contact_misses_and_extras(
    validation: tuple[Any, list[Any]],
) -> None:
    module, runs = validation
    split = module.miss_split(runs)
    everything = module._validate(runs)["all"]
    row = split["all"]
    assert row["matched"] == everything.true_positives
    missed = row["missed_outside_our_bouts"] + row["missed_inside_our_bouts"]
    assert missed == everything.false_negatives
    assert row["extra_near_a_missed_ic"] + row["extra_elsewhere"] == everything.false_positives
    assert split["Test5"]["matched"] == split["Test5"]["reference_ics"]  # all misses: daily life
    assert row["missed_outside_our_bouts"] <= 12  # measured 11: bout-detection misses
    assert row["missed_inside_our_bouts"] <= 16  # measured 14


@pytest.mark.shared_data
def test_the_depth_filter_counts_equal_the_pipelines_at_its_default(
    validation: tuple[Any, list[Any]],
) -> None:
    module, runs = validation
    default = WalkingBoutDetector().min_relative_depth
    for run in runs:
        own = module.Validation()
        module.accumulate(run.result, run.bouts, own)
        expected = (own.true_positives, own.false_positives, own.false_negatives)
        assert module.contact_counts(run, default) == expected


@pytest.mark.shared_data
def test_the_depth_filter_holds_leave_one_participant_out(
    validation: tuple[Any, list[Any]],
) -> None:
    module, runs = validation
    depth = module.evaluate_depth_lopo(runs)
    assert set(depth["chosen"]) == {"HA/001", "HA/002", "MS/001"}
    assert depth["lopo_f1"] >= 0.875  # measured 0.884 (in-sample 0.886 at 0.1, 0.879 at 0.2)
    assert depth["in_sample_f1"][0.1] >= depth["in_sample_f1"][0.2]
