"""Analyse a folder of recordings in parallel: local processes, or a Dask cluster.

Each file becomes one row (or one row per trial of a Mobilise-D ``.mat``, whatever its name);
a phone app's ``.zip`` export is one file, and so is an unpacked Sensor Logger export folder
(its acceleration file stands for it; any other recording in that folder is a row of its own).
A file that cannot be read becomes a row with its error message, so one bad file never stops
a batch. A candidate file that is not a recording (a Sensor Logger export's other files, a
``.mat`` without Mobilise-D recordings such as ``infoForAlgo.mat``) is a ``skipped`` row that
says why: nothing is left out silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from retrowalk.errors import InputError, RetrowalkError
from retrowalk.exchange.csv_export import escape_cell
from retrowalk.gait.io import list_mobilised_trials, read_recording
from retrowalk.gait.io.mobilised import holds_mobilised_data
from retrowalk.gait.io.sensor_logger import METADATA, sensor_logger_file
from retrowalk.gait.io.table import read_header_line
from retrowalk.gait.pipeline import GaitPipeline

RECORDING_SUFFIXES = (".csv", ".mat", ".zip")
COLUMNS = (
    "file",
    "trial",
    "status",
    "message",
    "sampling_rate_hz",
    "duration_min",
    "walking_min",
    "bouts",
    "steps",
    "backward_min",
    "backward_steps",
    "forward_min",
    "forward_steps",
    "unknown_min",
    "cadence_spm",
    "speed_m_s",
    "turns",
    "direction_reference",
    "notes",
)


@dataclass(frozen=True)
class Job:
    path: Path
    trial: str | None
    skipped: str = ""
    """Why this file is not analysed (its row says so, status ``skipped``); empty for a
    recording."""


def find_jobs(folder: Path, *, results: Path | None = None) -> list[Job]:
    """Every candidate file under ``folder``: the recordings, and the files that are not
    recordings with why (so the results list every file that could have been one).
    ``results``: this batch's results file, skipped when it lies in the folder (as is any
    earlier batch's results file there)."""
    if not folder.is_dir():
        raise InputError("not a folder", source=str(folder))
    results_file = None if results is None else results.resolve()
    jobs: list[Job] = []
    exports: dict[Path, Path | None] = {}  # folder -> its Sensor Logger acceleration file
    seen: dict[Path, Path] = {}  # a real file -> the first name it was found under
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in RECORDING_SUFFIXES):
        hidden = [part for part in path.relative_to(folder).parts if part.startswith(".")]
        if hidden:
            # macOS "._" companions, editor and notebook checkpoints: never a recording of its own
            jobs.append(Job(path, None, f"hidden ({hidden[0]}): not analysed"))
            continue
        real = path.resolve()
        if real in seen:
            jobs.append(Job(path, None, f"the same file as {seen[real]} (a link)"))
            continue
        seen[real] = path
        if path.parent not in exports:
            exports[path.parent] = sensor_logger_file(path.parent)
        export = exports[path.parent]
        suffix = path.suffix.lower()
        if results_file is not None and real == results_file:
            jobs.append(Job(path, None, "the results file of this batch (--out)"))
        elif suffix == ".csv" and _is_batch_results(path):
            jobs.append(Job(path, None, "the results of an earlier retrowalk gait batch"))
        elif suffix == ".csv" and export is not None and path != export and _in_export(path):
            # an unpacked Sensor Logger export is one recording: its acceleration file (the
            # reader adds gravity, gyroscope and metadata from beside it), not one per sensor
            reason = f"part of the Sensor Logger export read as {export.name}"
            jobs.append(Job(path, None, reason))
        elif suffix == ".mat":
            jobs.extend(_mat_jobs(path))
        else:
            jobs.append(Job(path, None))
    return jobs


def _is_batch_results(path: Path) -> bool:
    """A CSV written by :func:`write_rows` (its header starts with the batch's columns)."""
    try:
        header = read_header_line(path)
    except OSError:
        return False  # the analysis reports why it cannot be read
    return header.split(",")[:4] == list(COLUMNS[:4])


def _in_export(path: Path) -> bool:
    """A file of a Sensor Logger export: its metadata, or a sensor's table (Sensor Logger's
    ``time,seconds_elapsed,...`` columns); any other CSV beside it is a recording of its own."""
    if path.name.lower() == METADATA.lower():
        return True
    try:
        header = read_header_line(path)
    except OSError:
        return False  # the analysis reports why it cannot be read
    return "seconds_elapsed" in {c.strip().strip('"') for c in header.split(",")}


def _mat_jobs(path: Path) -> list[Job]:
    """One job per trial of a Mobilise-D ``.mat`` (any name); a MATLAB file without
    Mobilise-D recordings is skipped, and an unreadable one is a job whose row says why."""
    try:
        if not holds_mobilised_data(path):
            return [
                Job(
                    path,
                    None,
                    "a MATLAB file without Mobilise-D recordings (no 'data' struct), e.g. a "
                    "participant's infoForAlgo.mat",
                )
            ]
        trials = list_mobilised_trials(path)
    except RetrowalkError:
        trials = []
    return [Job(path, t) for t in trials] if trials else [Job(path, None)]


def analyze_job(job: Job, pipeline: GaitPipeline) -> dict[str, Any]:
    """One CSV row; never raises for a bad recording (the row says what went wrong)."""
    row: dict[str, Any] = dict.fromkeys(COLUMNS, "")
    row["file"] = str(job.path)
    row["trial"] = job.trial or ""
    if job.skipped:
        row["status"] = "skipped"
        row["message"] = job.skipped
        return row
    try:
        recording = read_recording(job.path, trial=job.trial)
        result = pipeline.analyze(recording)
    except RetrowalkError as error:
        row["status"] = "error"
        row["message"] = str(error)
        return row
    summary = result.summary()
    steps = summary["steps"]
    walking_min = summary["walking_min"]
    # from the bouts themselves: walking_min is rounded (10 steps / 0.10 min gave 100 for 96.8)
    walking_s = sum(b.end_s - b.start_s for b in result.bouts)
    speeds = [b.parameters.speed_m_s for b in result.bouts]
    finite = [s for s in speeds if s == s]
    row.update(
        status="ok" if result.bouts else "no walking",
        message=result.message,
        sampling_rate_hz=result.sampling_rate_hz,
        duration_min=summary["duration_min"],
        walking_min=walking_min,
        bouts=summary["bouts"],
        steps=steps,
        backward_min=summary["backward_min"],
        backward_steps=summary["backward_steps"],
        forward_min=summary["forward_min"],
        forward_steps=summary["forward_steps"],
        unknown_min=summary["by_direction"]["unknown"]["minutes"],
        cadence_spm=round(60.0 * steps / walking_s, 1) if walking_s > 0 else "",
        speed_m_s=round(sum(finite) / len(finite), 3) if finite else "",
        turns=summary["turns"],
        direction_reference=_reference_cell(result.algorithm),
        notes="; ".join(summary["notes"]),
    )
    return row


def _reference_cell(algorithm: dict[str, Any]) -> str:
    """How directions were judged: "first bout 4.1-11.2 s", "none", or why the first bout
    could not serve as the forward reference."""
    block = algorithm.get("direction_reference")
    if block is None:
        return "direction off"
    if block["mode"] == "none" or "bout_start_s" not in block:
        return str(block["mode"])
    if block.get("settings") is None:
        return f"first bout unusable ({block.get('problem', '')}): reference-free"
    return f"first bout {block['bout_start_s']:.1f}-{block['bout_end_s']:.1f} s"


def run_batch(
    jobs: list[Job],
    pipeline: GaitPipeline,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    on_done: Callable[[dict[str, Any]], None] | None = None,
    connect_timeout_s: float = 10.0,
) -> list[dict[str, Any]]:
    """Rows in the order of ``jobs``; ``on_done`` is called as each job finishes."""
    rows: dict[int, dict[str, Any]] = {}
    todo = [i for i, job in enumerate(jobs) if not job.skipped]
    for index, job in enumerate(jobs):
        if job.skipped:  # its row says why; no worker needed
            rows[index] = analyze_job(job, pipeline)
            if on_done is not None:
                on_done(rows[index])
    for position, row in _execute(
        [jobs[i] for i in todo],
        pipeline,
        workers=workers,
        scheduler=scheduler,
        timeout_s=connect_timeout_s,
    ):
        rows[todo[position]] = row
        if on_done is not None:
            on_done(row)
    return [rows[i] for i in range(len(jobs))]


def _execute(
    jobs: list[Job],
    pipeline: GaitPipeline,
    *,
    workers: int | None,
    scheduler: str | None,
    timeout_s: float,
) -> Iterator[tuple[int, dict[str, Any]]]:
    if not jobs:
        return
    if scheduler is not None:
        yield from _execute_dask(jobs, pipeline, scheduler, timeout_s)
        return
    # never more processes than jobs or cores: each one is a whole Python with numpy
    count = min(workers or os.cpu_count() or 1, len(jobs), os.cpu_count() or 1)
    if count == 1:
        for index, job in enumerate(jobs):
            yield index, analyze_job(job, pipeline)
        return
    with ProcessPoolExecutor(max_workers=count) as pool:
        futures: dict[Future[dict[str, Any]], int] = {
            pool.submit(analyze_job, job, pipeline): i for i, job in enumerate(jobs)
        }
        for future in as_completed(futures):
            yield futures[future], future.result()


def _execute_dask(
    jobs: list[Job], pipeline: GaitPipeline, scheduler: str, timeout_s: float
) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as error:
        raise InputError(
            "a Dask scheduler needs the 'cluster' extra: pip install 'retrowalk[cluster]'",
            field="scheduler",
        ) from error
    _check_scheduler(scheduler, timeout_s)
    try:
        client = Client(scheduler, timeout=f"{timeout_s}s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as error:
        raise InputError(
            f"cannot reach the Dask scheduler at {scheduler}: {error}", field="scheduler"
        ) from None
    try:
        futures = [client.submit(analyze_job, job, pipeline, pure=False) for job in jobs]
        index_of = {future.key: i for i, future in enumerate(futures)}
        for future in dask_completed(futures):  # type: ignore[no-untyped-call]
            yield index_of[future.key], future.result()
    finally:
        client.close()  # type: ignore[no-untyped-call]


def _check_scheduler(address: str, timeout_s: float) -> None:
    """Ask the service at ``address`` who it is, within ``timeout_s`` in all, before a Dask
    client connects: a port where something else listens (a Dask dashboard's HTTP port) takes
    the connection but never answers Dask's handshake, and the client then waits forever
    despite its own timeout."""
    from distributed.comm.core import connect

    async def identity() -> object:
        comm = await connect(address, timeout=timeout_s)  # type: ignore[no-untyped-call]
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    try:
        answer = asyncio.run(asyncio.wait_for(identity(), timeout_s))
    except TimeoutError:
        raise InputError(
            f"cannot reach the Dask scheduler at {address}: no Dask scheduler answered within "
            f"{timeout_s:g} s (is it the dashboard's or another service's port? a scheduler "
            "listens on 8786 by default)",
            field="scheduler",
        ) from None
    except Exception as error:  # whatever a foreign service's answer makes the client raise
        raise InputError(
            f"cannot reach the Dask scheduler at {address}: {error or type(error).__name__}",
            field="scheduler",
        ) from None
    if not (isinstance(answer, dict) and answer.get("type") == "Scheduler"):
        raise InputError(f"the service at {address} is not a Dask scheduler", field="scheduler")


def check_results_path(path: Path) -> None:
    """Refuse a results file that cannot be written BEFORE the batch starts, not after hours
    of analysis: its folder is created (as :func:`write_rows` would) and its temporary file
    opened and removed; an existing results file is left as it is."""
    _through_temporary(path, None)


def _temporary(path: Path) -> Path:
    return path.with_suffix(path.suffix + ".tmp")


def _through_temporary(path: Path, fill: Callable[[TextIO], None] | None) -> None:
    """Write ``fill`` into a temporary file beside ``path`` and move it into place; with
    ``fill=None`` only show that it could be (the temporary file is removed). A failure leaves
    any earlier results file as it was and no temporary file behind."""
    if path.is_dir():
        raise InputError("is a folder: give a file name for the results", source=str(path))
    tmp = _temporary(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            if fill is not None:
                fill(handle)
        if fill is None:
            tmp.unlink()
        else:
            tmp.replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise InputError(
            f"cannot write the results: {error.strerror or error}", source=str(path)
        ) from None


def write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write all rows at once to a temporary file, then move it into place (a failed write
    leaves any earlier results file as it was, and no temporary file behind). A text cell that
    a spreadsheet would run as a formula gets a leading apostrophe
    (:func:`retrowalk.exchange.csv_export.escape_cell`)."""

    def fill(handle: TextIO) -> None:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        # text cells (a file named "=HYPERLINK(1).csv", a message quoting it) made inert in
        # spreadsheets, as every CSV export of the app; numbers stay numbers
        writer.writerows(
            {k: escape_cell(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows
        )

    _through_temporary(path, fill)
