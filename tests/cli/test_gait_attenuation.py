"""``retrowalk gait attenuation``: two synchronised recordings in, shock attenuation out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer
from numpy.typing import NDArray
from typer.testing import CliRunner

from retrowalk.cli.gait_attenuation import register
from tests.conftest import RunCli

RATE_HZ = 200.0


def tibia_signal(duration_s: float = 12.0) -> NDArray[np.float64]:
    rng = np.random.default_rng(1)
    n = round(duration_s * RATE_HZ)
    acc = rng.normal(0.0, 0.05, (n, 3))
    for start_s in np.arange(0.5, duration_s - 0.5, 1.0):
        k = round(start_s * RATE_HZ)
        acc[k : k + 10, 1] += 25.0 * np.hanning(10)
    acc[:, 2] += 9.81
    return acc


def write_csv(path: Path, acc: NDArray[np.float64], start_s: float = 0.0) -> Path:
    time_s = start_s + np.arange(acc.shape[0]) / RATE_HZ
    rows = "\n".join(
        f"{t:.4f},{x:.5f},{y:.5f},{z:.5f}" for t, (x, y, z) in zip(time_s, acc, strict=True)
    )
    path.write_text("time_s,acc_x_m_s2,acc_y_m_s2,acc_z_m_s2\n" + rows + "\n")
    return path


def recordings(tmp_path: Path, gain: float = 0.25) -> tuple[Path, Path]:
    distal = tibia_signal()
    proximal = distal.mean(axis=0) + gain * (distal - distal.mean(axis=0))
    return write_csv(tmp_path / "tibia.csv", distal), write_csv(tmp_path / "head.csv", proximal)


def test_json_output_gives_both_definitions(tmp_path: Path, run_cli: RunCli) -> None:
    distal, proximal = recordings(tmp_path)
    result = run_cli("gait", "attenuation", str(distal), str(proximal), "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert abs(report["peak_ratio"]["median_percent"] - 75.0) < 2.0
    assert abs(report["spectral"]["attenuation_db"] - 12.04) < 0.2


def test_text_output_names_the_unconfirmed_formula(tmp_path: Path, run_cli: RunCli) -> None:
    distal, proximal = recordings(tmp_path)
    result = run_cli("gait", "attenuation", str(distal), str(proximal))
    assert result.exit_code == 0, result.stderr
    assert "Peak-ratio shock attenuation: 11 impacts" in result.stdout
    assert "NC" in result.stdout
    assert "12-20 Hz" in result.stdout


def test_a_missing_file_exits_2_with_a_message(tmp_path: Path, run_cli: RunCli) -> None:
    distal, _ = recordings(tmp_path)
    result = run_cli("gait", "attenuation", str(distal), str(tmp_path / "absent.csv"))
    assert result.exit_code == 2
    assert "Error:" in result.stderr
    assert "Traceback" not in result.stderr


def test_recordings_of_different_length_are_analysed_where_both_run(
    tmp_path: Path, run_cli: RunCli
) -> None:
    distal, _ = recordings(tmp_path)
    proximal = write_csv(tmp_path / "short.csv", 0.5 * tibia_signal(duration_s=3.0))
    result = run_cli("gait", "attenuation", str(distal), str(proximal), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["peak_ratio"]["n_impacts"] == 3


@pytest.mark.shared_data
def test_a_mobilised_trial_against_itself_is_not_attenuated(
    shared_data_dir: Path, run_cli: RunCli
) -> None:
    mat = str(shared_data_dir / "mobgap-example" / "lab" / "HA" / "001" / "data.mat")
    trial = "TimeMeasure1/Test5/Trial1"
    result = run_cli("gait", "attenuation", mat, mat, "--trial", trial, "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert abs(report["spectral"]["transfer_function_db"]) < 1e-9
    assert set(report["peak_ratio"]["attenuation_percent"]) <= {0.0}


def test_register_adds_the_command_to_a_fresh_group(tmp_path: Path) -> None:
    group = typer.Typer()

    @group.callback()
    def root() -> None:
        """A stand-in gait group."""

    register(group)
    distal, proximal = recordings(tmp_path)
    outcome = CliRunner().invoke(
        group, ["attenuation", str(distal), str(proximal), "--format", "json"]
    )
    assert outcome.exit_code == 0, outcome.output
    assert json.loads(outcome.stdout)["sampling_rate_hz"] == RATE_HZ
