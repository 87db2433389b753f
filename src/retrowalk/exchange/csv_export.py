"""Tidy CSV exports of sessions, outcomes and measured walking bouts, for one patient or a
clinician's whole panel.

One row per logged session (or per scored outcome, or per walking bout a session's recording
measured), one column per variable, the unit in each
header (``backward_min``, ``speed_m_s``, ``pain_before_nprs_0_10``), times in ISO 8601 with
their offset, RFC 4180 quoting and CRLF line ends. Patients appear by their id only (no names),
so a panel export can go to a researcher.

Spreadsheet programs run a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and some treat a
leading tab or carriage return the same way) as a formula: "CSV injection" (OWASP). Every text
cell that begins with one of those characters is written with a leading apostrophe, which
spreadsheets display as text. Numeric cells are written by this module from numbers, never from
user text, and are left as numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from retrowalk.domain.instruments import score
from retrowalk.errors import InputError, NotFoundError
from retrowalk.exchange.records import BoutRecord, OutcomeRecord, PatientRecord, SessionLogRecord

__all__ = [
    "BOUT_HEADERS",
    "FORMULA_PREFIXES",
    "OUTCOME_HEADERS",
    "SESSION_HEADERS",
    "bouts_csv",
    "escape_cell",
    "outcomes_csv",
    "sessions_csv",
]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

RecordT = TypeVar("RecordT")
Cell = str | int | float | None


_NUMBERS = re.compile(r"-?\d+(?:\.\d+)?(?:;-?\d+(?:\.\d+)?)*")
"""A number, or numbers joined by ";" (an outcome's item values): no formula, left as it is."""


def escape_cell(text: str) -> str:
    """Make a text cell inert in spreadsheets: prefix an apostrophe to a formula start (a
    negative number, or a list of numbers, is not one: "-5.5" stays "-5.5")."""
    if text.startswith(FORMULA_PREFIXES) and not _NUMBERS.fullmatch(text):
        return "'" + text
    return text


@dataclass(frozen=True)
class _Column(Generic[RecordT]):
    header: str
    value: Callable[[PatientRecord, RecordT], Cell]
    text: bool = False


def _number(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return f"{value:.10g}"


def _render(
    columns: tuple[_Column[RecordT], ...], rows: Iterable[tuple[PatientRecord, RecordT]]
) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([column.header for column in columns])
    for patient, record in rows:
        cells: list[str] = []
        for column in columns:
            value = column.value(patient, record)
            if column.text:
                cells.append(escape_cell("" if value is None else str(value)))
            else:
                cells.append(_number(value if not isinstance(value, str) else None))
        writer.writerow(cells)
    return buffer.getvalue()


def _local(patient: PatientRecord, moment: datetime) -> str:
    """A time in the patient's own time zone (ISO 8601 with its offset): the clock the person
    saw, for questions like the time of day people walk; an unknown zone falls back to UTC."""
    try:
        zone = ZoneInfo(patient.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).isoformat()


def _band(_p: PatientRecord, o: OutcomeRecord) -> str | None:
    """The instrument's band or risk group (e.g. ODI "moderate disability", STarT Back "high"),
    scored again from the stored items; empty where the items cannot be scored (an import
    without them) or the instrument has none."""
    if not o.items:
        return None
    try:
        result = score(o.instrument, list(o.items))
    except (InputError, NotFoundError):
        return None
    return result.risk_group or result.band


def _measured_backward_min(_p: PatientRecord, s: SessionLogRecord) -> float | None:
    return s.measured.backward_min if s.measured else None


def _measured_backward_steps(_p: PatientRecord, s: SessionLogRecord) -> int | None:
    return s.measured.backward_steps if s.measured else None


SESSION_COLUMNS: tuple[_Column[SessionLogRecord], ...] = (
    _Column("patient_id", lambda p, s: p.patient_id, text=True),
    _Column("session_log_id", lambda p, s: s.log_id, text=True),
    _Column("planned_session_id", lambda p, s: s.planned_session_id, text=True),
    _Column("started_at_iso8601", lambda p, s: s.started_at.isoformat(), text=True),
    _Column("ended_at_iso8601", lambda p, s: s.ended_at.isoformat(), text=True),
    _Column("started_at_local_iso8601", lambda p, s: _local(p, s.started_at), text=True),
    _Column("patient_time_zone", lambda p, s: p.time_zone, text=True),
    _Column("duration_min", lambda p, s: round(s.duration_min, 3)),
    _Column("backward_min", lambda p, s: s.backward_min),
    _Column("forward_min", lambda p, s: s.forward_min),
    _Column("setting", lambda p, s: s.setting, text=True),
    _Column("speed_m_s", lambda p, s: s.speed_m_s),
    _Column("incline_pct", lambda p, s: s.incline_pct),
    _Column("pain_before_nprs_0_10", lambda p, s: s.pain_before_nprs),
    _Column("pain_max_nprs_0_10", lambda p, s: s.pain_max_nprs),
    _Column("pain_after_nprs_0_10", lambda p, s: s.pain_after_nprs),
    _Column("pain_next_morning_nprs_0_10", lambda p, s: s.pain_next_morning_nprs),
    _Column("rpe_cr10_0_10", lambda p, s: s.rpe_cr10),
    _Column("heart_rate_mean_bpm", lambda p, s: s.heart_rate_bpm),
    _Column("steps_count", lambda p, s: s.steps),
    _Column("distance_m", lambda p, s: s.distance_m),
    _Column("measured_backward_min", _measured_backward_min),
    _Column("measured_backward_steps_count", _measured_backward_steps),
    _Column("safety_events", lambda p, s: ";".join(s.safety_events), text=True),
    _Column("notes", lambda p, s: s.notes, text=True),
)
SESSION_HEADERS = tuple(column.header for column in SESSION_COLUMNS)


def _items(_p: PatientRecord, o: OutcomeRecord) -> str:
    return ";".join("" if value is None else _number(value) for value in o.items)


OUTCOME_COLUMNS: tuple[_Column[OutcomeRecord], ...] = (
    _Column("patient_id", lambda p, o: p.patient_id, text=True),
    _Column("outcome_id", lambda p, o: o.outcome_id, text=True),
    _Column("instrument", lambda p, o: o.instrument, text=True),
    _Column("assessed_at_iso8601", lambda p, o: o.assessed_at.isoformat(), text=True),
    _Column("score", lambda p, o: o.score),
    _Column("score_unit", lambda p, o: o.score_unit, text=True),
    _Column("band_or_risk_group", _band, text=True),
    _Column("subscore_points", lambda p, o: o.subscore),
    _Column("item_values_in_published_order", _items, text=True),
)
OUTCOME_HEADERS = tuple(column.header for column in OUTCOME_COLUMNS)


SessionBout = tuple[SessionLogRecord, BoutRecord]

BOUT_COLUMNS: tuple[_Column[SessionBout], ...] = (
    _Column("patient_id", lambda p, sb: p.patient_id, text=True),
    _Column("session_log_id", lambda p, sb: sb[0].log_id, text=True),
    _Column("session_started_at_iso8601", lambda p, sb: sb[0].started_at.isoformat(), text=True),
    _Column(
        "gait_algorithm_version",
        lambda p, sb: sb[0].measured.algorithm_version if sb[0].measured else None,
        text=True,
    ),
    _Column("bout_start_s", lambda p, sb: sb[1].start_s),
    _Column("bout_end_s", lambda p, sb: sb[1].end_s),
    _Column("bout_duration_s", lambda p, sb: round(sb[1].end_s - sb[1].start_s, 3)),
    _Column("direction", lambda p, sb: sb[1].direction, text=True),
    _Column("direction_confidence_0_1", lambda p, sb: sb[1].direction_confidence),
    _Column("direction_reason", lambda p, sb: sb[1].direction_reason, text=True),
    _Column("steps_count", lambda p, sb: sb[1].steps),
    _Column("cadence_spm", lambda p, sb: sb[1].cadence_spm),
    _Column("step_length_m", lambda p, sb: sb[1].step_length_m),
    _Column("stride_length_m", lambda p, sb: sb[1].stride_length_m),
    _Column("speed_m_s", lambda p, sb: sb[1].speed_m_s),
    _Column("step_time_s", lambda p, sb: sb[1].step_time_s),
    _Column("step_time_cv_pct", lambda p, sb: sb[1].step_time_cv_percent),
    _Column("stance_time_s", lambda p, sb: sb[1].stance_time_s),
    _Column("double_support_pct", lambda p, sb: sb[1].double_support_percent),
    _Column("turns_count", lambda p, sb: sb[1].turns),
)
BOUT_HEADERS = tuple(column.header for column in BOUT_COLUMNS)


def sessions_csv(rows: Iterable[tuple[PatientRecord, SessionLogRecord]]) -> str:
    """Sessions as CSV text, one row per (patient, session) in the order given."""
    return _render(SESSION_COLUMNS, rows)


def outcomes_csv(rows: Iterable[tuple[PatientRecord, OutcomeRecord]]) -> str:
    """Outcome assessments as CSV text, one row per (patient, outcome) in the order given."""
    return _render(OUTCOME_COLUMNS, rows)


def bouts_csv(rows: Iterable[tuple[PatientRecord, SessionLogRecord]]) -> str:
    """The walking bouts measured by each session's recording as CSV text, one row per bout
    (sessions without a recording give none), in the order given."""
    return _render(
        BOUT_COLUMNS,
        ((patient, (log, bout)) for patient, log in rows for bout in _bouts(log)),
    )


def _bouts(log: SessionLogRecord) -> tuple[BoutRecord, ...]:
    return log.measured.bouts if log.measured is not None else ()
