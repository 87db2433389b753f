"""``retrowalk score``, ``retrowalk compare`` and ``retrowalk energy``: outcome scores, change
over time and session energy, as rich text (default) or JSON (``--format json``).

Answer files are ``{"items": [...]}`` with one value per item in the published order (``null``
where unanswered); ``-`` reads standard input. Licensed ODI statements may be supplied with
``--odi-text FILE`` or ``RETROWALK_ODI_TEXT`` (see ``docs/outcomes.md``).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from retrowalk.cli.json_io import (
    FormatOption,
    OutputFormat,
    echo_json,
    read_input_text,
    text_console,
)
from retrowalk.domain.change import ChangeResult, compare, describe_rule
from retrowalk.domain.energy import EnergyEstimate, compare_directions, estimate_session_energy
from retrowalk.domain.instruments import (
    Instrument,
    MeaningfulChange,
    ScoreResult,
    Source,
    get_instrument,
    list_instruments,
)
from retrowalk.domain.instruments.odi_text import OdiText
from retrowalk.errors import InputError
from retrowalk.schemas.outcomes import read_answers, read_odi_text


class DirectionChoice(StrEnum):
    forward = "forward"
    backward = "backward"
    both = "both"


def register(app: typer.Typer) -> None:
    """Add the outcome commands to the ``retrowalk`` app."""
    app.command("score")(score_command)
    app.command("compare")(compare_command)
    app.command("energy")(energy_command)


def score_command(
    instrument: Annotated[
        str | None, typer.Argument(help="Instrument id (see --list).", show_default=False)
    ] = None,
    answers: Annotated[
        str | None,
        typer.Option("--answers", help='JSON file {"items": [...]}, or - for standard input.'),
    ] = None,
    list_all: Annotated[bool, typer.Option("--list", help="List the instruments.")] = False,
    odi_text: Annotated[
        Path | None,
        typer.Option(
            "--odi-text",
            envvar="RETROWALK_ODI_TEXT",
            help="Licensed ODI v2.1a statements (JSON) to show next to the section scores.",
        ),
    ] = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Score one response to an outcome instrument, or list the instruments."""
    if list_all:
        _emit_list(output_format)
        return
    if instrument is None:
        raise InputError(
            "name an instrument (retrowalk score --list shows them)", field="INSTRUMENT"
        )
    definition = get_instrument(instrument)
    if answers is None:
        raise InputError("--answers FILE (or - for standard input) is required", field="--answers")
    result = _score_file(definition.id, answers)
    licensed = _load_odi_text(odi_text) if definition.id == "odi" and odi_text else None
    if output_format is OutputFormat.json:
        echo_json(result.to_json())
    else:
        _print_score(definition, result, licensed)


def compare_command(
    instrument: Annotated[str, typer.Argument(help="Instrument id (see retrowalk score --list).")],
    baseline: Annotated[
        str, typer.Option("--baseline", help="Baseline answers file, or - for standard input.")
    ],
    follow_up: Annotated[
        str, typer.Option("--follow-up", help="Follow-up answers file, or - for standard input.")
    ],
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Compare a baseline with a follow-up: change, percent change, meaningful change."""
    definition = get_instrument(instrument)
    if baseline == "-" and follow_up == "-":
        raise InputError("only one of --baseline and --follow-up can read standard input")
    before = _score_file(definition.id, baseline, field="baseline")
    after = _score_file(definition.id, follow_up, field="follow_up")
    change = compare(definition.id, before, after)
    if output_format is OutputFormat.json:
        echo_json(
            {
                **change.to_json(),
                "baseline_result": before.to_json(),
                "follow_up_result": after.to_json(),
            }
        )
    else:
        _print_change(definition, before, after, change)


def energy_command(
    speed_kmh: Annotated[float, typer.Option("--speed-kmh", help="Walking speed, km/h.")],
    minutes: Annotated[float, typer.Option("--minutes", help="Session length, minutes.")],
    weight_kg: Annotated[float, typer.Option("--weight-kg", help="Body mass, kg.")],
    grade_percent: Annotated[
        float, typer.Option("--grade-percent", help="Treadmill grade, % (0 = level).")
    ] = 0.0,
    direction: Annotated[
        DirectionChoice,
        typer.Option(
            "--direction", help="forward, backward, or both side by side.", case_sensitive=False
        ),
    ] = DirectionChoice.both,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Estimate MET and gross/net kcal of a walking session, forward and/or backward."""
    session: dict[str, float] = {
        "speed_kmh": speed_kmh,
        "grade_percent": grade_percent,
        "minutes": minutes,
        "weight_kg": weight_kg,
    }
    if direction is DirectionChoice.both:
        both = compare_directions(**session)
        if output_format is OutputFormat.json:
            echo_json(both.to_json())
        else:
            _print_energy([both.forward, both.backward], both.backward_to_forward_ratio)
        return
    estimate = estimate_session_energy(
        **session, direction="forward" if direction is DirectionChoice.forward else "backward"
    )
    if output_format is OutputFormat.json:
        echo_json(estimate.to_json())
    else:
        _print_energy([estimate], None)


# -- reading ---------------------------------------------------------------------------------


def _score_file(instrument_id: str, path: str, *, field: str = "answers") -> ScoreResult:
    text, source = read_input_text(path, field=field)
    label = source if field == "answers" else f"{field.replace('_', '-')} {source}"
    return read_answers(text, source=label).score(instrument_id, source=label)


def _load_odi_text(path: Path) -> OdiText:
    text, source = read_input_text(str(path), field="odi_text")
    return read_odi_text(text, source=source)


# -- output ----------------------------------------------------------------------------------


def _emit_list(output_format: OutputFormat) -> None:
    instruments = list_instruments()
    if output_format is OutputFormat.json:
        echo_json([instrument.to_json() for instrument in instruments])
        return
    table = Table(
        title="Outcome instruments",
        caption="Thresholds in full, LOINC codes and sources: retrowalk score --list --format json",
    )
    table.add_column("id", no_wrap=True)  # the id is what a person types: never cut it short
    for column in ("name", "items", "score", "better", "meaningful change"):
        table.add_column(column, overflow="fold")
    for instrument in instruments:
        low, high = instrument.score_range
        items = (
            str(instrument.item_count)
            if instrument.fewest_items == instrument.item_count
            else f"{instrument.fewest_items}-{instrument.item_count}"
        )
        change = instrument.meaningful_change
        table.add_row(
            instrument.id,
            escape(instrument.name),
            items,
            f"{low:g}-{high:g} {instrument.score_unit}",
            "higher" if instrument.higher_is_better else "lower",
            _short_rule(change, instrument.score_unit) if change else "-",
        )
    text_console().print(table)


def _short_rule(change: MeaningfulChange, unit: str) -> str:
    """``MIC 10 pts or 30 %`` / ``MDC 90 % 2 points``: the threshold in a narrow table cell."""
    kind = change.kind.split(" (")[0]
    parts = []
    if change.absolute is not None:
        parts.append(f"{change.absolute:g} {'pts' if unit == '%' else unit}")
    if change.percent is not None:
        parts.append(f"{change.percent:g} %")
    provisional = " (provisional)" if change.source.provisional else ""
    return f"{kind} {' or '.join(parts)}{provisional}"


def _sources_lines(sources: tuple[Source, ...]) -> list[str]:
    lines = []
    for source in sources:
        mark = " (provisional)" if source.provisional else ""
        lines.append(f"  - [{source.status}]{mark} {source.citation}")
    return lines


def _print_score(instrument: Instrument, result: ScoreResult, licensed: OdiText | None) -> None:
    console = text_console()
    low, high = result.score_range
    console.print(f"[bold]{escape(instrument.name)}[/] ({escape(instrument.version)})")
    line = f"Score: [bold]{result.rounded_score:g} {result.score_unit}[/] (range {low:g}-{high:g})"
    if result.band:
        line += f"  band: [bold]{escape(result.band)}[/]"
    if result.risk_group:
        line += f"  risk group: [bold]{result.risk_group}[/]  distress subscore: {result.subscore}"
    console.print(line)
    console.print(
        f"Answered {result.answered_items} of {len(result.items)} items"
        + (f" ({result.missing_items} unanswered)" if result.missing_items else "")
    )
    table = Table(show_header=True)
    table.add_column("#", justify="right")
    table.add_column("item")
    table.add_column("answer", justify="right")
    if licensed is not None:
        table.add_column("statement (licensed text)")
    for spec, value in zip(instrument.items, result.items, strict=False):
        answer = "-" if value is None else f"{value:g}"
        if spec.options and value is not None:
            answer += f" ({spec.options[int(value)]})"
        row = [str(spec.number), escape(spec.name), escape(answer)]
        if licensed is not None:
            row.append("" if value is None else escape(licensed.statement(spec.number, int(value))))
        table.add_row(*row)
    console.print(table)
    if licensed is not None:
        console.print(f"ODI text licensed: {escape(licensed.licence)}")
    elif not instrument.licence.item_text_shippable:
        console.print(f"Item text not shown: {escape(instrument.licence.note)}")
    if instrument.meaningful_change:
        rule = describe_rule(instrument.meaningful_change, instrument.score_unit)
        console.print(f"Meaningful change: {escape(rule)}")
    for note in (*result.notes, *instrument.notes):
        console.print(f"Note: {escape(note)}")
    console.print("Sources:")
    for source_line in _sources_lines(result.sources):
        console.print(escape(source_line))


def _print_change(
    instrument: Instrument, before: ScoreResult, after: ScoreResult, change: ChangeResult
) -> None:
    console = text_console()
    unit = instrument.score_unit
    change_unit = "percentage points" if unit == "%" else unit
    console.print(f"[bold]{escape(instrument.name)}[/]: baseline vs follow-up")
    console.print(
        f"Baseline {before.rounded_score:g} {unit} -> follow-up {after.rounded_score:g} {unit}: "
        f"change {round(change.change, 2):+g} {change_unit}"
        + ("" if change.percent_change is None else f" ({change.percent_change:+.1f} % relative)")
    )
    better = "higher" if instrument.higher_is_better else "lower"
    console.print(f"Direction: {better} is better")
    console.print(f"Outcome: [bold]{change.outcome}[/]")
    if change.meaningful_change_met is None:
        console.print(f"Meaningful change: not defined ({escape(change.outcome_basis)})")
    else:
        met = "met" if change.meaningful_change_met else "not met"
        console.print(f"Meaningful change {met} - {escape(change.outcome_basis)}")
        if change.meaningful_absolute is not None:
            console.print(f"  absolute rule: {'met' if change.meaningful_absolute else 'not met'}")
        if change.meaningful_percent is not None:
            console.print(f"  30 % rule: {'met' if change.meaningful_percent else 'not met'}")
    console.print("Sources:")
    for source_line in _sources_lines(change.sources or before.sources):
        console.print(escape(source_line))


def _print_energy(estimates: list[EnergyEstimate], ratio: float | None) -> None:
    console = text_console()
    first = estimates[0]
    console.print(
        f"Session: {first.speed_kmh:g} km/h, grade {first.grade_percent:g} %, "
        f"{first.minutes:g} min, {first.weight_kg:g} kg"
    )
    table = Table()
    for column in ("direction", "MET", "MET range", "kcal gross", "kcal net", "extrapolated"):
        table.add_column(column)
    for estimate in estimates:
        met_range = (
            "-"
            if estimate.met_range is None
            else f"{estimate.met_range[0]:.2f}-{estimate.met_range[1]:.2f}"
        )
        table.add_row(
            estimate.direction,
            f"{estimate.met:.2f}",
            met_range,
            f"{estimate.kcal_gross:.0f}",
            f"{estimate.kcal_net:.0f}",
            "yes" if estimate.extrapolated else "no",
        )
    console.print(table)
    if ratio is not None:
        console.print(f"Backward costs {ratio:.2f} x forward at this speed and grade.")
    seen: list[Source] = []
    for estimate in estimates:
        console.print(f"{estimate.direction}: {escape(estimate.method)}")
        for note in estimate.notes:
            console.print(f"  Note: {escape(note)}")
        seen += [source for source in estimate.sources if source not in seen]
    console.print("Sources:")
    for source_line in _sources_lines(tuple(seen)):
        console.print(escape(source_line))
