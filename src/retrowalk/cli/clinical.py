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
import json
import os
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from retrowalk.cli.clinical_interactive import Asker, ask_plan_choices, ask_screening
from retrowalk.cli.clinical_render import render_decision, render_plan, render_screening
from retrowalk.domain.plan import Plan
from retrowalk.domain.prescription import prescribe
from retrowalk.domain.progression import apply_decision, decide_progression
from retrowalk.domain.screening import screen
from retrowalk.errors import InputError
from retrowalk.schemas.clinical import ProfileIn, ScreeningAnswersIn, SessionLogIn
from retrowalk.schemas.parsing import parse_json_text, validate


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", help="text (default) or json.", case_sensitive=False)
]


def register(app: typer.Typer) -> None:
    """Add ``screen``, ``plan`` and ``progress`` to the ``retrowalk`` app."""
    app.command("screen")(screen_command)
    app.command("plan")(plan_command)
    app.command("progress")(progress_command)


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def read_json_input(path: str, *, field: str) -> tuple[Any, str]:
    """Decode JSON from a file or ``-`` (standard input); errors name the file, line, column."""
    if path == "-":
        text, source = sys.stdin.read(), "<stdin>"
    else:
        try:
            text, source = Path(path).read_text(encoding="utf-8"), path
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            raise InputError(f"cannot read file: {reason}", field=field, source=path) from None
    return parse_json_text(text, source=source), source


def write_json_file(path: Path, data: Any) -> None:
    """Write JSON atomically: a failed write leaves any existing file as it was."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=directory, suffix=".tmp", delete=False
        ) as handle:
            json.dump(data, handle, indent=2, ensure_ascii=False)
            temporary = Path(handle.name)
        os.replace(temporary, path)
    except OSError as error:
        raise InputError(
            f"cannot write file: {error.strerror or error}", source=str(path)
        ) from None


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
            _echo_json(result.to_json())
        else:
            render_screening(_console(), result)
        return
    _interactive_screen(output_format)


def _interactive_screen(output_format: OutputFormat) -> None:
    prompts = Console(stderr=True, highlight=False, soft_wrap=True)
    asker = Asker(prompts)
    prompts.print(
        "retrowalk safety screening: answer each question (y/n or a number). "
        "This informs; it does not diagnose."
    )
    data = ask_screening(asker)
    answers_in = validate(ScreeningAnswersIn, data, source="<answers>")
    result = screen(answers_in.to_domain())
    console = _console()
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
        save_to = asker.text("Save the plan as JSON to a file (press Enter to skip):")
        if save_to:
            write_json_file(Path(save_to), plan.to_json())
            prompts.print(f"Plan saved to {escape(save_to)}.")
    if output_format is OutputFormat.json:
        document = result.to_json()
        if plan is not None:
            document["plan"] = plan.to_json()
        _echo_json(document)


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
        _echo_json(plan.to_json())
    else:
        render_plan(_console(), plan)


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
    decision = decide_progression(current, entries)
    if revised_plan is not None:
        write_json_file(revised_plan, apply_decision(current, decision).to_json())
    if output_format is OutputFormat.json:
        _echo_json(decision.to_json())
    else:
        render_decision(_console(), decision)
