from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from retrowalk.gait.io.retrowalk_csv import write_retrowalk_csv
from retrowalk.gait.pipeline import NO_REFERENCE_NOTE
from retrowalk.gait.recording import Recording
from tests.conftest import RunCli
from tests.gait.synthetic import write_walking_csv
from tests.gait.test_pipeline_reference import (
    forward_then_reversed,
    turning_first_bout_then_forward,
)


def test_analyze_prints_json_with_the_documented_keys(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "walk.csv"
    write_walking_csv(path, walk_s=10.0)
    result = run_cli("gait", "analyze", str(path), "--format", "json", "--sensor-height-m", "1.0")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"sampling_rate_hz", "initial_contacts_s", "bouts", "summary", "algorithm"} <= set(data)
    assert data["bouts"][0]["steps"] > 5


def test_analyze_prints_text_and_writes_a_plot(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "walk.csv"
    write_walking_csv(path, walk_s=10.0)
    plot = tmp_path / "walk.png"
    result = run_cli("gait", "analyze", str(path), "--plot", str(plot))
    assert result.exit_code == 0, result.stderr
    assert "bouts" in result.stdout
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_analyze_of_a_malformed_file_exits_2_with_line_and_column(
    run_cli: RunCli, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("time_s,acc_x_m_s2,acc_y_m_s2,acc_z_m_s2\n0,0,0,9.8\n0.01,0,x,9.8\n")
    result = run_cli("gait", "analyze", str(path))
    assert result.exit_code == 2
    assert "Error:" in result.stderr
    assert "line 3" in result.stderr
    assert "column 3" in result.stderr
    assert "Traceback" not in result.stderr


def test_analyze_of_a_missing_file_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("gait", "analyze", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_analyze_without_walking_says_why(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "still.csv"
    rows = "\n".join(f"{i / 50},0.01,0,9.81" for i in range(500))
    path.write_text("time_s,acc_x_m_s2,acc_y_m_s2,acc_z_m_s2\n" + rows + "\n")
    result = run_cli("gait", "analyze", str(path))
    assert result.exit_code == 0
    assert "no walking detected" in result.stdout


def test_batch_writes_a_csv_row_per_recording(run_cli: RunCli, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_walking_csv(folder / "a.csv", walk_s=10.0)
    out = tmp_path / "results.csv"
    result = run_cli("gait", "batch", str(folder), "--out", str(out), "--workers", "1")
    assert result.exit_code == 0, result.stderr
    assert out.read_text().count("\n") == 2


def test_batch_of_an_empty_folder_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("gait", "batch", str(tmp_path), "--out", str(tmp_path / "r.csv"))
    assert result.exit_code == 2
    assert "no recordings" in result.stderr


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_text("time_s,acc_x_m_s2,acc_y_m_s2,acc_z_m_s2\n" + "\n".join(rows) + "\n")
    return path


def test_a_rate_under_20_hz_exits_2_with_the_rate(run_cli: RunCli, tmp_path: Path) -> None:
    path = _csv(tmp_path / "slow.csv", [f"{i / 10},0,0,9.81" for i in range(100)])
    result = run_cli("gait", "analyze", str(path))
    assert result.exit_code == 2
    assert "10.0 Hz is below the 20 Hz" in result.stderr


def test_timestamps_in_milliseconds_exit_2_with_a_hint(run_cli: RunCli, tmp_path: Path) -> None:
    path = _csv(tmp_path / "ms.csv", [f"{i * 10},0,0,9.81" for i in range(500)])
    result = run_cli("gait", "analyze", str(path))
    assert result.exit_code == 2
    assert "milliseconds" in result.stderr


def test_nan_values_are_reported_not_fatal(run_cli: RunCli, tmp_path: Path) -> None:
    rows = [f"{i / 50},0,0,9.81" for i in range(500)]
    rows[100] = "2.0,nan,0,9.81"
    path = _csv(tmp_path / "nan.csv", rows)
    result = run_cli("gait", "analyze", str(path), "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["quality"]["dropped_samples"] == 1
    assert data["bouts"] == []
    assert "no walking detected" in data["summary"]["message"]


def test_a_missing_column_exits_2_naming_it(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "cols.csv"
    path.write_text("time_s,acc_x_m_s2,acc_y_m_s2\n0,0,0\n")
    result = run_cli("gait", "analyze", str(path))
    assert result.exit_code == 2
    assert "missing column 'acc_z_m_s2'" in result.stderr


def test_a_large_file_is_analysed_in_chunks(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("retrowalk.gait.io.stream.LARGE_FILE_BYTES", 1000)
    path = tmp_path / "big.csv"
    write_walking_csv(path, walk_s=10.0)
    result = run_cli("gait", "analyze", str(path), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)["bouts"]) == 1
    refused = run_cli("gait", "analyze", str(path), "--plot", str(tmp_path / "p.svg"))
    assert refused.exit_code == 2
    assert "--plot is not available" in refused.stderr


def _write_recording(path: Path, recording: Recording) -> Path:
    write_retrowalk_csv(path, recording)
    return path


def test_analyze_reads_a_forward_bout_then_its_time_reversal_as_forward_then_backward(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # the time-reversed copy stands in for backward walking: its acceleration loop turns the
    # other way (as hip/knee kinematics suggest), but it keeps the forward heel-first contact
    path = _write_recording(tmp_path / "session.csv", forward_then_reversed())
    result = run_cli("gait", "analyze", str(path), "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [b["direction"] for b in data["bouts"]] == ["forward", "backward"]
    reference = data["algorithm"]["direction_reference"]
    assert reference["mode"] == "first-bout"
    assert reference["bout_start_s"] == data["bouts"][0]["start_s"]
    assert len(reference["settings"]["loop_axis"]) == 3
    assert data["summary"]["backward_min"] > 0


def test_analyze_with_reference_none_judges_bouts_without_a_reference(
    run_cli: RunCli, tmp_path: Path
) -> None:
    path = _write_recording(tmp_path / "session.csv", forward_then_reversed())
    result = run_cli("gait", "analyze", str(path), "--format", "json", "--reference", "none")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["algorithm"]["direction_reference"] == {"mode": "none"}
    assert data["algorithm"]["parameters"]["reference"] == "none"
    assert NO_REFERENCE_NOTE not in data["summary"]["notes"]


def test_analyze_falls_back_with_a_note_when_the_first_bout_cannot_serve(
    run_cli: RunCli, tmp_path: Path
) -> None:
    path = _write_recording(tmp_path / "turning.csv", turning_first_bout_then_forward())
    result = run_cli("gait", "analyze", str(path))
    assert result.exit_code == 0, result.stderr
    assert f"note: {NO_REFERENCE_NOTE}" in result.stdout
    assert "direction judged against the first bout" not in result.stdout


def test_analyze_text_says_which_bout_was_the_forward_reference(
    run_cli: RunCli, tmp_path: Path
) -> None:
    path = _write_recording(tmp_path / "session.csv", forward_then_reversed())
    result = run_cli("gait", "analyze", str(path))
    assert result.exit_code == 0, result.stderr
    assert "direction judged against the first bout (5.1-" in result.stdout


def test_an_unknown_reference_mode_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "walk.csv"
    write_walking_csv(path, walk_s=10.0)
    result = run_cli("gait", "analyze", str(path), "--reference", "sideways")
    assert result.exit_code == 2
    assert "unknown reference 'sideways'" in result.stderr


def test_batch_records_how_each_recordings_direction_was_judged(
    run_cli: RunCli, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _write_recording(folder / "session.csv", forward_then_reversed())
    out = tmp_path / "results.csv"
    for mode, expected in (("first-bout", "first bout 5."), ("none", "none")):
        result = run_cli(
            "gait", "batch", str(folder), "--out", str(out), "--workers", "1", "--reference", mode
        )
        assert result.exit_code == 0, result.stderr
        (row,) = csv.DictReader(out.read_text(encoding="utf-8").splitlines())
        assert row["direction_reference"].startswith(expected)


def _turning_then_session(path: Path) -> Path:
    """An unusable first bout (it turns round), forward walking, then backward walking."""
    from tests.gait.test_reference import session, still, turning, walk

    recording = session(
        still(5), turning(), still(5), walk(20), still(40), walk(20, reverse=True), still(5)
    )
    return _write_recording(path, recording)


def test_analyze_with_a_planned_warm_up_judges_against_the_warm_ups_walking(
    run_cli: RunCli, tmp_path: Path
) -> None:
    path = _turning_then_session(tmp_path / "session.csv")
    plan = ("--planned-backward-min", "1", "--planned-warmup-min", "1")
    result = run_cli("gait", "analyze", str(path), "--format", "json", *plan)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [b["direction"] for b in data["bouts"]][1:] == ["forward", "backward"]
    reference = data["algorithm"]["direction_reference"]
    assert (reference["mode"], reference["source"]) == ("warm-up", "warm-up")
    assert "disagree" in reference["left_out"][0]["why"]
    summary_plan = data["summary"]["plan"]
    assert summary_plan["planned_warmup_forward_min"] == 1.0
    assert summary_plan["planned_forward_min"] == 1.0  # defaults to the warm-up
    assert summary_plan["walked_warmup_forward_min"] > 0.3
    # the same file without the plan: the first bout cannot serve, reference-free
    first_bout = json.loads(run_cli("gait", "analyze", str(path), "--format", "json").stdout)
    assert first_bout["algorithm"]["direction_reference"]["mode"] == "first-bout"
    assert NO_REFERENCE_NOTE in first_bout["summary"]["notes"]
    text = run_cli("gait", "analyze", str(path), *plan, "--planned-forward-min", "3")
    assert text.exit_code == 0, text.stderr
    assert "direction judged against the forward warm-up: 1 bout(s)" in text.stdout
    assert "plan: 1 min forward warm-up, walked 0." in text.stdout


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--planned-warmup-min", "5"), "field 'planned_backward_min'"),
        (("--planned-forward-min", "5"), "field 'planned_backward_min'"),
        (
            ("--planned-backward-min", "5", "--planned-warmup-min", "-1"),
            "field 'planned_warmup_min'",
        ),
        (
            (
                "--planned-backward-min",
                "5",
                "--planned-warmup-min",
                "5",
                "--planned-forward-min",
                "2",
            ),
            "cannot exceed them",
        ),
        (("--planned-backward-min", "nan"), "field 'planned_backward_min'"),
        (("--planned-backward-min", "1e308"), "from 0 to 360"),
        (("--planned-backward-min", "5", "--planned-warmup-min", "1e300"), "from 0 to 360"),
        (("--reference", "warm-up"), "field 'planned_warmup_min'"),
        (("--planned-backward-min", "5", "--reference", "warm-up"), "needs the planned warm-up"),
    ],
)
def test_bad_plan_options_exit_2_naming_the_option(
    run_cli: RunCli, tmp_path: Path, options: tuple[str, ...], message: str
) -> None:
    path = tmp_path / "walk.csv"
    write_walking_csv(path, walk_s=10.0)
    result = run_cli("gait", "analyze", str(path), *options)
    assert result.exit_code == 2
    assert message in result.stderr


def test_batch_refuses_the_warm_up_reference_it_has_no_plan_for(
    run_cli: RunCli, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_walking_csv(folder / "walk.csv", walk_s=10.0)
    result = run_cli(
        "gait", "batch", str(folder), "--out", str(tmp_path / "r.csv"), "--reference", "warm-up"
    )
    assert result.exit_code == 2
    assert "batch has no planned session" in result.stderr


def test_a_trial_for_a_file_without_trials_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "walk.csv"
    write_walking_csv(path, walk_s=10.0)
    result = run_cli("gait", "analyze", str(path), "--trial", "TimeMeasure1/Test5/Trial1")
    assert result.exit_code == 2
    assert "field 'trial'" in result.stderr
    assert "has no trials" in result.stderr


def test_batch_with_absurdly_many_workers_starts_no_more_than_it_needs(
    run_cli: RunCli, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_walking_csv(folder / "walk.csv", walk_s=10.0)
    out = tmp_path / "r.csv"
    result = run_cli("gait", "batch", str(folder), "--out", str(out), "--workers", "100000")
    assert result.exit_code == 0, result.stderr
    assert "1 recordings analysed (0 failed)" in result.stdout


def test_batch_lists_each_skipped_file_with_why(run_cli: RunCli, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_walking_csv(folder / "walk.csv", walk_s=10.0)
    (folder / "Accelerometer.csv").write_text("time,seconds_elapsed,z,y,x\n0,0,9.81,0,0\n")
    (folder / "Gyroscope.csv").write_text("time,seconds_elapsed,z,y,x\n0,0,0,0,0\n")
    out = tmp_path / "r.csv"
    result = run_cli("gait", "batch", str(folder), "--out", str(out), "--workers", "1")
    assert result.exit_code == 0, result.stderr
    reason = "part of the Sensor Logger export read as Accelerometer.csv"
    assert f"skipped {folder / 'Gyroscope.csv'}: {reason}" in result.stdout
    assert "2 recordings analysed (1 failed), 1 files skipped" in result.stdout
    with out.open() as handle:
        rows = {Path(r["file"]).name: r for r in csv.DictReader(handle)}
    assert (rows["Gyroscope.csv"]["status"], rows["Gyroscope.csv"]["message"]) == (
        "skipped",
        reason,
    )


def test_batch_refuses_an_unwritable_results_file_before_analysing_anything(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_walking_csv(folder / "walk.csv", walk_s=10.0)
    (tmp_path / "plain.csv").write_text("x\n")
    analysed: list[object] = []
    monkeypatch.setattr("retrowalk.cli.gait.run_batch", lambda *a, **k: analysed.append(a))
    out = tmp_path / "plain.csv" / "results.csv"  # under a file: no folder can be made there
    result = run_cli("gait", "batch", str(folder), "--out", str(out))
    assert result.exit_code == 2
    assert f"Error: {out}: cannot write the results" in " ".join(result.stderr.split())
    assert analysed == []


def test_batch_skips_its_own_results_file_inside_the_folder_saying_why(
    run_cli: RunCli, tmp_path: Path
) -> None:
    write_walking_csv(tmp_path / "walk.csv", walk_s=10.0)
    out = tmp_path / "results.csv"
    first = run_cli("gait", "batch", str(tmp_path), "--out", str(out), "--workers", "1")
    assert first.exit_code == 0, first.stderr
    again = run_cli("gait", "batch", str(tmp_path), "--out", str(out), "--workers", "1")
    assert again.exit_code == 0, again.stderr
    assert f"skipped {out}: the results file of this batch (--out)" in again.stdout
    assert "1 recordings analysed (0 failed), 1 files skipped" in again.stdout
