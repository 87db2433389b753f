"""Regression on the real mobgap example recordings with the INDIP reference.

The floors are the accuracy measured when this test was written (docs/gait_validation.md), a
little below it. Straight walks (Test5) meet the issue's targets; over all bouts incl.
simulated daily life the IC F1 target (0.93) is not met; stride length and speed meet the
10 % target over all bouts only with the turn correction of the step length (in-sample, and
leave-one-participant-out for stride length but not for speed). Test11 alone stays above it.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def _validation_module() -> Any:
    path = REPO_ROOT / "benchmarks" / "gait_validation.py"
    spec = importlib.util.spec_from_file_location("gait_validation", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gait_validation", module)
    spec.loader.exec_module(module)
    return module


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
    assert everything["ic_f1"] >= 0.86  # measured 0.877; target 0.93 not met
    assert everything["reference_ics_listed_twice"] == 2
    assert everything["cadence_mae_spm"] <= 3.0  # measured 2.78
    assert everything["stride_length_mae_percent"] <= 30.0  # measured 28.2
    assert everything["speed_mae_percent"] <= 22.0  # measured 20.1
    assert everything["final_contact_median_abs_error_s"] <= 0.1
    assert everything["single_strides_compared"] == 132
    assert everything["single_stride_length_mae_percent"] <= 17.0  # measured 15.2


@pytest.mark.shared_data
def test_the_turn_correction_brings_all_bouts_to_the_target_in_sample(
    validation: tuple[Any, list[Any]],
) -> None:
    module, runs = validation
    groups = module._validate(runs, module.TURN_COEFFICIENT_PER_RAD)
    everything, straight, daily = groups["all"].row(), groups["Test5"].row(), groups["Test11"].row()
    assert everything["stride_length_mae_percent"] <= 8.0  # measured 6.6
    assert everything["speed_mae_percent"] <= 8.0  # measured 6.6
    assert straight["stride_length_mae_percent"] <= 5.0  # measured 2.3 (5.5 without)
    assert daily["stride_length_mae_percent"] <= 20.0  # measured 17.1: daily life alone misses
    assert everything["single_stride_length_mae_percent"] <= 13.0  # measured 11.4 (15.2 without)


@pytest.mark.shared_data
def test_the_turn_correction_holds_for_stride_length_leave_one_participant_out(
    validation: tuple[Any, list[Any]],
) -> None:
    module, runs = validation
    table, chosen = module.evaluate_lopo(runs)
    assert set(chosen) == {"HA/001", "HA/002", "MS/001"}
    everything = table["all"]
    assert everything["stride_length_mae_percent"] <= 8.0  # measured 6.0
    assert everything["speed_mae_percent"] <= 17.0  # measured 15.0: target missed held-out
    assert table["Test5"]["speed_mae_percent"] <= 5.0  # measured 2.1
    assert everything["single_stride_length_mae_percent"] <= 13.5  # measured 12.1
