from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest

from retrowalk.errors import InputError
from retrowalk.gait.batch import find_jobs, run_batch, write_rows
from retrowalk.gait.pipeline import GaitPipeline
from retrowalk.gait.plot import plot_result

from .synthetic import walking_recording, write_walking_csv


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
    found = sorted(str(job.path.relative_to(tmp_path)) for job in find_jobs(tmp_path))
    assert found == ["2026-11-20_18-03-11/Accelerometer.csv", "phone.zip", "walk.csv"]


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
