"""Exports of a patient's records: FHIR R4 Bundle, CSV (one patient or a clinician's panel),
and the clinician's PDF report.

Each use case checks access with the one policy (:mod:`retrowalk.services.policy`), reads in
one transaction and writes an ``export`` entry to the audit log in that same transaction.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from retrowalk.errors import InputError, NotFoundError
from retrowalk.exchange.csv_export import bouts_csv, outcomes_csv, sessions_csv
from retrowalk.exchange.fhir import bundle_from_records, bundle_to_json
from retrowalk.exchange.records import PatientRecords
from retrowalk.reports.clinician_pdf import render_clinician_pdf
from retrowalk.reports.outcome_trends import outcome_trends
from retrowalk.reports.report_data import ClinicianReportData
from retrowalk.services import audit
from retrowalk.services.accounts import email_keys
from retrowalk.services.inputs import FIRST_YEAR, LAST_YEAR
from retrowalk.services.patient_records import load_patient_records
from retrowalk.services.policy import require_patient_access, require_role
from retrowalk.services.programs import current_program
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.storage.audit import AuditEntry
from retrowalk.storage.links import CareLink
from retrowalk.storage.users import User

CSV_KINDS = ("sessions", "outcomes", "bouts")
#: Default report period when none is given: the last 12 weeks up to today.
DEFAULT_REPORT_DAYS = 84


def _records(session: Session, actor: Actor, patient_id: int) -> PatientRecords:
    patient = require_patient_access(session, actor, patient_id)
    return load_patient_records(session, patient)


def export_fhir(rt: Runtime, actor: Actor, patient_id: int) -> str:
    """The patient's records as a FHIR R4 ``collection`` Bundle (JSON text)."""
    with rt.db.write() as session:
        records = _records(session, actor, patient_id)
        audit.record(session, actor, patient_id, "export", "fhir_bundle")
    return bundle_to_json(bundle_from_records(records, generated_at=rt.now()))


def _check_kind(kind: str) -> None:
    if kind not in CSV_KINDS:
        raise InputError(f"must be one of {', '.join(CSV_KINDS)}", field="kind")


def _csv(kind: str, records: list[PatientRecords]) -> str:
    if kind == "sessions":
        return sessions_csv((r.patient, s) for r in records for s in r.sessions)
    if kind == "bouts":
        return bouts_csv((r.patient, s) for r in records for s in r.sessions)
    return outcomes_csv((r.patient, o) for r in records for o in r.outcomes)


def export_csv(rt: Runtime, actor: Actor, patient_id: int, kind: str) -> str:
    """One patient's sessions, outcomes or measured walking bouts as CSV."""
    _check_kind(kind)
    with rt.db.write() as session:
        records = _records(session, actor, patient_id)
        audit.record(session, actor, patient_id, "export", f"csv_{kind}")
    return _csv(kind, [records])


def export_panel_csv(rt: Runtime, actor: Actor, kind: str) -> str:
    """Sessions, outcomes or measured walking bouts of every patient linked to the clinician
    (ids only, no names)."""
    _check_kind(kind)
    require_role(actor, "clinician")
    with rt.db.write() as session:
        patient_ids = session.scalars(
            select(CareLink.patient_id)
            .where(CareLink.clinician_id == actor.user_id, CareLink.ended_at.is_(None))
            .order_by(CareLink.patient_id)
        ).all()
        records: list[PatientRecords] = []
        for patient_id in patient_ids:
            patient = session.get(User, patient_id)
            if patient is None or not patient.is_active or patient.role != "patient":
                continue
            records.append(load_patient_records(session, patient))
            audit.record(session, actor, patient_id, "export", f"csv_{kind}")
    return _csv(kind, records)


REPORT_MAX_DAYS = 3660
"""The longest period one report covers (ten years, leap days included): our limit."""


@dataclass(frozen=True)
class ReportPeriod:
    start: dt.date
    end: dt.date


def report_period(today: dt.date, start: dt.date | None, end: dt.date | None) -> ReportPeriod:
    """The period asked for, defaulting to the last :data:`DEFAULT_REPORT_DAYS` days."""
    for name, day in (("start", start), ("end", end)):
        if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise InputError(
                f"must be a date between the years {FIRST_YEAR} and {LAST_YEAR}", field=name
            )
    last = end or today
    first = start or last - dt.timedelta(days=DEFAULT_REPORT_DAYS - 1)
    if last < first:
        raise InputError("the period ends before it starts", field="end")
    if (last - first).days > REPORT_MAX_DAYS:
        raise InputError("a report covers at most ten years", field="start")
    return ReportPeriod(first, last)


def report_data(
    records: PatientRecords,
    *,
    now: dt.datetime,
    start: dt.date | None,
    end: dt.date | None,
    clinician_name: str | None = None,
    program_note: str = "",
) -> ClinicianReportData:
    zone = zoneinfo.ZoneInfo(records.patient.time_zone)
    period = report_period(now.astimezone(zone).date(), start, end)
    outcomes = [
        o
        for o in records.outcomes
        if period.start <= o.assessed_at.astimezone(zone).date() <= period.end
    ]
    return ClinicianReportData(
        patient=records.patient,
        period_start=period.start,
        period_end=period.end,
        generated_at=now.astimezone(zone),
        program=records.program,
        sessions=tuple(
            replace(
                s, started_at=s.started_at.astimezone(zone), ended_at=s.ended_at.astimezone(zone)
            )
            for s in records.sessions
        ),
        outcome_trends=outcome_trends(outcomes),
        clinician_name=clinician_name,
        program_note=program_note,
    )


def clinician_report_pdf(
    rt: Runtime,
    actor: Actor,
    patient_id: int,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> bytes:
    """The PDF report of one patient over ``start``..``end`` (default: the last 12 weeks).

    The export is audited only once the report exists: a refused period writes no audit entry
    (the patient's audit list would otherwise show exports that never happened). The PDF is
    drawn outside any write transaction, so a slow drawing does not hold up other writers.
    """
    with rt.db.read() as session:
        records = _records(session, actor, patient_id)
        reader = session.get(User, actor.user_id)
        clinician = (
            reader.display_name if reader is not None and actor.role == "clinician" else None
        )
        note = program_note(session, patient_id)
    data = report_data(
        records,
        now=rt.now(),
        start=start,
        end=end,
        clinician_name=clinician,
        program_note=note,
    )
    pdf = render_clinician_pdf(data)
    with rt.db.write() as session:
        require_patient_access(session, actor, patient_id)  # still theirs to see
        audit.record(session, actor, patient_id, "export", "report_pdf")
    return pdf


def program_note(session: Session, patient_id: int) -> str:
    """Why the current program is paused (for the report), or "" if it is not."""
    program = current_program(session, patient_id)
    if program is None or program.status != "paused":
        return ""
    return program.status_reason


def find_patient(session: Session, reference: str) -> User:
    """A patient by user id or email (for operators on the command line)."""
    text = reference.strip()
    patient = (
        session.get(User, int(text))
        if text.isdigit() and int(text) < 2**31
        else session.scalar(select(User).where(User.email.in_(email_keys(text))))
    )
    if patient is None or patient.role != "patient" or not patient.is_active:
        raise NotFoundError(f"patient {reference!r} not found")
    return patient


def operator_report_pdf(
    rt: Runtime,
    patient_reference: str,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    deliver: Callable[[bytes], None],
) -> User:
    """The report for someone running ``retrowalk report`` on the server itself, handed to
    ``deliver`` (which writes the file).

    Whoever holds the database URL can read every record anyway; the read is still audited
    (actor role ``operator``, no user id), in the transaction that delivers the report: a
    refused period or a file that cannot be written leaves no audit entry.
    """
    with rt.db.read() as session:
        patient = find_patient(session, patient_reference)
        records = load_patient_records(session, patient)
        note = program_note(session, patient.id)
    data = report_data(records, now=rt.now(), start=start, end=end, program_note=note)
    pdf = render_clinician_pdf(data)
    with rt.db.write() as session:
        session.add(
            AuditEntry(
                at=rt.now(),
                actor_id=None,
                actor_role="operator",
                patient_id=patient.id,
                action="export",
                record_type="report_pdf",
            )
        )
        deliver(pdf)
    return patient
