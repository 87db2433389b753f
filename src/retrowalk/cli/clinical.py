"""``retrowalk screen``, ``retrowalk plan`` and ``retrowalk progress``: the clinical core's CLI.

- ``screen`` without ``--answers`` asks the screening questions one at a time, shows the
  decision and, when cleared, offers to build a plan straight away (the main job of the CLI).
  ``--answers FILE`` (or ``-`` for standard input) reads a JSON object instead.
- ``plan --profile FILE`` prints a dated plan; ``progress --plan FILE --log FILE`` decides the
  next session from a plan written by ``plan --format json`` and a JSON list of log entries;
  ``--revised-plan OUT`` also writes the plan revision with the decision applied.

Every command takes ``--format text|json`` (rich text by default). JSON shapes: docs/clinical.md.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from retrowalk.cli.clinical_interactive import Asker, ask_plan_choices, ask_screening
from retrowalk.cli.clinical_render import render_decision, render_plan, render_screening
from retrowalk.cli.json_io import (
    FormatOption,
    OutputFormat,
    echo_json,
    read_json_input,
    text_console,
    write_json_file,
)
from retrowalk.domain.plan import Plan
from retrowalk.domain.prescription import prescribe
from retrowalk.domain.progression import apply_decision, catch_up, decide_progression
from retrowalk.domain.screening import screen
from retrowalk.errors import InputError
from retrowalk.schemas.clinical import ProfileIn, ScreeningAnswersIn, SessionLogIn
from retrowalk.schemas.parsing import validate


def register(app: typer.Typer) -> None:
    """Add ``screen``, ``plan`` and ``progress`` to the ``retrowalk`` app."""
    app.command("screen")(screen_command)
    app.command("plan")(plan_command)
    app.command("progress")(progress_command)


def screen_command(
    answers: Annotated[
        str | None,
        typer.Option(
            "--answers",
            help="JSON file with the screening answers ('-' reads standard input). "
            "Without it, the questions are asked one at a time.",
        ),
    ] = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Safety screening before retro-walking: urgent, see a clinician, or cleared."""
    if answers is not None:
        data, source = read_json_input(answers, field="answers")
        result = screen(validate(ScreeningAnswersIn, data, source=source).to_domain())
        if output_format is OutputFormat.json:
            echo_json(result.to_json())
        else:
            render_screening(text_console(), result)
        return
    _interactive_screen(output_format)


def _interactive_screen(output_format: OutputFormat) -> None:
    prompts = text_console(stderr=True)
    try:
        _ask_and_answer(Asker(prompts), prompts, output_format)
    except KeyboardInterrupt:
        prompts.print("\nStopped: no answers were kept and nothing was saved.")
        raise typer.Exit(130) from None


def _ask_and_answer(asker: Asker, prompts: Console, output_format: OutputFormat) -> None:
    prompts.print(
        "retrowalk safety screening: answer each question (y/n or a number). "
        "This informs; it does not diagnose. Ctrl-C stops at any time."
    )
    data = ask_screening(asker)
    answers_in = validate(ScreeningAnswersIn, data, source="<answers>")
    result = screen(answers_in.to_domain())
    console = text_console()
    if output_format is OutputFormat.text:
        render_screening(console, result)
    plan: Plan | None = None
    if result.cleared and asker.yes_no("\nWould you like a plan now?", default=True):
        choices = ask_plan_choices(asker, dt.date.today())
        profile = validate(
            ProfileIn, {"screening_answers": data, **choices}, source="<answers>"
        ).to_domain()
        plan = prescribe(profile)
        if output_format is OutputFormat.text:
            console.print()
            render_plan(console, plan)
        _offer_to_save(asker, prompts, plan)
    if output_format is OutputFormat.json:
        document = result.to_json()
        if plan is not None:
            document["plan"] = plan.to_json()
        echo_json(document)


def _offer_to_save(asker: Asker, prompts: Console, plan: Plan) -> None:
    """Ask for a file name until the plan is saved or the person presses Enter."""
    while save_to := asker.text("Save the plan as JSON to a file (press Enter to skip):"):
        try:
            write_json_file(Path(save_to), plan.to_json())
        except InputError as error:
            prompts.print(f"  Not saved: {escape(error.problem)}. Type another file name.")
            continue
        prompts.print(f"Plan saved to {escape(save_to)}.")
        return


def plan_command(
    profile: Annotated[
        str, typer.Option("--profile", help="JSON profile file ('-' reads standard input).")
    ],
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Build a dated, week-by-week retro-walking plan (only after a 'cleared' screening)."""
    data, source = read_json_input(profile, field="profile")
    plan = prescribe(validate(ProfileIn, data, source=source).to_domain())
    if output_format is OutputFormat.json:
        echo_json(plan.to_json())
    else:
        render_plan(text_console(), plan)


def progress_command(
    plan: Annotated[
        str, typer.Option("--plan", help="Plan JSON written by 'retrowalk plan --format json'.")
    ],
    log: Annotated[
        str, typer.Option("--log", help="JSON list of session log entries ('-': stdin).")
    ],
    revised_plan: Annotated[
        Path | None,
        typer.Option("--revised-plan", help="Also write the revised plan (JSON) to this file."),
    ] = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Decide the next session after the sessions logged so far: progress, repeat, reduce or
    pause."""
    if plan == "-" and log == "-":
        raise InputError("only one of --plan and --log can read standard input", field="plan")
    plan_data, plan_source = read_json_input(plan, field="plan")
    current = Plan.from_json(plan_data, source=plan_source)
    log_data, log_source = read_json_input(log, field="log")
    entries = validate(SessionLogIn, log_data, source=log_source).to_domain()
    if not entries:
        raise InputError("the log has no entries yet: nothing to decide", source=log_source)
    try:
        decision = decide_progression(current, entries)
    except InputError as error:
        raise InputError(error.problem, field=error.field, source=log_source) from None
    caught_up = catch_up(current, entries)
    if revised_plan is not None:
        write_json_file(revised_plan, apply_decision(caught_up, decision).to_json())
    if output_format is OutputFormat.json:
        echo_json(decision.to_json())
    else:
        render_decision(text_console(), decision)
