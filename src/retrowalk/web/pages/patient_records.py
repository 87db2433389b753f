"""One patient's records as the pages show them: program, plan, sessions, outcomes, charts.

The patient's own pages and the clinician's patient page read the same records through the
services (each read is authorized and audited there) and turn them into rows and charts here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from retrowalk.domain.instruments import get_instrument
from retrowalk.domain.plan import Plan, PlannedSession
from retrowalk.errors import NotFoundError
from retrowalk.services import outcomes, profiles, programs, recordings, session_logs
from retrowalk.services.exchange_views import RecordingView
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.views import OutcomeView, ProgramView, SessionLogView
from retrowalk.web.pages.charts import Chart, Point, ReferenceLine, render_chart
from retrowalk.web.pages.formatting import (
    CR10_LABELS,
    KM_PER_MILE,
    Units,
    date_text,
    local_date,
    number_text,
    zone,
)

PAIN_LIMIT_DURING_ACTIVITY = 5
"""Pain may reach but not exceed 5/10 during activity.

Silbernagel 2007 via evidence.md §6 [C-2nd] (provisional)."""

EVENT_TEXT = {
    "fall": "fall",
    "near_fall": "lost balance",
    "dizziness": "dizziness",
    "new_red_flag": "new warning sign",
}


@dataclass(frozen=True)
class PatientRecords:
    program: ProgramView | None
    plan: Plan | None
    sessions: list[SessionLogView]  # newest first
    outcomes: list[OutcomeView]  # oldest first
    tz: dt.tzinfo
    units: Units
    now: dt.datetime  # the runtime's clock when the records were read

    def program_sessions(self) -> list[SessionLogView]:
        """Sessions logged in the current program."""
        if self.program is None:
            return []
        return [s for s in self.sessions if s.program_id == self.program.id]

    def next_planned(self) -> PlannedSession | None:
        if self.plan is None:
            return None
        return self.plan.session(len(self.program_sessions()) + 1)

    def today(self) -> dt.date:
        """The patient's local date, by the runtime's clock (the services date sessions by it)."""
        return self.now.astimezone(self.tz).date()


def person_settings(rt: Runtime, actor: Actor, patient_id: int) -> tuple[dt.tzinfo, Units]:
    """The patient's time zone and units from their profile (UTC and metric without one)."""
    try:
        profile = profiles.get_profile(rt, actor, patient_id)
    except NotFoundError:
        return dt.UTC, "metric"
    return zone(profile.time_zone), "imperial" if profile.units == "imperial" else "metric"


def load_records(rt: Runtime, actor: Actor, patient_id: int) -> PatientRecords:
    """Read everything the progress, program and clinician pages show for one patient."""
    tz, units = person_settings(rt, actor, patient_id)
    try:
        program: ProgramView | None = programs.get_program(rt, actor, patient_id)
    except NotFoundError:
        program = None
    plan = Plan.from_json(program.plan) if program is not None else None
    return PatientRecords(
        program=program,
        plan=plan,
        sessions=session_logs.list_sessions(rt, actor, patient_id),
        outcomes=outcomes.list_outcomes(rt, actor, patient_id),
        tz=tz,
        units=units,
        now=rt.now(),
    )


def session_rows(records: PatientRecords) -> list[dict[str, Any]]:
    rows = []
    for s in records.sessions:
        pains = (s.pain_before, s.pain_max, s.pain_after, s.pain_next_morning)
        effort = ""
        if s.rpe is not None:
            label = CR10_LABELS.get(int(s.rpe)) if float(s.rpe).is_integer() else None
            effort = number_text(s.rpe) + (f" ({label})" if label else "")
        rows.append(
            {
                "date_text": date_text(local_date(s.started_at, records.tz)),
                "backward_min": number_text(s.backward_min),
                "forward_min": number_text(s.forward_min),
                "pain_text": " / ".join(number_text(p) for p in pains),
                "effort_text": effort or "–",
                "events": [EVENT_TEXT.get(e, e) for e in s.safety_events],
                "notes": s.notes,
            }
        )
    return rows


def outcome_rows(records: PatientRecords) -> list[dict[str, Any]]:
    rows = []
    for o in reversed(records.outcomes):
        instrument = get_instrument(o.instrument)
        unit = instrument.score_unit
        rows.append(
            {
                "date_text": date_text(local_date(o.assessed_at, records.tz)),
                "name": instrument.name,
                "score_text": f"{number_text(o.result.get('score', o.score))} {unit}",
                "band": o.result.get("band") or o.result.get("risk_group") or "",
            }
        )
    return rows


def pain_chart(records: PatientRecords, chart_id: str = "pain") -> Chart:
    """Pain before each session, oldest first, with the meaningful-improvement line."""
    logged = [s for s in reversed(records.sessions) if s.pain_before is not None]
    points = [
        Point(_short(local_date(s.started_at, records.tz)), float(s.pain_before or 0))
        for s in logged
    ]
    nprs = get_instrument("nprs").meaningful_change
    references = [ReferenceLine(f"pain limit during a session ({PAIN_LIMIT_DURING_ACTIVITY})", 5)]
    if points and nprs is not None and nprs.absolute is not None:
        target = points[0].value - nprs.absolute
        if target >= 0:
            references.append(
                ReferenceLine(f"meaningful improvement (-{number_text(nprs.absolute)})", target)
            )
    if not points:
        summary = "No sessions logged yet."
    else:
        first, last = points[0], points[-1]
        change = last.value - first.value
        summary = (
            f"Pain before sessions went from {number_text(first.value)} ({first.label}) to "
            f"{number_text(last.value)} ({last.label}) over {_count(len(points), 'session')}, "
            "a change of "
            f"{change:+.0f} points. A drop of {number_text(nprs.absolute if nprs else 2)} points "
            "or more is meaningful (Ostelo 2008)."
        )
    return render_chart(
        chart_id,
        "Pain before each session (0-10)",
        points,
        y_label="Pain 0-10",
        y_min=0,
        y_max=10,
        references=references,
        summary=summary,
    )


def weekly_minutes_chart(records: PatientRecords, chart_id: str = "weekly") -> Chart:
    """Backward minutes per calendar week (Monday start), oldest first."""
    weeks: OrderedDict[dt.date, float] = OrderedDict()
    for s in reversed(records.sessions):
        day = local_date(s.started_at, records.tz)
        monday = day - dt.timedelta(days=day.weekday())
        weeks[monday] = weeks.get(monday, 0.0) + s.backward_min
    if weeks:
        # Show empty weeks between logged ones as zero, so gaps are visible, and, while the
        # program runs, the weeks since the last session up to this one ("latest week" is
        # this week, not the last week anything was logged).
        first, last = min(weeks), max(weeks)
        if records.program is not None and records.program.status != "completed":
            today = records.today()
            last = max(last, today - dt.timedelta(days=today.weekday()))
        filled: OrderedDict[dt.date, float] = OrderedDict()
        monday = first
        while monday <= last:
            filled[monday] = round(weeks.get(monday, 0.0), 1)
            monday += dt.timedelta(days=7)
        weeks = filled
    points = [Point(f"w/c {_short(m)}", v) for m, v in weeks.items()]
    if points:
        total = sum(p.value for p in points)
        summary = (
            f"{number_text(total)} minutes of backward walking over {_count(len(points), 'week')}; "
            f"latest week {number_text(points[-1].value)} minutes."
        )
    else:
        summary = "No sessions logged yet."
    return render_chart(
        chart_id,
        "Backward walking per week (minutes)",
        points,
        y_label="Minutes",
        kind="bar",
        y_min=0,
        summary=summary,
        x_header="Week",
    )


def outcome_charts(records: PatientRecords, prefix: str = "outcome") -> list[Chart]:
    """One chart per questionnaire with its meaningful-change line from the first score."""
    by_instrument: OrderedDict[str, list[OutcomeView]] = OrderedDict()
    for o in records.outcomes:
        by_instrument.setdefault(o.instrument, []).append(o)
    charts = []
    for instrument_id, rows in by_instrument.items():
        instrument = get_instrument(instrument_id)
        points = [
            Point(_short(local_date(o.assessed_at, records.tz)), float(o.score)) for o in rows
        ]
        references = []
        change = instrument.meaningful_change
        line_text = ""
        if change is not None and change.absolute is not None:
            sign = 1 if instrument.higher_is_better else -1
            target = points[0].value + sign * change.absolute
            low, high = instrument.score_range
            if low <= target <= high:
                name = f"meaningful improvement ({sign * change.absolute:+g})"
                references.append(ReferenceLine(name, target))
            line_text = (
                f" A change of {number_text(change.absolute)} {instrument.score_unit} "
                f"({change.kind}) is meaningful; citation: {change.source.citation}."
            )
        first, last = points[0], points[-1]
        summary = (
            f"{instrument.name}: {number_text(first.value)} {instrument.score_unit} on "
            f"{first.label}"
            + (
                f", {number_text(last.value)} {instrument.score_unit} on {last.label}."
                if len(points) > 1
                else " (one score so far)."
            )
            + (" Lower is better." if not instrument.higher_is_better else " Higher is better.")
            + line_text
        )
        charts.append(
            render_chart(
                f"{prefix}-{instrument_id}",
                instrument.name,
                points,
                y_label=instrument.score_unit,
                y_min=instrument.score_range[0],
                y_max=instrument.score_range[1],
                references=references,
                summary=summary,
            )
        )
    return charts


def load_measured(rt: Runtime, actor: Actor, patient_id: int) -> dict[int, RecordingView]:
    """The newest recording of each logged session, by session id (read and audited by the
    recordings service; only the pages that show measured gait read it)."""
    return recordings.latest_recordings_by_session(rt, actor, patient_id)


def measured_speed_chart(
    records: PatientRecords, measured: dict[int, RecordingView], chart_id: str = "measured-speed"
) -> Chart | None:
    """Backward walking speed measured by each session's recording (the steps-weighted mean
    of its backward bouts), oldest first, in the person's units; ``None`` when no recording
    measured backward walking with a speed (no sensor height, or no backward bout)."""
    per_kmh = 1.0 if records.units == "metric" else 1.0 / KM_PER_MILE
    unit = "km/h" if records.units == "metric" else "mph"
    points = []
    for s in reversed(records.sessions):
        found = measured.get(s.id)
        backward = (found.summary.get("by_direction") or {}).get("backward", {}) if found else {}
        speed_m_s = backward.get("speed_m_s")
        if isinstance(speed_m_s, int | float):
            value = round(3.6 * float(speed_m_s) * per_kmh, 1)
            points.append(Point(_short(local_date(s.started_at, records.tz)), value))
    if not points:
        return None
    first, last = points[0], points[-1]
    summary = (
        f"Backward walking speed measured in {_count(len(points), 'recorded session')}: "
        f"{number_text(first.value)} {unit} ({first.label})"
        + (
            f" to {number_text(last.value)} {unit} ({last.label})."
            if len(points) > 1
            else " so far."
        )
        + " Measured from the recordings attached to sessions."
    )
    return render_chart(
        chart_id,
        f"Measured backward walking speed ({unit})",
        points,
        y_label=unit,
        y_min=0,
        y_max=math.ceil(max(p.value for p in points) + 0.5),  # the top grid line above the points
        summary=summary,
    )


def all_charts(
    records: PatientRecords, measured: dict[int, RecordingView] | None = None
) -> list[Chart]:
    """Pain, weekly minutes, the measured backward speed (when ``measured`` holds a recording
    with one) and one chart per questionnaire."""
    speed = measured_speed_chart(records, measured) if measured else None
    return [
        pain_chart(records),
        weekly_minutes_chart(records),
        *([speed] if speed is not None else []),
        *outcome_charts(records),
    ]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _short(day: dt.date) -> str:
    return f"{day.day} {day:%b}"
