"""Regression on the real mobgap example recordings with the INDIP reference.

Straight walks meet the issue's targets (F1 >= 0.93, cadence <= 3 steps/min, stride length and
speed <= 10 %); over all bouts, incl. simulated daily life, only the cadence target is met; the
other floors are the accuracy measured when this test was written (docs/gait.md).
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


@pytest.mark.shared_data
def test_initial_contacts_and_parameters_match_the_indip_reference(shared_data_dir: Path) -> None:
    if not (shared_data_dir / "mobgap-example").is_dir():
        pytest.skip("mobgap-example is not in the shared data folder")
    table = _validation_module().evaluate(shared_data_dir)
    straight, everything = table["Test5"], table["all"]
    # Straight walks (Test5) meet the targets.
    assert straight["ic_f1"] >= 0.93
    assert straight["cadence_mae_spm"] <= 3.0
    assert straight["stride_length_mae_percent"] <= 10.0
    assert straight["speed_mae_percent"] <= 10.0
    # All bouts incl. simulated daily life: floors at the level measured (targets not met).
    assert everything["reference_bouts"] >= 19
    assert everything["ic_f1"] >= 0.85
    assert everything["cadence_mae_spm"] <= 3.0
    assert everything["stride_length_mae_percent"] <= 30.0
    assert everything["speed_mae_percent"] <= 22.0
    assert everything["final_contact_median_abs_error_s"] <= 0.1
