"""A patient's personal data: download all of it, or delete the account and all health data.

Download: one zip with ``retrowalk-data.json`` (every stored record about the patient, in full),
``sessions.csv``, ``outcomes.csv`` and ``walking-bouts.csv``, ``fhir-bundle.json`` and
``report.pdf`` (the clinician report over the patient's whole history), plus a README naming
each file.

Deletion: in one transaction, every row of the patient's health data (profile, screenings,
programs and their revisions, session logs, idempotency keys, flags, outcomes, recordings,
calendar tokens), their logins and their clinician links is deleted, then the account itself.
The audit log keeps who accessed which patient id when (no health data; by design it outlives
the account) and gets a ``delete`` entry for the account and one per ended clinician link.
Only the patient may do either, and deletion needs their password.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from retrowalk.exchange.csv_export import bouts_csv, outcomes_csv, sessions_csv
from retrowalk.exchange.fhir import bundle_from_records, bundle_to_json
from retrowalk.reports.clinician_pdf import render_clinician_pdf
from retrowalk.services import audit
from retrowalk.services.accounts import WrongPasswordError, password_matches
from retrowalk.services.exchange import REPORT_MAX_DAYS, program_note, report_data
from retrowalk.services.patient_records import load_patient_records
from retrowalk.services.policy import lock_patient, require_patient_access, require_role
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.views import (
    AuditEntryView,
    OutcomeView,
    ProfileView,
    ProgramRevisionView,
    ScreeningView,
    SessionLogView,
    UserView,
)
from retrowalk.storage.audit import AuditEntry
from retrowalk.storage.calendar_tokens import CalendarToken
from retrowalk.storage.flags import ClinicianFlag
from retrowalk.storage.links import CareLink
from retrowalk.storage.outcomes import OutcomeAssessment
from retrowalk.storage.profiles import PatientProfile
from retrowalk.storage.programs import Program, ProgramRevision
from retrowalk.storage.recordings import SessionRecording
from retrowalk.storage.screenings import Screening
from retrowalk.storage.session_logs import IdempotencyKey, SessionLog
from retrowalk.storage.users import AuthToken, User

FORMAT = "retrowalk-personal-data/1"
README = """Your retrowalk data, as stored on {generated_at}.

retrowalk-data.json  every record retrowalk holds about you, in full (account, profile,
                     screenings, programs with every plan revision, sessions, outcomes,
                     recording analyses, clinician links, calendar links, who accessed your
                     records and when)
sessions.csv         your sessions, one row each (units in the column names)
outcomes.csv         your questionnaires and tests, one row each
walking-bouts.csv    each stretch of walking your recordings measured, one row each
fhir-bundle.json     the same records as a FHIR R4 Bundle, for an electronic health record
report.pdf           the clinician report over your whole history (its last ten years if longer)

retrowalk informs and supports; it is not medical advice.
"""


def _require_self(session: Session, actor: Actor, patient_id: int) -> User:
    require_role(actor, "patient")
    return require_patient_access(session, actor, patient_id)


def _dump(rows: Any, view: Any) -> list[dict[str, Any]]:
    return [view.model_validate(row, from_attributes=True).model_dump(mode="json") for row in rows]


def _by_patient(session: Session, model: Any, patient_id: int) -> list[Any]:
    return list(
        session.scalars(select(model).where(model.patient_id == patient_id).order_by(model.id))
    )


def _everything(session: Session, patient: User) -> dict[str, Any]:
    pid = patient.id
    profile = session.get(PatientProfile, pid)
    programs = _by_patient(session, Program, pid)
    program_data = []
    for program in programs:
        revisions = session.scalars(
            select(ProgramRevision)
            .where(ProgramRevision.program_id == program.id)
            .order_by(ProgramRevision.number)
        )
        program_data.append(
            {
                "id": program.id,
                "template_id": program.template_id,
                "status": program.status,
                "status_reason": program.status_reason,
                "paused_for_safety": program.paused_for_safety,
                "current_revision": program.current_revision,
                "created_at": program.created_at.isoformat(),
                "updated_at": program.updated_at.isoformat(),
                "revisions": _dump(revisions, ProgramRevisionView),
            }
        )
    recordings = [
        {
            "id": r.id,
            "session_log_id": r.session_log_id,
            "filename": r.filename,
            "file_format": r.file_format,
            "size_bytes": r.size_bytes,
            "sha256": r.sha256,
            "algorithm": r.algorithm,
            "result": r.result,
            "created_at": r.created_at.isoformat(),
        }
        for r in _by_patient(session, SessionRecording, pid)
    ]
    links = [
        {
            "clinician": (c.display_name if (c := session.get(User, link.clinician_id)) else None),
            "created_at": link.created_at.isoformat(),
            "ended_at": link.ended_at.isoformat() if link.ended_at else None,
        }
        for link in _by_patient(session, CareLink, pid)
    ]
    flags = [
        {
            "kind": f.kind,
            "detail": f.detail,
            "session_log_id": f.session_log_id,
            "created_at": f.created_at.isoformat(),
            "resolved_at": f.resolved_at.isoformat() if f.resolved_at else None,
        }
        for f in _by_patient(session, ClinicianFlag, pid)
    ]
    calendars = [
        {
            "created_at": t.created_at.isoformat(),
            "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
        }
        for t in _by_patient(session, CalendarToken, pid)
    ]
    return {
        "account": UserView.model_validate(patient).model_dump(mode="json"),
        "profile": ProfileView.model_validate(profile).model_dump(mode="json") if profile else None,
        "screenings": _dump(_by_patient(session, Screening, pid), ScreeningView),
        "programs": program_data,
        "session_logs": _dump(_by_patient(session, SessionLog, pid), SessionLogView),
        "outcomes": _dump(_by_patient(session, OutcomeAssessment, pid), OutcomeView),
        "recordings": recordings,
        "clinician_flags": flags,
        "clinician_links": links,
        "calendar_subscriptions": calendars,
        "audit_log": _dump(list(session.scalars(audit.own_entries(pid))), AuditEntryView),
    }


def personal_data_zip(rt: Runtime, actor: Actor, patient_id: int) -> bytes:
    """Everything retrowalk holds about the patient, as a zip (see the module docs)."""
    now = rt.now()
    with rt.db.write() as session:
        patient = _require_self(session, actor, patient_id)
        audit.record(session, actor, patient_id, "export", "personal_data")
        session.flush()
        everything = _everything(session, patient)
        records = load_patient_records(session, patient)
        note = program_note(session, patient_id)
    first_days = [s.started_at.date() for s in records.sessions] + [
        o.assessed_at.date() for o in records.outcomes
    ]
    if records.program is not None:
        first_days.append(records.program.start_date)
    start = min(first_days) if first_days else None
    data = {"format": FORMAT, "generated_at": now.isoformat(), **everything}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(generated_at=now.isoformat()))
        archive.writestr("retrowalk-data.json", json.dumps(data, indent=2, ensure_ascii=False))
        archive.writestr(
            "sessions.csv", sessions_csv((records.patient, s) for s in records.sessions)
        )
        archive.writestr(
            "outcomes.csv", outcomes_csv((records.patient, o) for o in records.outcomes)
        )
        archive.writestr(
            "walking-bouts.csv", bouts_csv((records.patient, s) for s in records.sessions)
        )
        archive.writestr(
            "fhir-bundle.json", bundle_to_json(bundle_from_records(records, generated_at=now))
        )
        end = max([now.date(), *(d for d in first_days)]) if first_days else now.date()
        # A report spans at most ten years (services.exchange.report_period); a longer history
        # (e.g. imported old records) is reported over its last ten years, and the JSON, CSV
        # and FHIR files still hold all of it: the download must never fail on its length.
        start = max(start or end, end - dt.timedelta(days=REPORT_MAX_DAYS))
        report = report_data(records, now=now, start=start, end=end, program_note=note)
        archive.writestr("report.pdf", render_clinician_pdf(report))
    return buffer.getvalue()


#: Tables of a patient's health data and account, deleted child first.
_PATIENT_TABLES: tuple[Any, ...] = (
    SessionRecording,
    CalendarToken,
    IdempotencyKey,
    ClinicianFlag,
    OutcomeAssessment,
)


def delete_account(rt: Runtime, actor: Actor, patient_id: int, password: str) -> None:
    """Delete the patient's account and all their health data (password required).

    The password is read as everywhere else, without surrounding spaces
    (:func:`~retrowalk.services.accounts.password_text`). A wrong one is a
    ``WrongPasswordError``, which the callers count like a failed sign-in."""
    with rt.db.write() as session:
        # after every other writer of this patient (their rows are then all visible to delete)
        lock_patient(session, patient_id)
        patient = _require_self(session, actor, patient_id)
        if not password_matches(rt, patient.password_hash, password):
            raise WrongPasswordError("the password does not match", field="password")
        now = rt.now()
        links = _by_patient(session, CareLink, patient_id)
        for link in links:
            if link.ended_at is None:
                session.add(
                    AuditEntry(
                        at=now,
                        actor_id=actor.user_id,
                        actor_role=actor.role,
                        patient_id=patient_id,
                        action="delete",
                        record_type="care_link",
                        record_id=link.id,
                    )
                )
        program_ids = select(Program.id).where(Program.patient_id == patient_id)
        log_ids = select(SessionLog.id).where(SessionLog.patient_id == patient_id)
        for model in _PATIENT_TABLES:
            session.execute(delete(model).where(model.patient_id == patient_id))
        session.execute(delete(ClinicianFlag).where(ClinicianFlag.session_log_id.in_(log_ids)))
        session.execute(delete(ProgramRevision).where(ProgramRevision.program_id.in_(program_ids)))
        session.execute(delete(SessionLog).where(SessionLog.patient_id == patient_id))
        for model in (Program, Screening, PatientProfile, CareLink):
            session.execute(delete(model).where(model.patient_id == patient_id))
        session.execute(delete(AuthToken).where(AuthToken.user_id == patient_id))
        session.execute(delete(User).where(User.id == patient_id))
        audit.record(session, actor, patient_id, "delete", "account", patient_id)
