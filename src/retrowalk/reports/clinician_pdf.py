"""The clinician's PDF report of one patient over a period (reportlab + matplotlib charts).

Sections: the patient and period; the "not medical advice" note; the program with its current
dose and its sources; adherence (sessions and backward minutes, planned against done, with a
weekly chart); pain around sessions (chart); outcome trends, each with its meaningful-change
status and chart; safety events; and the gait measured from recordings where any were attached.
Every page carries the patient, the period and the note in its footer.

Text is set in DejaVu Sans (shipped with matplotlib) so every character a patient may type is
printable and the text stays extractable (``pdftotext``).
"""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from retrowalk.errors import NotFoundError
from retrowalk.evidence import Study, load_evidence, status_label
from retrowalk.exchange.icalendar_feed import NOT_MEDICAL_ADVICE
from retrowalk.exchange.records import SessionLogRecord, describe_dose
from retrowalk.reports.charts import outcome_chart, pain_chart, weekly_minutes_chart
from retrowalk.reports.report_data import ClinicianReportData

__all__ = ["render_clinician_pdf"]

_FONT = "RetrowalkSans"
_FONT_BOLD = "RetrowalkSans-Bold"
_CHART_WIDTH = 170 * mm


@cache
def _register_fonts() -> None:
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(_FONT, str(fonts / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(_FONT_BOLD, str(fonts / "DejaVuSans-Bold.ttf")))


@cache
def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName=_FONT, fontSize=9.5, leading=12)
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontName=_FONT_BOLD, fontSize=17),
        "h2": ParagraphStyle(
            "h2",
            parent=base["Heading2"],
            fontName=_FONT_BOLD,
            fontSize=12.5,
            spaceBefore=8,
            keepWithNext=1,
        ),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10),
        "source": ParagraphStyle(
            "source", parent=body, fontSize=8, leading=10, spaceBefore=0, leftIndent=6
        ),
        "note": ParagraphStyle(
            "note",
            parent=body,
            backColor=colors.HexColor("#fff4d6"),
            borderColor=colors.HexColor("#c9a227"),
            borderWidth=0.6,
            borderPadding=5,
            spaceBefore=4,
            spaceAfter=8,
        ),
    }


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(escape(text), _styles()[style])


def _image(png: bytes, height_mm: float) -> Image:
    return Image(io.BytesIO(png), width=_CHART_WIDTH, height=height_mm * mm)


def _table(rows: list[list[str]], widths_mm: list[float]) -> Table:
    cells = [[_p(cell, "small") for cell in row] for row in rows]
    table = Table(cells, colWidths=[w * mm for w in widths_mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa9b8")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _fmt(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "-"
    return f"{value:g}{unit}"


FOOTER_FONT_SIZE = 7


def shortened(text: str, width_pt: float, font_size: float) -> str:
    """``text`` cut to fit ``width_pt`` points (ending in "…"), so the footer's period, note and
    page number always show after a long name (names may have 120 characters)."""
    if pdfmetrics.stringWidth(text, _FONT, font_size) <= width_pt:
        return text
    kept = len(text)
    while kept > 0 and pdfmetrics.stringWidth(text[:kept] + "…", _FONT, font_size) > width_pt:
        kept -= 1
    return text[:kept].rstrip() + "…"


def render_clinician_pdf(data: ClinicianReportData) -> bytes:
    """Render the report as PDF bytes."""
    _register_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=20 * mm,
        title=f"retrowalk clinician report: {data.patient.display_name}",
        author="retrowalk",
        subject=f"{data.period_start.isoformat()} to {data.period_end.isoformat()}",
    )
    story: list[Any] = []
    story += _header(data)
    story += _program(data)
    story += _adherence(data)
    story += _pain(data)
    story += _outcomes(data)
    story += _safety(data)
    story += _gait(data)

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(_FONT, FOOTER_FONT_SIZE)
        rest = (
            f" · {data.period_start.isoformat()} to {data.period_end.isoformat()}"
            f" · not medical advice · page {doc.page}"
        )
        room = doc.width - pdfmetrics.stringWidth(
            "retrowalk report · " + rest, _FONT, FOOTER_FONT_SIZE
        )
        name = shortened(data.patient.display_name, room, FOOTER_FONT_SIZE)
        canvas.drawString(doc.leftMargin, 10 * mm, f"retrowalk report · {name}{rest}")
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _header(data: ClinicianReportData) -> list[Any]:
    patient = data.patient
    born = f", born {patient.year_of_birth}" if patient.year_of_birth else ""
    lines = [
        _p("Clinician report: retro-walking program", "title"),
        _p(f"Patient: {patient.display_name} (id {patient.patient_id}){born}"),
        _p(
            f"Period: {data.period_start.isoformat()} to {data.period_end.isoformat()} · "
            f"generated {_when(data.generated_at)}"
            + (f" for {data.clinician_name}" if data.clinician_name else "")
        ),
        _p(
            "Not medical advice. " + NOT_MEDICAL_ADVICE + " This report summarises what the "
            "patient logged and what recordings measured; it does not diagnose.",
            "note",
        ),
    ]
    return lines


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def _program(data: ClinicianReportData) -> list[Any]:
    story: list[Any] = [_p("Plan and its sources", "h2")]
    program = data.program
    if program is None:
        return [*story, _p("No program has been prescribed.")]
    story.append(
        _p(
            f"{program.title} · template {program.template} · revision {program.revision} · "
            f"status {program.status} · started {program.start_date.isoformat()} · "
            f"{len(program.sessions)} planned sessions"
        )
    )
    upcoming = data.next_planned
    if upcoming is not None:
        story.append(
            _p(
                f"Next session ({_planned_when(upcoming.scheduled_on, data.generated_at.date())}): "
                f"{describe_dose(upcoming)}"
                + (
                    " Cues: " + "; ".join(cue.rstrip(". ") for cue in upcoming.cues) + "."
                    if upcoming.cues
                    else ""
                )
            )
        )
    else:
        story.append(_p("No planned session after the report date."))
    if program.sources:
        story.append(_p("Sources behind this plan:"))
        story += [_p(f"• {_citation(source)}", "source") for source in program.sources]
    return story


def _citation(source: str) -> str:
    """A plan source as a reader can look it up: an evidence-base id with its citation and
    evidence status (``chitkara2725: Chitkara JMRH ... (C-abs)``); any other text as it is."""
    try:
        item = load_evidence().find(source)
    except (NotFoundError, ValueError):
        return source
    if isinstance(item, Study):
        return f"{source}: {item.citation} ({status_label(item.status)})"
    return f"{source}: {item.description} ({status_label(item.status)})"


def _planned_when(planned_on: date, today: date) -> str:
    """A planned date; one already past is due now (sessions are done in order)."""
    if planned_on < today:
        return f"planned for {planned_on.isoformat()}, due now"
    return planned_on.isoformat()


def _adherence(data: ClinicianReportData) -> list[Any]:
    # The overview's rule: the program's sessions logged in the period against the sessions
    # due in it (sessions are done in order, so not matched by number), capped at 100 %;
    # minutes from the same sessions.
    planned = data.planned_in_period
    done = data.sessions_in_period
    done_program = data.program_sessions_in_period
    planned_min = sum(s.backward_min for s in planned)
    done_min = sum(s.backward_min for s in done_program)
    share = f"{min(1.0, len(done_program) / len(planned)) * 100:.0f} %" if planned else "n/a"
    outside = len(done) - len(done_program)
    story: list[Any] = [
        _p("Adherence", "h2"),
        _p(
            f"Sessions done: {len(done_program)} of {len(planned)} due ({share})"
            + (f"; {outside} more logged outside the program" if outside else "")
            + f". Backward walking in the program: {done_min:g} min logged of "
            f"{planned_min:g} min planned."
        ),
    ]
    if planned or done:
        story.append(_image(weekly_minutes_chart(planned, done), 60))
    return [KeepTogether(story)]


def _pain(data: ClinicianReportData) -> list[Any]:
    story: list[Any] = [_p("Pain around sessions", "h2")]
    rated = [s for s in data.sessions_in_period if s.pain_before_nprs is not None]
    if not rated:
        return [*story, _p("No session pain ratings in this period.")]
    ordered = sorted(rated, key=lambda s: s.started_at)
    first, last = ordered[0], ordered[-1]
    story.append(
        _p(
            f"Pain before sessions went from {first.pain_before_nprs} "
            f"({first.started_at.date().isoformat()}) to {last.pain_before_nprs} "
            f"({last.started_at.date().isoformat()}) on the 0-10 NPRS."
        )
    )
    story.append(_image(pain_chart(data.sessions_in_period), 60))
    return [KeepTogether(story)]


def _outcomes(data: ClinicianReportData) -> list[Any]:
    story: list[Any] = [_p("Outcomes and meaningful change", "h2")]
    if not data.outcome_trends:
        return [*story, _p("No outcome assessments in this period.")]
    rows = [["Instrument", "Scores (date: score)", "Meaningful-change status"]]
    for trend in data.outcome_trends:
        unit = f" {trend.score_unit}" if trend.score_unit else ""
        scores = "; ".join(
            f"{p.assessed_on.isoformat()}: {p.score:.3g}{unit}" for p in trend.points
        )
        rows.append([trend.instrument_name, scores, trend.status])
    story.append(_table(rows, [38, 52, 84]))
    for trend in data.outcome_trends:
        if len(trend.points) >= 2:
            story.append(KeepTogether([Spacer(1, 3 * mm), _image(outcome_chart(trend), 48)]))
    return story


def _safety(data: ClinicianReportData) -> list[Any]:
    story: list[Any] = [_p("Safety events", "h2")]
    events = [(s, event) for s in data.sessions_in_period for event in s.safety_events]
    if data.program is not None and data.program.status == "paused":
        why = data.program_note.strip()
        story.append(_p(f"The program is paused ({why})." if why else "The program is paused."))
    if not events:
        return [*story, _p("No safety event was logged in this period.")]
    rows = [["Date", "Event", "Session notes"]]
    rows += [
        [s.started_at.date().isoformat(), event.replace("_", " "), s.notes] for s, event in events
    ]
    story.append(_table(rows, [28, 40, 106]))
    return story


def _gait(data: ClinicianReportData) -> list[Any]:
    story: list[Any] = [_p("Gait measured from recordings", "h2")]
    measured: list[SessionLogRecord] = [
        s for s in data.sessions_in_period if s.measured is not None
    ]
    if not measured:
        return [*story, _p("No recording was attached to a session in this period.")]
    rows = [
        [
            "Date",
            "Backward min (logged / measured)",
            "Backward steps",
            "Backward cadence / speed",
            "Forward min / steps",
            "Algorithm",
        ]
    ]
    for session in sorted(measured, key=lambda s: s.started_at):
        gait = session.measured
        assert gait is not None
        cadence, speed = gait.backward_cadence_spm, gait.backward_speed_m_s
        rows.append(
            [
                session.started_at.date().isoformat(),
                f"{session.backward_min:g} / {gait.backward_min:.1f}",
                str(gait.backward_steps),
                f"{'-' if cadence is None else f'{cadence:.0f}'} steps/min / "
                f"{'-' if speed is None else f'{speed:.2f}'} m/s",
                f"{gait.forward_min:.1f} / {gait.forward_steps}",
                gait.algorithm_version,
            ]
        )
    story.append(_table(rows, [22, 34, 22, 38, 28, 30]))
    return story
