"""The clinician's overview of their patients, and the flags that call for attention.

For each linked patient: adherence (sessions logged in the current program / sessions the plan
had scheduled up to today, capped at 100 %), last session, current dose (the next planned
session's backward minutes) and flags:

- ``safety_event``: a logged fall, near-fall or new red flag not yet resolved by a clinician
  (stored when the session is logged);
- ``pain_rising``: the latest pain before a session is at least 2 points above the lowest pain
  before a session in the 28 days before it. 2 points on the 0-10 NPRS is the minimal detectable
  and clinically important change in low back pain (evidence.md §4: Childs et al. Spine
  2005;30:1331-1334; Ostelo et al. Spine 2008;33:90-94);
- ``no_recent_session``: an active program and no session for 7 days (our choice: plans
  schedule 3-4 sessions a week, so 7 days means at least two missed sessions).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from retrowalk.domain.plan import Plan
from retrowalk.errors import NotFoundError
from retrowalk.services import audit
from retrowalk.services.policy import require_clinician_of, require_patient_access, require_role
from retrowalk.services.programs import current_revision
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.views import FlagView, PatientSummaryView, UserView
from retrowalk.storage.flags import ClinicianFlag
from retrowalk.storage.links import CareLink
from retrowalk.storage.programs import Program
from retrowalk.storage.session_logs import SessionLog
from retrowalk.storage.users import User

PAIN_RISE_NPRS = 2
PAIN_WINDOW = dt.timedelta(days=28)
NO_SESSION_AFTER = dt.timedelta(days=7)


def pain_rising(pains: list[tuple[dt.datetime, float]]) -> tuple[float, float] | None:
    """``(lowest, latest)`` if the latest pain is >= 2 points above the 28-day low, else None."""
    if len(pains) < 2:
        return None
    ordered = sorted(pains)
    latest_at, latest = ordered[-1]
    earlier = [pain for at, pain in ordered[:-1] if latest_at - at <= PAIN_WINDOW]
    if not earlier:
        return None
    lowest = min(earlier)
    return (lowest, latest) if latest - lowest >= PAIN_RISE_NPRS else None


def _flags(
    session: Session, now: dt.datetime, patient_id: int, program: Program | None
) -> list[FlagView]:
    flags = [
        FlagView.model_validate(flag)
        for flag in session.scalars(
            select(ClinicianFlag)
            .where(ClinicianFlag.patient_id == patient_id, ClinicianFlag.resolved_at.is_(None))
            .order_by(ClinicianFlag.id)
        )
    ]
    pains = [
        (at, float(pain))
        for at, pain in session.execute(
            select(SessionLog.started_at, SessionLog.pain_before)
            .where(
                SessionLog.patient_id == patient_id,
                SessionLog.pain_before.is_not(None),
                SessionLog.started_at >= now - 2 * PAIN_WINDOW,
            )
            .order_by(SessionLog.started_at)
        )
        if pain is not None
    ]
    rising = pain_rising(pains)
    if rising is not None:
        flags.append(
            FlagView(
                id=None,
                kind="pain_rising",
                detail=f"pain before sessions rose from {rising[0]:g} to {rising[1]:g} of 10",
                session_log_id=None,
                created_at=None,
                resolved_at=None,
            )
        )
    if program is not None and program.status == "active":
        last = session.scalar(
            select(func.max(SessionLog.started_at)).where(SessionLog.patient_id == patient_id)
        )
        since = last or program.created_at
        if now - since >= NO_SESSION_AFTER:
            flags.append(
                FlagView(
                    id=None,
                    kind="no_recent_session",
                    detail=f"no session for {(now - since).days} days",
                    session_log_id=None,
                    created_at=None,
                    resolved_at=None,
                )
            )
    return flags


def summarize(session: Session, now: dt.datetime, patient: User) -> PatientSummaryView:
    program = session.scalar(
        select(Program)
        .where(Program.patient_id == patient.id)
        .order_by((Program.status == "completed").asc(), Program.id.desc())
        .limit(1)
    )
    done = planned = 0
    current_min: int | None = None
    next_date: dt.date | None = None
    if program is not None:
        plan = Plan.from_json(current_revision(session, program).plan)
        done = int(
            session.scalar(
                select(func.count(SessionLog.id)).where(SessionLog.program_id == program.id)
            )
            or 0
        )
        planned = sum(1 for s in plan.sessions if s.date <= now.date())
        upcoming = plan.session(done + 1)
        if upcoming is not None and program.status != "completed":
            current_min = upcoming.backward_min
            next_date = upcoming.date
    last = session.scalar(
        select(func.max(SessionLog.started_at)).where(SessionLog.patient_id == patient.id)
    )
    return PatientSummaryView(
        patient=UserView.model_validate(patient),
        program_id=program.id if program is not None else None,
        program_status=program.status if program is not None else None,
        sessions_done=done,
        sessions_planned=planned,
        adherence=min(1.0, done / planned) if planned else None,
        last_session_at=last,
        current_backward_min=current_min,
        next_session_date=next_date,
        flags=_flags(session, now, patient.id, program),
    )


def clinician_overview(rt: Runtime, actor: Actor) -> list[PatientSummaryView]:
    """Every linked patient with adherence, last session, current dose and flags."""
    require_role(actor, "clinician")
    now = rt.now()
    with rt.db.write() as session:
        patients = session.scalars(
            select(User)
            .join(CareLink, CareLink.patient_id == User.id)
            .where(
                CareLink.clinician_id == actor.user_id,
                CareLink.ended_at.is_(None),
                User.is_active.is_(True),
            )
            .order_by(User.display_name, User.id)
        ).all()
        summaries = [summarize(session, now, patient) for patient in patients]
        for patient in patients:
            audit.record(session, actor, patient.id, "read", "overview")
        return summaries


def patient_summary(rt: Runtime, actor: Actor, patient_id: int) -> PatientSummaryView:
    """One patient's overview line (the patient themselves or a linked clinician)."""
    with rt.db.write() as session:
        patient = require_patient_access(session, actor, patient_id)
        summary = summarize(session, rt.now(), patient)
        audit.record(session, actor, patient_id, "read", "overview")
        return summary


def resolve_flag(rt: Runtime, actor: Actor, patient_id: int, flag_id: int) -> FlagView:
    """A linked clinician marks a stored flag as dealt with."""
    with rt.db.write() as session:
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
