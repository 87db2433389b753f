"""``retrowalk gait``: analyse IMU recordings (one file, or a folder in parallel)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from retrowalk.cli import gait_attenuation
from retrowalk.errors import InputError
from retrowalk.gait.batch import check_results_path, find_jobs, run_batch, write_rows
from retrowalk.gait.io import ColumnMapping, read_recording
from retrowalk.gait.io.detect import FileFormat, detect_format
from retrowalk.gait.io.stream import RetrowalkCsvStream, is_large_retrowalk_csv
from retrowalk.gait.pipeline import (
    REFERENCE_MODES,
    GaitPipeline,
    GaitResult,
    PlannedSession,
    ReferenceMode,
)

gait_app = typer.Typer(
    help="Gait analysis of phone and wearable recordings (steps, bouts, direction).",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


gait_attenuation.register(gait_app)


def register(app: typer.Typer) -> None:
    app.add_typer(gait_app, name="gait")


REFERENCE_HELP = (
    "first-bout (default): the first walking bout is taken as FORWARD walking (a guided "
    "session's warm-up) and every bout is judged against it; assumes the sensor does not rotate "
    "relative to the trunk during the recording. A recording that does not start with forward "
    "walking needs 'none' (each bout judged on its own, less accurate)."
)
ANALYZE_REFERENCE_HELP = (
    "warm-up (the default with --planned-warmup-min): the walking in the planned forward "
    "warm-up, from the first walking bout, is the FORWARD reference; first-bout (the default "
    "otherwise): the first walking bout is; none: each bout judged on its own (less accurate, "
    "for recordings that do not start with forward walking). Assumes the sensor does not rotate "
    "relative to the trunk during the recording."
)


def _reference_mode(reference: str) -> ReferenceMode:
    for mode in REFERENCE_MODES:
        if reference == mode:
            return mode
    raise InputError(
        f"unknown reference '{reference}' ({', '.join(REFERENCE_MODES)})", field="reference"
    )


def _plan(
    planned_backward_min: float | None,
    planned_warmup_min: float | None = None,
    planned_forward_min: float | None = None,
) -> PlannedSession | None:
    """The planned session of the plan options (the forward minutes default to the warm-up)."""
    if planned_backward_min is None:
        for name, value in (
            ("planned_warmup_min", planned_warmup_min),
            ("planned_forward_min", planned_forward_min),
        ):
            if value is not None:
                raise InputError(
                    f"--{name.replace('_', '-')} needs --planned-backward-min (the plan "
                    "comparison is about backward minutes)",
                    field="planned_backward_min",
                )
        return None
    warmup = 0.0 if planned_warmup_min is None else planned_warmup_min
    forward = warmup if planned_forward_min is None else planned_forward_min
    fields = {
        "backward_min": "planned_backward_min",
        "forward_min": "planned_forward_min",
        "warmup_forward_min": "planned_warmup_min",
    }
    try:
        return PlannedSession(
            backward_min=planned_backward_min, forward_min=forward, warmup_forward_min=warmup
        )
    except InputError as error:  # name the option the user typed
        raise InputError(error.problem, field=fields.get(error.field or "", error.field)) from None


def _pipeline(
    sensor_height_m: float | None,
    preset: str,
    plan: PlannedSession | None,
    reference: str | None = "first-bout",
) -> GaitPipeline:
    if reference is None:  # the default: the planned warm-up when there is one
        warmup = plan is not None and plan.warmup_forward_min > 0
        reference = "warm-up" if warmup else "first-bout"
    mode = _reference_mode(reference)
    if mode == "warm-up" and (plan is None or plan.warmup_forward_min <= 0):
        raise InputError(
            "--reference warm-up needs the planned warm-up: --planned-warmup-min (and "
            "--planned-backward-min)",
            field="planned_warmup_min",
        )
    if preset == "default":
        pipeline = GaitPipeline(sensor_height_m=sensor_height_m, reference=mode)
    elif preset == "backward":
        pipeline = GaitPipeline.backward_walking(sensor_height_m=sensor_height_m, reference=mode)
    else:
        raise InputError(f"unknown preset '{preset}' (default, backward)", field="preset")
    return pipeline.with_plan(plan)


@gait_app.command("analyze")
def analyze(
    file: Annotated[
        Path,
        typer.Argument(
            help="Recording: retrowalk/Sensor Logger/phyphox CSV, an app's .zip export or data.mat"
        ),
    ],
    output_format: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    plot: Annotated[Path | None, typer.Option("--plot", help="Write a plot (.svg or .png)")] = None,
    sensor_height_m: Annotated[
        float | None,
        typer.Option("--sensor-height-m", help="Sensor height above ground (m), for step length"),
    ] = None,
    trial: Annotated[
        str | None,
        typer.Option("--trial", help="Trial of a data.mat, e.g. TimeMeasure1/Test11/Trial1"),
    ] = None,
    columns: Annotated[
        Path | None, typer.Option("--columns", help="JSON column mapping for a generic CSV")
    ] = None,
    preset: Annotated[str, typer.Option("--preset", help="default or backward")] = "default",
    planned_backward_min: Annotated[
        float | None,
        typer.Option("--planned-backward-min", help="Planned minutes of backward walking"),
    ] = None,
    planned_warmup_min: Annotated[
        float | None,
        typer.Option(
            "--planned-warmup-min",
            help="Planned forward warm-up at the start (minutes): its walking is the direction "
            "reference, and the summary compares it with what was walked",
        ),
    ] = None,
    planned_forward_min: Annotated[
        float | None,
        typer.Option(
            "--planned-forward-min",
            help="All planned forward minutes (warm-up, breaks, cool-down); default: the warm-up",
        ),
    ] = None,
    reference: Annotated[
        str | None,
        typer.Option("--reference", help="warm-up, first-bout or none. " + ANALYZE_REFERENCE_HELP),
    ] = None,
) -> None:
    """Analyse one recording: bouts, steps, cadence, speed, direction.

    Direction: the recording must start with forward walking (the warm-up of a guided session);
    with --planned-warmup-min the walking in that warm-up is the forward reference, otherwise
    the first walking bout; use --reference none for a recording that does not start that way.
    """
    if output_format not in ("text", "json"):
        raise InputError("must be 'text' or 'json'", field="format")
    plan = _plan(planned_backward_min, planned_warmup_min, planned_forward_min)
    pipeline = _pipeline(sensor_height_m, preset, plan, reference)
    mapping = ColumnMapping.from_json_file(columns) if columns is not None else None
    has_trials = mapping is None and detect_format(file) is FileFormat.MOBILISED_MAT
    if trial is not None and not has_trials:
        raise InputError(
            "--trial chooses a trial of a Mobilise-D data.mat; this file has no trials",
            field="trial",
        )
    if mapping is None and is_large_retrowalk_csv(file):
        if plot is not None:
            raise InputError(
                "--plot is not available for recordings over 256 MiB (analysed in chunks)",
                field="plot",
            )
        with RetrowalkCsvStream(file) as stream:
            result = pipeline.analyze_long(
                stream.read_segment, stream.duration_s(), source=str(file)
            )
    else:
        recording = read_recording(file, mapping=mapping, trial=trial)
        result = pipeline.analyze(recording)
        if plot is not None:
            from retrowalk.gait.plot import plot_result

            plot_result(recording, result, plot)
    if output_format == "json":
        typer.echo(json.dumps(result.as_dict(), indent=2))
    else:
        _print_text(result)
    if plot is not None and output_format == "text":
        typer.echo(f"plot written to {plot}")


def _print_text(result: GaitResult) -> None:
    summary = result.summary()
    echo = typer.echo
    echo(f"{result.source}: {summary['duration_min']:.1f} min at {result.sampling_rate_hz:g} Hz")
    if not result.bouts:
        echo(summary["message"])
    else:
        echo(
            f"walking {summary['walking_min']:.2f} min in {summary['bouts']} bouts, "
            f"{summary['steps']} steps, {summary['turns']} turns"
        )
        for direction in ("backward", "forward", "unknown"):
            part = summary["by_direction"][direction]
            if part["bouts"]:
                echo(
                    f"  {direction:<8} {part['minutes']:6.2f} min {part['steps']:6d} steps "
                    f"cadence {_fmt(part['cadence_spm'], 1)} steps/min "
                    f"speed {_fmt(part['speed_m_s'], 2)} m/s"
                )
        echo("bouts:")
        for bout in result.bouts:
            d = bout.as_dict()
            why = f"  ({d['direction_reason']})" if d["direction_reason"] else ""
            echo(
                f"  {d['start_s']:8.2f}-{d['end_s']:8.2f} s  {d['direction']:<8} "
                f"({d['direction_confidence']:.2f})  {d['steps']:4d} steps  "
                f"{_fmt(d['cadence_spm'], 1):>5} steps/min  step {_fmt(d['step_length_m'], 2)} m  "
                f"{_fmt(d['speed_m_s'], 2)} m/s{why}"
            )
    reference = result.algorithm.get("direction_reference")
    if result.bouts and reference is not None and reference.get("settings"):
        if reference.get("source") == "warm-up":
            echo(f"direction judged against the forward warm-up: {reference['why']}")
        else:
            echo(
                f"direction judged against the first bout ({reference['bout_start_s']:.1f}-"
                f"{reference['bout_end_s']:.1f} s) taken as forward walking"
            )
    plan = summary.get("plan")
    if plan:
        echo(
            f"plan: {plan['planned_backward_min']:g} min backward, walked "
            f"{plan['walked_backward_min']:.2f} min (short by {plan['backward_shortfall_min']:.2f})"
        )
        if plan["planned_warmup_forward_min"]:
            echo(
                f"plan: {plan['planned_warmup_forward_min']:g} min forward warm-up, walked "
                f"{plan['walked_warmup_forward_min']:.2f} min forward in it"
            )
    for note in summary["notes"]:
        echo(f"note: {note}")


def _fmt(value: Any, digits: int) -> str:
    """``value`` with ``digits`` decimals (a column of bouts lines up), or "-" when missing."""
    return "-" if value is None else f"{value:.{digits}f}"


@gait_app.command("batch")
def batch(
    folder: Annotated[Path, typer.Argument(help="Folder with recordings (searched recursively)")],
    out: Annotated[Path, typer.Option("--out", help="CSV file for the results")],
    sensor_height_m: Annotated[
        float | None, typer.Option("--sensor-height-m", help="Sensor height above ground (m)")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Local processes (default: all cores)")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786")
    ] = None,
    preset: Annotated[str, typer.Option("--preset", help="default or backward")] = "default",
    reference: Annotated[
        str, typer.Option("--reference", help="first-bout or none. " + REFERENCE_HELP)
    ] = "first-bout",
) -> None:
    """Analyse every recording in a folder, in parallel, into one CSV.

    Direction: by default each recording's first walking bout must be forward walking; use
    --reference none for recordings that do not start that way.
    """
    if workers is not None and workers < 1:
        raise InputError("must be at least 1", field="workers")
    if reference == "warm-up":
        raise InputError(
            "batch has no planned session, so no warm-up: use first-bout or none",
            field="reference",
        )
    pipeline = _pipeline(sensor_height_m, preset, None, reference)
    if not folder.is_dir():
        raise InputError("not a folder", source=str(folder))
    check_results_path(out)  # before the analysis, not after it
    jobs = find_jobs(folder, results=out)
    skipped = [job for job in jobs if job.skipped]
    if len(skipped) == len(jobs):
        why = "".join(f"; skipped {job.path}: {job.skipped}" for job in skipped)
        raise InputError(f"no recordings (.csv, .mat or .zip) found{why}", source=str(folder))
    console = Console(stderr=True)
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal and os.environ.get("RETROWALK_PROGRESS") != "1",
    ) as progress:
        task = progress.add_task("analysing", total=len(jobs))
        rows = run_batch(
            jobs,
            pipeline,
            workers=workers,
            scheduler=scheduler,
            on_done=lambda _row: progress.advance(task),
        )
    write_rows(out, rows)
    for job in skipped:
        typer.echo(f"skipped {job.path}: {job.skipped}")
    failed = sum(1 for r in rows if r["status"] == "error")
    also = f", {len(skipped)} files skipped (listed above and in the results)" if skipped else ""
    typer.echo(
        f"{len(rows) - len(skipped)} recordings analysed ({failed} failed){also}; results in {out}"
    )
