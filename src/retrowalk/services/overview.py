"""The clinician's overview of their patients, and the flags that call for attention.

For each linked patient: adherence (sessions logged in the current program / sessions the plan
had scheduled up to today, capped at 100 %), last session, current dose (the next planned
session's backward minutes) and flags:

- ``safety_event``: a logged fall, near-fall or new red flag not yet resolved by a clinician
  (stored when the session is logged);
- ``pain_rising``: in the current program, the latest pain before a session is at least 2 points
  above the lowest pain before a session in the 28 days (local calendar dates) before it: the
  rule that also holds the dose, on the same log (:mod:`retrowalk.domain.pain_trend`). 2 points
  on the 0-10 NPRS is the minimal detectable
  and clinically important change in low back pain (evidence.md §4: Childs et al. Spine
  2005;30:1331-1334; Ostelo et al. Spine 2008;33:90-94);
- ``no_recent_session``: an active program and no session for 7 days (our choice: plans
  schedule 3-4 sessions a week, so 7 days means at least two missed sessions).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from retrowalk.domain.pain_trend import usual_pain_rise_in_log
from retrowalk.domain.session_log import SessionLogEntry
from retrowalk.errors import NotFoundError
from retrowalk.services import audit
from retrowalk.services.policy import (
    lock_patient,
    require_clinician_of,
    require_patient_access,
    require_role,
)
from retrowalk.services.profiles import zone_of
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.session_logs import to_domain
from retrowalk.services.views import FlagView, PatientSummaryView, UserView
from retrowalk.storage.flags import ClinicianFlag
from retrowalk.storage.links import CareLink
from retrowalk.storage.profiles import PatientProfile
from retrowalk.storage.programs import Program, ProgramRevision
from retrowalk.storage.session_logs import SessionLog
from retrowalk.storage.users import User

NO_SESSION_AFTER = dt.timedelta(days=7)


def _open_flags(session: Session, ids: list[int]) -> dict[int, list[FlagView]]:
    found: dict[int, list[FlagView]] = {pid: [] for pid in ids}
    for flag in session.scalars(
        select(ClinicianFlag)
        .where(ClinicianFlag.patient_id.in_(ids), ClinicianFlag.resolved_at.is_(None))
        .order_by(ClinicianFlag.id)
    ):
        found[flag.patient_id].append(FlagView.model_validate(flag))
    return found


def _computed_flag(kind: str, detail: str) -> FlagView:
    return FlagView(
        id=None, kind=kind, detail=detail, session_log_id=None, created_at=None, resolved_at=None
    )


def _current_programs(
    session: Session, ids: list[int]
) -> dict[int, tuple[Program, dict[str, Any]]]:
    """Each patient's newest live program (else newest completed one) with its current plan."""
    rows = session.execute(
        select(Program, ProgramRevision.plan)
        .join(
            ProgramRevision,
            and_(
                ProgramRevision.program_id == Program.id,
                ProgramRevision.number == Program.current_revision,
            ),
        )
        .where(Program.patient_id.in_(ids))
        .order_by(Program.id.desc())
    ).all()
    chosen: dict[int, tuple[Program, dict[str, Any]]] = {}
    for program, plan in rows:
        previous = chosen.get(program.patient_id)
        if previous is None or (
            previous[0].status == "completed" and program.status != "completed"
        ):
            chosen[program.patient_id] = (program, plan)
    return chosen


def summaries(session: Session, now: dt.datetime, patients: list[User]) -> list[PatientSummaryView]:
    """Overview lines for ``patients`` with a fixed number of queries (not one set per patient)."""
    ids = [patient.id for patient in patients]
    if not ids:
        return []
    programs = _current_programs(session, ids)
    program_ids = [program.id for program, _ in programs.values()]
    done_by_program: dict[int | None, int] = dict(
        session.execute(
            select(SessionLog.program_id, func.count(SessionLog.id))
            .where(SessionLog.program_id.in_(program_ids))
            .group_by(SessionLog.program_id)
        ).all()
    )
    last_by_patient: dict[int, dt.datetime | None] = dict(
        session.execute(
            select(SessionLog.patient_id, func.max(SessionLog.started_at))
            .where(SessionLog.patient_id.in_(ids))
            .group_by(SessionLog.patient_id)
        ).all()
    )
    flags = _open_flags(session, ids)
    zones = _zones(session, ids)
    # the current program's log as the progression reads it (local dates, the same rounding),
    # so "pain rising" here and the dose hold there are one rule on one log; a patient without
    # a program: the sessions logged outside any program
    logs: dict[int, list[SessionLogEntry]] = {pid: [] for pid in ids}
    without_program = [pid for pid in ids if pid not in programs]
    for row in session.scalars(
        select(SessionLog)
        .where(
            or_(
                SessionLog.program_id.in_(program_ids),
                and_(SessionLog.program_id.is_(None), SessionLog.patient_id.in_(without_program)),
            )
        )
        .order_by(SessionLog.started_at, SessionLog.id)
    ):
        zone = zones.get(row.patient_id, dt.UTC)
        logs[row.patient_id].append(to_domain(row, zone, reviewed=False))
    lines = []
    for patient in patients:
        program, plan = programs.get(patient.id, (None, None))
        done = planned = 0
        current_min: int | None = None
        next_date: dt.date | None = None
        if program is not None and plan is not None:
            done = int(done_by_program.get(program.id, 0))
            sessions = plan["sessions"]
            # the patient's own calendar day: before their first session's morning nothing
            # is due yet, whatever the date in UTC
            today = now.astimezone(zones.get(patient.id, dt.UTC)).date()
            planned = sum(1 for s in sessions if dt.date.fromisoformat(s["date"]) <= today)
            if done < len(sessions) and program.status != "completed":
                current_min = int(sessions[done]["backward_min"])
                # sessions are done in order: one the patient is behind on is due today
                next_date = max(dt.date.fromisoformat(sessions[done]["date"]), today)
        last = last_by_patient.get(patient.id)
        patient_flags = list(flags[patient.id])
        rising = usual_pain_rise_in_log(logs[patient.id])
        if rising is not None:
            patient_flags.append(
                _computed_flag(
                    "pain_rising",
                    f"pain before sessions rose from {rising[0]:g} to {rising[1]:g} of 10",
                )
            )
        if program is not None and program.status == "active":
            since = last or program.created_at
            if now - since >= NO_SESSION_AFTER:
                patient_flags.append(
                    _computed_flag("no_recent_session", f"no session for {(now - since).days} days")
                )
        lines.append(
            PatientSummaryView(
                patient=UserView.model_validate(patient),
                program_id=program.id if program is not None else None,
                program_status=program.status if program is not None else None,
                sessions_done=done,
                sessions_planned=planned,
                adherence=min(1.0, done / planned) if planned else None,
                last_session_at=last,
                current_backward_min=current_min,
                next_session_date=next_date,
                flags=patient_flags,
            )
        )
    return lines


def _zones(session: Session, patient_ids: list[int]) -> dict[int, dt.tzinfo]:
    """Each patient's time zone from their profile (UTC without one)."""
    rows = session.execute(
        select(PatientProfile.patient_id, PatientProfile.time_zone).where(
            PatientProfile.patient_id.in_(patient_ids)
        )
    ).all()
    return {patient_id: zone_of(name) for patient_id, name in rows}


def _audit_reads(rt: Runtime, actor: Actor, patient_ids: list[int]) -> None:
    with rt.db.write() as session:
        for patient_id in patient_ids:
            audit.record(session, actor, patient_id, "read", "overview")


def clinician_overview(rt: Runtime, actor: Actor) -> list[PatientSummaryView]:
    """Every linked patient with adherence, last session, current dose and flags.

    Computed in a read transaction; the audit entries are written (one short write) before the
    data is returned, so nothing is shown that is not in the audit log.
    """
    require_role(actor, "clinician")
    now = rt.now()
    with rt.db.read() as session:
        patients = list(
            session.scalars(
                select(User)
                .join(CareLink, CareLink.patient_id == User.id)
                .where(
                    CareLink.clinician_id == actor.user_id,
                    CareLink.ended_at.is_(None),
                    User.is_active.is_(True),
                )
                .order_by(User.display_name, User.id)
            )
        )
        lines = summaries(session, now, patients)
    _audit_reads(rt, actor, [patient.id for patient in patients])
    return lines


def patient_summary(rt: Runtime, actor: Actor, patient_id: int) -> PatientSummaryView:
    """One patient's overview line (the patient themselves or a linked clinician)."""
    with rt.db.write() as session:
        patient = require_patient_access(session, actor, patient_id)
        (line,) = summaries(session, rt.now(), [patient])
        audit.record(session, actor, patient_id, "read", "overview")
        return line


def resolve_flag(rt: Runtime, actor: Actor, patient_id: int, flag_id: int) -> FlagView:
    """A linked clinician marks a stored flag as dealt with."""
    with rt.db.write() as session:
        lock_patient(session, patient_id)
        require_clinician_of(session, actor, patient_id)
        flag = session.get(ClinicianFlag, flag_id)
        if flag is None or flag.patient_id != patient_id:
            raise NotFoundError(f"flag {flag_id} not found")
        if flag.resolved_at is None:
            flag.resolved_at = rt.now()
            flag.resolved_by = actor.user_id
        session.flush()
        audit.record(session, actor, patient_id, "update", "flag", flag.id)
        return FlagView.model_validate(flag)
