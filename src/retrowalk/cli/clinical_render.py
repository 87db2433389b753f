"""Rich text rendering of screening results, plans and progression decisions for the terminal.

Each cited source id is followed by how it is confirmed (evidence.md legend), and the
provisional ones (secondary source only, not confirmed, or our own choice) say so, e.g.
``steadi_tug [C-2nd, provisional]``.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from retrowalk.domain.plan import Block, Plan
from retrowalk.domain.progression import ProgressionDecision
from retrowalk.domain.screening import NOTICE, ScreeningResult
from retrowalk.evidence import load_evidence, status_label

DECISION_LABEL = {
    "urgent": "[bold red]URGENT[/]: seek care now",
    "see_clinician": "[bold yellow]SEE A CLINICIAN[/] before starting",
    "cleared": "[bold green]CLEARED[/]: you may start, with precautions",
}
ACTION_LABEL = {
    "progress": "[bold green]PROGRESS[/]",
    "repeat": "[bold]REPEAT[/]",
    "reduce": "[bold yellow]REDUCE[/]",
    "pause": "[bold red]PAUSE[/]: see a clinician",
}


def cited(source_id: str) -> str:
    """A source id with its status: ``ansari2020 [C-abs]``, ``retrowalk_rules [our choice]``."""
    return f"{source_id} [{status_label(load_evidence().study(source_id).status)}]"


def _sources(sources: tuple[str, ...]) -> str:
    return f"[dim](sources: {escape(', '.join(cited(source) for source in sources))})[/]"


def render_screening(console: Console, result: ScreeningResult) -> None:
    console.print(f"Screening decision: {DECISION_LABEL[result.decision]}")
    console.print(escape(result.next_step))
    if result.reasons:
        console.print("\n[bold]Reasons[/]")
        for reason in result.reasons:
            console.print(
                f"- {escape(f'[{reason.rule}]')} {escape(reason.text)} {_sources(reason.sources)}"
            )
    if result.precautions:
        console.print("\n[bold]Precautions[/]")
        for precaution in result.precautions:
            console.print(f"- {escape(precaution.text)} {_sources(precaution.sources)}")
    if result.assumptions:
        console.print("\n[bold]Assumptions about missing answers[/]")
        for assumption in result.assumptions:
            console.print(f"- {escape(assumption.answer)}: {escape(assumption.text)}")
    console.print(f"\n[dim]{escape(NOTICE)} Rules version {escape(result.rules_version)}.[/]")


def describe_blocks(blocks: tuple[Block, ...]) -> str:
    """``1+1+1 back, 1 fwd between`` style summary of a session's backward blocks."""
    backward = [str(b.duration_min) for b in blocks if b.direction == "backward"]
    forward = {b.duration_min for b in blocks if b.direction == "forward"}
    uniform = len(backward) > 1 and len(set(backward)) == 1
    text = f"{len(backward)} x {backward[0]} back" if uniform else f"{'+'.join(backward)} back"
    if forward:
        text += f", {'/'.join(str(m) for m in sorted(forward))} fwd between"
    return text


def render_plan(console: Console, plan: Plan) -> None:
    status = "" if plan.status == "active" else " [bold red](paused)[/]"
    console.print(
        f"[bold]Retro-walking plan[/]{status}: {plan.weeks} weeks, {plan.sessions_per_week} "
        f"sessions a week, {escape(plan.setting)}, goal {plan.goal_backward_min} backward "
        f"min/session (revision {plan.revision})"
    )
    table = Table(show_lines=False)
    for column in ("#", "date", "week", "warm-up fwd", "backward", "blocks (min)", "cool-down"):
        table.add_column(column)
    for session in plan.sessions:
        table.add_row(
            str(session.number),
            f"{session.date:%a %Y-%m-%d}",
            str(session.week),
            f"{session.warmup_forward_min} min",
            f"{session.backward_min} min",
            describe_blocks(session.blocks),
            f"{session.cooldown_forward_min} min",
        )
    console.print(table)
    first = plan.sessions[0]
    console.print(f"[bold]Pace[/]: {escape(first.pace.text)}")
    console.print("[bold]Cues[/]")
    for cue in first.cues:
        console.print(f"- {escape(cue)}")
    console.print(f"[bold]Schedule[/]: {escape(plan.schedule_rule)}")
    console.print("[bold]Dose follows[/]")
    for line in plan.follows:
        console.print(f"- {escape(line)}")
    console.print("[bold]Where this plan extrapolates[/]")
    for line in plan.extrapolations:
        console.print(f"- {escape(line)}")
    console.print(f"[bold]Sources[/]: {escape(', '.join(cited(s) for s in plan.sources))}")


def render_decision(console: Console, decision: ProgressionDecision) -> None:
    console.print(f"Next step: {ACTION_LABEL[decision.action]}")
    if decision.action == "pause":
        console.print("Do not walk backward until a clinician has seen you.")
    elif decision.next_session is None:
        console.print(
            f"The plan is complete; if you go on, use {decision.next_backward_min} backward min."
        )
    else:
        console.print(
            f"Session {decision.next_session}: {decision.next_backward_min} backward minutes."
        )
    for change in decision.earlier_changes:
        what = "reduced" if change.change == "reduce" else "held"
        console.print(
            f"Carried over: after session {change.after_session} the dose was {what}; "
            "it builds up again from there."
        )
    console.print("[bold]Reasons[/]")
    for reason in decision.reasons:
        console.print(
            f"- {escape(f'[{reason.rule}]')} {escape(reason.text)} {_sources(reason.sources)}"
        )
