"""``retrowalk evidence list`` and ``retrowalk evidence show ID``: browse the evidence base.

``list`` shows every study/source and every threshold with its status (how confirmed);
``show`` prints one study or threshold in full. Both take ``--format text|json``.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from retrowalk.cli.json_io import (
    FormatOption,
    OutputFormat,
    echo_json,
    text_console,
)
from retrowalk.evidence import EvidenceBase, Study, Threshold, load_evidence, status_label


def register(app: typer.Typer) -> None:
    """Add the ``evidence`` command group to the ``retrowalk`` app."""
    group = typer.Typer(
        help="The evidence base: studies, sources and thresholds.", rich_markup_mode="markdown"
    )
    group.command("list")(list_command)
    group.command("show")(show_command)
    app.add_typer(group, name="evidence")


def list_command(output_format: FormatOption = OutputFormat.text) -> None:
    """List every study/source and every threshold."""
    evidence = load_evidence()
    if output_format is OutputFormat.json:
        echo_json(
            {
                "version": evidence.version,
                "studies": [
                    {"id": s.id, "kind": s.kind, "status": s.status, "citation": s.citation}
                    for s in evidence.studies
                ],
                "thresholds": [
                    {
                        "id": t.id,
                        "value": t.value,
                        "unit": t.unit,
                        "source": t.source,
                        "status": t.status,
                    }
                    for t in evidence.thresholds
                ],
            }
        )
        return
    _render_list(text_console(), evidence)


def _render_list(console: Console, evidence: EvidenceBase) -> None:
    console.print(f"[bold]Evidence base[/] version {escape(evidence.version)}")
    studies = Table(title="Studies and sources")
    for column in ("id", "kind", "status", "citation"):
        studies.add_column(column)
    for study in evidence.studies:
        studies.add_row(study.id, study.kind, status_label(study.status), escape(study.citation))
    console.print(studies)
    thresholds = Table(title="Thresholds")
    for column in ("id", "value", "unit", "source", "status"):
        thresholds.add_column(column)
    for threshold in evidence.thresholds:
        thresholds.add_row(
            threshold.id,
            f"{threshold.value:g}",
            threshold.unit,
            threshold.source,
            status_label(threshold.status),
        )
    console.print(thresholds)
    console.print(
        "[dim]Status: C confirmed; C-abs abstract only; C-2nd secondary source only "
        "(provisional); NC not confirmed; D derived by us; choice = our own choice.[/]"
    )


def show_command(
    item_id: Annotated[str, typer.Argument(metavar="ID", help="A study or threshold id.")],
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Show one study/source or threshold in full."""
    item = load_evidence().find(item_id)
    if output_format is OutputFormat.json:
        echo_json(item.model_dump(mode="json"))
        return
    console = text_console()
    if isinstance(item, Study):
        _render_study(console, item)
    else:
        _render_threshold(console, item)


def _render_study(console: Console, study: Study) -> None:
    console.print(
        f"[bold]{escape(study.id)}[/] ({study.kind}, status {status_label(study.status)})"
    )
    console.print(escape(study.citation) + (f" doi:{escape(study.doi)}" if study.doi else ""))
    rows: list[tuple[str, str | None]] = [
        ("Population", study.population),
        ("n", None if study.n is None else str(study.n)),
        ("Design", study.design),
    ]
    if study.protocol is not None:
        p = study.protocol
        low, high = p.minutes_per_session_low, p.minutes_per_session_high
        minutes = (
            "not reported [NC]" if low is None else f"{low}" if low == high else f"{low}-{high}"
        )
        rows += [
            ("Minutes per session", minutes),
            ("Sessions per week", str(p.sessions_per_week)),
            ("Weeks", str(p.weeks)),
            ("Mode", p.mode.replace("_", " ")),
            ("Speed rule", p.speed_rule),
            ("Combined with", p.combined_with),
            ("Supervision", p.supervision),
        ]
    if study.outcomes:
        rows.append(("Outcomes", "; ".join(study.outcomes)))
    rows.append(("Results", study.headline_results))
    if study.links:
        rows.append(("Links", "; ".join(study.links)))
    if study.notes:
        rows.append(("Notes", study.notes))
    for label, value in rows:
        if value is not None:
            console.print(f"[bold]{label}[/]: {escape(value)}")


def _render_threshold(console: Console, threshold: Threshold) -> None:
    console.print(f"[bold]{escape(threshold.id)}[/] = {threshold.value:g} {escape(threshold.unit)}")
    console.print(escape(threshold.description))
    console.print(f"Source: {escape(threshold.source)} (status {status_label(threshold.status)})")
