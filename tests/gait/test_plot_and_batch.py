from __future__ import annotations

import csv
import socket
import threading
import zipfile
from pathlib import Path

import pytest
import scipy.io

from retrowalk.errors import InputError
from retrowalk.gait.batch import find_jobs, run_batch, write_rows
from retrowalk.gait.io import read_recording
from retrowalk.gait.pipeline import GaitPipeline
from retrowalk.gait.plot import plot_result

from .synthetic import walking_recording, write_mobilised_mat, write_walking_csv


def test_the_plot_is_written_as_svg(tmp_path: Path) -> None:
    recording, _ = walking_recording(walk_s=10.0)
    result = GaitPipeline().analyze(recording)
    out = plot_result(recording, result, tmp_path / "plot.svg")
    assert out.read_text().lstrip().startswith("<?xml")


def test_the_plot_refuses_an_unknown_image_type(tmp_path: Path) -> None:
    recording, _ = walking_recording(walk_s=5.0)
    result = GaitPipeline().analyze(recording)
    with pytest.raises(InputError, match=r"\.svg or \.png"):
        plot_result(recording, result, tmp_path / "plot.gif")


def test_a_batch_gives_one_row_per_file_and_reports_a_bad_file(tmp_path: Path) -> None:
    write_walking_csv(tmp_path / "a.csv", walk_s=10.0)
    (tmp_path / "bad.csv").write_text("time_s,acc_x_m_s2\n0,1\n")
    jobs = find_jobs(tmp_path)
    rows = run_batch(jobs, GaitPipeline(), workers=1)
    write_rows(tmp_path / "out" / "results.csv", rows)
    with (tmp_path / "out" / "results.csv").open() as handle:
        stored = list(csv.DictReader(handle))
    by_name = {Path(r["file"]).name: r for r in stored}
    assert by_name["a.csv"]["status"] == "ok"
    assert int(by_name["a.csv"]["steps"]) > 10
    assert by_name["bad.csv"]["status"] == "error"
    assert "missing column" in by_name["bad.csv"]["message"]


def test_a_sensor_logger_folder_and_a_zip_export_are_one_job_each(tmp_path: Path) -> None:
    export = tmp_path / "2026-11-20_18-03-11"
    export.mkdir()
    header = "time,seconds_elapsed,z,y,x\n0,0,9.81,0,0\n"
    for name in ("Accelerometer.csv", "Gravity.csv", "Gyroscope.csv", "Annotation.csv"):
        (export / name).write_text(header)
    (export / "Metadata.csv").write_text("version,device name,recording time,platform\n")
    with zipfile.ZipFile(tmp_path / "phone.zip", "w") as archive:
        archive.writestr("TotalAcceleration.csv", header)
    write_walking_csv(tmp_path / "walk.csv", walk_s=5.0)
    jobs = find_jobs(tmp_path)
    found = sorted(str(job.path.relative_to(tmp_path)) for job in jobs if not job.skipped)
    assert found == ["2026-11-20_18-03-11/Accelerometer.csv", "phone.zip", "walk.csv"]


def test_the_other_files_of_a_sensor_logger_export_are_listed_as_skipped_with_why(
    tmp_path: Path,
) -> None:
    header = "time,seconds_elapsed,z,y,x\n0,0,9.81,0,0\n"
    for name in ("Accelerometer.csv", "Gyroscope.csv"):
        (tmp_path / name).write_text(header)
    (tmp_path / "Metadata.csv").write_text("version,device name,recording time,platform\n")
    skipped = {job.path.name: job.skipped for job in find_jobs(tmp_path) if job.skipped}
    assert sorted(skipped) == ["Gyroscope.csv", "Metadata.csv"]
    assert skipped["Gyroscope.csv"] == "part of the Sensor Logger export read as Accelerometer.csv"


def test_a_recording_beside_a_sensor_logger_export_is_analysed_too(tmp_path: Path) -> None:
    (tmp_path / "Accelerometer.csv").write_text("time,seconds_elapsed,z,y,x\n0,0,9.81,0,0\n")
    write_walking_csv(tmp_path / "participant07_lab.csv", walk_s=5.0)
    analysed = sorted(job.path.name for job in find_jobs(tmp_path) if not job.skipped)
    assert analysed == ["Accelerometer.csv", "participant07_lab.csv"]


def test_a_mobilise_d_mat_of_any_name_is_analysed_per_trial(tmp_path: Path) -> None:
    write_mobilised_mat(tmp_path / "HA001.mat", trials=2)
    jobs = find_jobs(tmp_path)
    assert [(job.path.name, job.trial, job.skipped) for job in jobs] == [
        ("HA001.mat", "TimeMeasure1/Test5/Trial1", ""),
        ("HA001.mat", "TimeMeasure1/Test5/Trial2", ""),
    ]


def test_a_mat_file_without_mobilise_d_recordings_is_a_skipped_row_saying_why(
    tmp_path: Path,
) -> None:
    scipy.io.savemat(str(tmp_path / "infoForAlgo.mat"), {"infoForAlgo": {"Height": 170.0}})
    (row,) = run_batch(find_jobs(tmp_path), GaitPipeline(), workers=1)
    assert row["status"] == "skipped"
    assert "without Mobilise-D recordings" in row["message"]


def test_a_batch_runs_on_a_dask_scheduler(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed", reason="the 'cluster' extra is not installed")
    write_walking_csv(tmp_path / "a.csv", walk_s=10.0)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        rows = run_batch(find_jobs(tmp_path), GaitPipeline(), scheduler=cluster.scheduler_address)
    assert [row["status"] for row in rows] == ["ok"]


def test_an_unreachable_dask_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    pytest.importorskip("distributed", reason="the 'cluster' extra is not installed")
    write_walking_csv(tmp_path / "a.csv", walk_s=10.0)
    with pytest.raises(InputError, match="cannot reach the Dask scheduler"):
        run_batch(
            find_jobs(tmp_path),
            GaitPipeline(),
            scheduler="tcp://127.0.0.1:1",
            connect_timeout_s=1.0,
        )


def test_a_port_that_takes_the_connection_but_is_no_dask_scheduler_is_a_clear_error(
    tmp_path: Path,
) -> None:
    # like a Dask dashboard's HTTP port: the connection is taken, Dask's handshake never answered
    pytest.importorskip("distributed", reason="the 'cluster' extra is not installed")
    write_walking_csv(tmp_path / "a.csv", walk_s=10.0)
    errors: list[BaseException] = []

    def batch(address: str) -> None:
        try:
            run_batch(find_jobs(tmp_path), GaitPipeline(), scheduler=address, connect_timeout_s=1.0)
        except BaseException as error:
            errors.append(error)

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        # a daemon thread: without the connect timeout the batch would wait forever
        worker = threading.Thread(target=batch, args=(f"tcp://127.0.0.1:{port}",), daemon=True)
        worker.start()
        worker.join(timeout=30.0)
        assert not worker.is_alive(), "the batch still waits for the silent port"
    assert len(errors) == 1
    assert isinstance(errors[0], InputError)
    assert "no Dask scheduler answered within 1 s" in str(errors[0])


def _damaged_deflate_zip(path: Path) -> None:
    """A zip whose member's deflate stream is invalid (not a CRC mismatch: zlib fails)."""
    name = "TotalAcceleration.csv"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, "time,seconds_elapsed,z,y,x\n" + "1,0.0,1,2,3\n" * 5000)
    data = bytearray(path.read_bytes())
    start = 30 + len(name)  # the local header, then the compressed data
    data[start : start + 8] = b"\xff" * 8  # deflate block type 3: reserved, invalid
    path.write_bytes(bytes(data))


def test_one_damaged_file_of_each_kind_is_a_row_and_the_batch_goes_on(tmp_path: Path) -> None:
    write_walking_csv(tmp_path / "a.csv", walk_s=10.0)
    _damaged_deflate_zip(tmp_path / "export.zip")
    (tmp_path / "trial").mkdir()
    (tmp_path / "trial" / "data.mat").write_bytes(b"MATLAB 5.0")
    rows = run_batch(find_jobs(tmp_path), GaitPipeline(), workers=1)
    by_name = {Path(r["file"]).name: r for r in rows}
    assert by_name["a.csv"]["status"] == "ok"
    assert by_name["export.zip"]["status"] == "error"
    assert "cannot unpack the member" in by_name["export.zip"]["message"]
    assert by_name["data.mat"]["status"] == "error"
    assert "not a readable MATLAB file" in by_name["data.mat"]["message"]


def test_the_batch_cadence_is_steps_per_minute_of_the_bouts_unrounded(tmp_path: Path) -> None:
    write_walking_csv(tmp_path / "a.csv", walk_s=10.0)
    (row,) = run_batch(find_jobs(tmp_path), GaitPipeline(), workers=1)
    result = GaitPipeline().analyze(read_recording(tmp_path / "a.csv"))
    walking_s = sum(b.end_s - b.start_s for b in result.bouts)
    assert row["cadence_spm"] == round(60.0 * row["steps"] / walking_s, 1)
    # one direction: the same number the summary gives for it
    cadences = [d["cadence_spm"] for d in result.summary()["by_direction"].values() if d["bouts"]]
    assert cadences == [row["cadence_spm"]]


def test_a_results_cell_a_spreadsheet_would_run_as_a_formula_starts_with_an_apostrophe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # `gait batch .`: the file cells are the bare names
    write_walking_csv(tmp_path / "=HYPERLINK(1).csv", walk_s=10.0)
    rows = run_batch(find_jobs(Path(".")), GaitPipeline(), workers=1)
    write_rows(tmp_path / "results.csv", rows)
    with (tmp_path / "results.csv").open() as handle:
        (stored,) = list(csv.DictReader(handle))
    assert stored["file"] == "'=HYPERLINK(1).csv"
    assert stored["status"] == "ok"
    assert float(stored["walking_min"]) > 0


def test_an_earlier_batchs_results_in_the_folder_are_skipped_not_analysed(tmp_path: Path) -> None:
    write_walking_csv(tmp_path / "walk.csv", walk_s=10.0)
    write_rows(tmp_path / "old_results.csv", run_batch(find_jobs(tmp_path), GaitPipeline()))
    skipped = {job.path.name: job.skipped for job in find_jobs(tmp_path) if job.skipped}
    assert skipped == {"old_results.csv": "the results of an earlier retrowalk gait batch"}


def test_results_to_a_folder_or_under_a_file_are_refused_and_leave_nothing(
    tmp_path: Path,
) -> None:
    (tmp_path / "results").mkdir()
    (tmp_path / "plain.csv").write_text("x\n")
    with pytest.raises(InputError, match="is a folder"):
        write_rows(tmp_path / "results", [])
    with pytest.raises(InputError, match="cannot write the results"):
        write_rows(tmp_path / "plain.csv" / "results.csv", [])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.csv", "results"]


def test_a_plot_that_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    recording, _ = walking_recording(walk_s=5.0)
    result = GaitPipeline().analyze(recording)
    (tmp_path / "plain.csv").write_text("x\n")
    with pytest.raises(InputError, match="cannot write the plot"):
        plot_result(recording, result, tmp_path / "plain.csv" / "plot.svg")


def test_hidden_files_and_a_second_name_for_one_file_are_skipped_saying_why(
    tmp_path: Path,
) -> None:
    write_walking_csv(tmp_path / "walk.csv", walk_s=5.0)
    (tmp_path / "._walk.csv").write_bytes(b"\x00\x05\x16\x07 macOS resource fork")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    write_walking_csv(tmp_path / ".ipynb_checkpoints" / "walk-checkpoint.csv", walk_s=5.0)
    (tmp_path / "link.csv").symlink_to(tmp_path / "walk.csv")
    jobs = find_jobs(tmp_path)
    analysed = [str(job.path.relative_to(tmp_path)) for job in jobs if not job.skipped]
    assert analysed == ["walk.csv"] or analysed == ["link.csv"]
    skipped = {str(job.path.relative_to(tmp_path)): job.skipped for job in jobs if job.skipped}
    assert "hidden" in skipped["._walk.csv"]
    assert "hidden" in skipped[".ipynb_checkpoints/walk-checkpoint.csv"]
    assert len(skipped) == 3
    assert any("the same file as" in why for why in skipped.values())
