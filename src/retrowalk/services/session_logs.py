"""Log a session, apply the progression decision to the next planned session, and read logs.

One transaction stores the log, the plan's next revision, any safety flag, the idempotency key
and the audit entry, so a failure (or a killed process) leaves none of them. A fall, near-fall or
new red-flag symptom pauses the program and raises a flag for the clinician
(``retrowalk.domain.session_log.STOP_EVENTS``).

Idempotency: a client sends an ``Idempotency-Key`` with each new session. The key is unique per
patient in the database, so two concurrent requests with the same key cannot both insert; the
loser rolls back and returns the stored session (``replayed=True``). The same key with a
different body is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from retrowalk.domain.plan import Plan
from retrowalk.domain.progression import apply_decision, catch_up, decide_progression
from retrowalk.domain.session_log import STOP_EVENTS, SessionLogEntry
from retrowalk.errors import InputError, NotAllowedError, NotFoundError
from retrowalk.services import audit
from retrowalk.services.inputs import NextMorningPainIn, SessionLogIn, refuse_future
from retrowalk.services.policy import lock_patient, require_patient_access
from retrowalk.services.profiles import zone_of
from retrowalk.services.programs import (
    add_revision,
    current_program,
    current_revision,
    program_view,
)
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.views import LoggedSessionView, SessionLogView
from retrowalk.storage.flags import ClinicianFlag
from retrowalk.storage.profiles import PatientProfile
from retrowalk.storage.programs import Program, ProgramRevision
from retrowalk.storage.session_logs import IdempotencyKey, SessionLog

MAX_KEY_CHARS = 200
EVENT_TEXT = {
    "fall": "a fall during a session",
    "near_fall": "a near-fall (lost balance) during a session",
    "new_red_flag": "a new red-flag symptom reported during a session",
}


def check_key(key: str | None) -> str | None:
    """An idempotency key is 1-200 printable ASCII characters (a UUID is typical)."""
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY_CHARS or not all(33 <= ord(ch) <= 126 for ch in key):
        raise InputError(
            f"must be 1 to {MAX_KEY_CHARS} printable characters without spaces",
            field="Idempotency-Key",
        )
    return key


def request_hash(data: SessionLogIn) -> str:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _zone(session: Session, patient_id: int) -> dt.tzinfo:
    profile = session.get(PatientProfile, patient_id)
    return zone_of(profile.time_zone if profile is not None else None)


def to_domain(row: SessionLog, zone: dt.tzinfo, *, reviewed: bool) -> SessionLogEntry:
    """The core's view of a stored log; reviewed safety events no longer count as new."""
    events = tuple(e for e in row.safety_events if not (reviewed and e in STOP_EVENTS))
    return SessionLogEntry(
        date=row.started_at.astimezone(zone).date(),
        backward_min_done=min(row.backward_min, 120.0),
        pain_before=round(row.pain_before or 0),
        pain_max=round(row.pain_max or 0),
        pain_after=round(row.pain_after or 0),
        pain_next_morning=None if row.pain_next_morning is None else round(row.pain_next_morning),
        rpe=row.rpe,
        events=events,  # type: ignore[arg-type]
    )


def program_log(session: Session, program: Program, zone: dt.tzinfo) -> list[SessionLogEntry]:
    rows = session.scalars(
        select(SessionLog)
        .where(SessionLog.program_id == program.id)
        .order_by(SessionLog.started_at, SessionLog.id)
    ).all()
    until = program.reviewed_until
    return [to_domain(r, zone, reviewed=until is not None and r.created_at <= until) for r in rows]


def _replay(session: Session, patient_id: int, key: str, digest: str) -> LoggedSessionView | None:
    stored = session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.patient_id == patient_id, IdempotencyKey.key == key
        )
    )
    if stored is None:
        return None
    if stored.request_hash != digest:
        raise NotAllowedError(
            "this Idempotency-Key was already used for a different session; use a new key"
        )
    row = session.get(SessionLog, stored.session_log_id)
    assert row is not None
    program = session.get(Program, row.program_id) if row.program_id is not None else None
    return LoggedSessionView(
        session=SessionLogView.model_validate(row),
        program=program_view(session, program) if program is not None else None,
        replayed=True,
    )


def _pause_for_safety(
    session: Session, rt: Runtime, actor: Actor, program: Program | None, log: SessionLog
) -> None:
    stop = [event for event in log.safety_events if event in STOP_EVENTS]
    for event in stop:
        session.add(
            ClinicianFlag(
                patient_id=log.patient_id,
                kind="safety_event",
                detail=f"{EVENT_TEXT[event]} on {log.started_at.date().isoformat()}",
                session_log_id=log.id,
                created_at=rt.now(),
            )
        )
    if stop and program is not None and program.status != "completed":
        program.status = "paused"
        program.paused_for_safety = True
        program.status_reason = "paused after " + ", ".join(EVENT_TEXT[e] for e in stop)
        program.updated_at = rt.now()


def _progress(
    session: Session,
    rt: Runtime,
    actor: Actor,
    program: Program,
    plan: Plan,
    zone: dt.tzinfo,
    row: SessionLog,
) -> None:
    """Decide after ``row`` (the program's latest session) and store the next plan revision."""
    entries = program_log(session, program, zone)
    decision = decide_progression(plan, entries)
    row.decision = decision.to_json()
    # The decision was made on the caught-up plan (decisions for sessions logged while the
    # program was paused applied first); store that plan, not the stored one, so those
    # reductions and their history entries are kept.
    decided = apply_decision(catch_up(plan, entries), decision).to_json()
    stored = current_revision(session, program)
    if stored.session_log_id == row.id and _same_plan(stored.plan, decided):
        return  # the same answer again (a repeated correction): nothing new to store
    add_revision(
        session,
        rt,
        actor,
        program,
        decided,
        reason="progression",
        note=decision.action,
        decision=decision.to_json(),
        session_log_id=row.id,
    )
    if decision.action == "pause" and program.status == "active":
        program.status = "paused"
        program.status_reason = "paused by the progression rules: see your clinician"


def decide_after_resume(session: Session, rt: Runtime, actor: Actor, program: Program) -> None:
    """A program just resumed: sessions logged while it was paused had no decision (the plan
    did not change while paused), so the latest one is decided now, on the active plan, with
    the earlier ones caught up; a flare during the pause then shortens the next session at
    once instead of only after the next session is logged."""
    zone = _zone(session, program.patient_id)
    entries = program_log(session, program, zone)
    plan = Plan.from_json(current_revision(session, program).plan)
    applied = max((change.after_session for change in plan.history), default=0)
    if not entries or applied >= len(entries):
        return
    latest = session.scalars(
        select(SessionLog)
        .where(SessionLog.program_id == program.id)
        .order_by(SessionLog.started_at.desc(), SessionLog.id.desc())
        .limit(1)
    ).first()
    if latest is not None:
        _progress(session, rt, actor, program, plan, zone, latest)


def _same_plan(first: dict[str, Any], second: dict[str, Any]) -> bool:
    """Equal plans apart from their revision number."""
    return {**first, "revision": None} == {**second, "revision": None}


def _plan_before_decision(session: Session, program: Program, row: SessionLog) -> Plan:
    """The plan to decide on again after ``row``: as it stood before the decision (or the
    decisions) made after ``row``, so a corrected answer replaces the earlier decision instead
    of stacking on it (pain 8 then corrected to 2 must not keep the reduction). When anything
    else changed the plan since (a clinician's edit, a pause), the current plan is kept."""
    revisions = session.scalars(
        select(ProgramRevision)
        .where(ProgramRevision.program_id == program.id)
        .order_by(ProgramRevision.number)
    ).all()
    current = revisions[-1]
    ours = [r for r in revisions if r.reason == "progression" and r.session_log_id == row.id]
    if not ours:
        return Plan.from_json(current.plan)
    first = ours[0]
    since = [r for r in revisions if r.number >= first.number]
    if any(r.reason != "progression" or r.session_log_id != row.id for r in since):
        return Plan.from_json(current.plan)
    before = [r for r in revisions if r.number < first.number]
    return Plan.from_json(before[-1].plan if before else current.plan)


def _insert(
    session: Session,
    rt: Runtime,
    actor: Actor,
    patient_id: int,
    data: SessionLogIn,
    key: str | None,
    digest: str,
) -> LoggedSessionView:
    program = current_program(session, patient_id)
    plan_json = current_revision(session, program).plan if program is not None else None
    plan = Plan.from_json(plan_json) if plan_json is not None else None
    zone = _zone(session, patient_id)
    # A session dated before the plan starts is kept, but is not part of the program.
    in_program = plan is not None and data.started_at.astimezone(zone).date() >= plan.start_date
    number = data.planned_session_number
    planned = None
    if in_program and plan is not None and program is not None:
        done = len(program_log(session, program, dt.UTC))
        if number is None:
            number = min(done + 1, len(plan.sessions))
        elif number > done + 1:
            # sessions are done in order (the guided session offers the next one): a number
            # further on would leave "next" pointing before what was done
            raise InputError(
                f"session {number} is not the next one: {done} sessions are logged, so the next "
                f"is session {done + 1} (sessions are done in order)",
                field="planned_session_number",
            )
        found = plan.session(number)
        if found is None:
            raise InputError(
                f"the plan has sessions 1 to {len(plan.sessions)}", field="planned_session_number"
            )
        planned = found.to_json()
    row = SessionLog(
        patient_id=patient_id,
        program_id=program.id if in_program and program is not None else None,
        plan_revision=program.current_revision if in_program and program is not None else None,
        planned_session=planned,
        started_at=data.started_at,
        ended_at=data.ended_at,
        backward_min=data.backward_min,
        forward_min=data.forward_min,
        setting=data.setting,
        speed_m_s=data.speed_m_s,
        incline_percent=data.incline_percent,
        pain_before=data.pain_before,
        pain_max=data.pain_max,
        pain_after=data.pain_after,
        pain_next_morning=data.pain_next_morning,
        rpe=data.rpe,
        heart_rate_bpm=data.heart_rate_bpm,
        steps=data.steps,
        notes=data.notes,
        safety_events=list(data.safety_events),
        entry=data.model_dump(mode="json"),
        created_by=actor.user_id,
        created_at=rt.now(),
    )
    session.add(row)
    session.flush()
    if key is not None:
        session.add(
            IdempotencyKey(
                patient_id=patient_id,
                key=key,
                request_hash=digest,
                session_log_id=row.id,
                created_at=rt.now(),
            )
        )
        session.flush()
    if in_program and program is not None and plan is not None and program.status == "active":
        _progress(session, rt, actor, program, plan, zone, row)
    _pause_for_safety(session, rt, actor, program, row)
    session.flush()
    audit.record(session, actor, patient_id, "create", "session_log", row.id)
    return LoggedSessionView(
        session=SessionLogView.model_validate(row),
        program=program_view(session, program) if program is not None else None,
        replayed=False,
    )


def log_session(
    rt: Runtime,
    actor: Actor,
    patient_id: int,
    data: SessionLogIn,
    *,
    idempotency_key: str | None = None,
) -> LoggedSessionView:
    """Store one session and apply the progression decision; replay a repeated key."""
    key = check_key(idempotency_key)
    refuse_future(data.started_at, rt.now(), "started_at")
    refuse_future(data.ended_at, rt.now(), "ended_at")
    digest = request_hash(data)
    try:
        with rt.db.write() as session:
            # one writer per patient: concurrent sessions cannot both take the plan's next
            # revision number, and a resend waits and then sees the first one's key
            lock_patient(session, patient_id)
            require_patient_access(session, actor, patient_id)
            if key is not None:
                replay = _replay(session, patient_id, key, digest)
                if replay is not None:
                    return replay
            return _insert(session, rt, actor, patient_id, data, key, digest)
    except IntegrityError:
        if key is None:
            raise
    # Another request with the same key committed first: return what it stored.
    with rt.db.read() as session:
        replay = _replay(session, patient_id, key, digest)
        if replay is None:
            raise NotAllowedError("the session could not be stored; please send it again")
        return replay


def list_sessions(
    rt: Runtime, actor: Actor, patient_id: int, *, limit: int = 500, offset: int = 0
) -> list[SessionLogView]:
    """The patient's sessions, newest first (``limit`` of them after skipping ``offset``)."""
    return session_page(rt, actor, patient_id, limit=limit, offset=offset)[0]


def session_page(
    rt: Runtime, actor: Actor, patient_id: int, *, limit: int, offset: int
) -> tuple[list[SessionLogView], int]:
    """One page of the patient's sessions, newest first, and how many there are in all."""
    with rt.db.write() as session:
        require_patient_access(session, actor, patient_id)
        mine = SessionLog.patient_id == patient_id
        total = int(session.scalar(select(func.count(SessionLog.id)).where(mine)) or 0)
        rows = session.scalars(
            select(SessionLog)
            .where(mine)
            .order_by(SessionLog.started_at.desc(), SessionLog.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        audit.record(session, actor, patient_id, "read", "session_log")
        return [SessionLogView.model_validate(row) for row in rows], total


def _own_session(session: Session, patient_id: int, session_id: int) -> SessionLog:
    row = session.get(SessionLog, session_id)
    if row is None or row.patient_id != patient_id:
        raise NotFoundError(f"session {session_id} not found")
    return row


def get_session(rt: Runtime, actor: Actor, patient_id: int, session_id: int) -> SessionLogView:
    with rt.db.write() as session:
        require_patient_access(session, actor, patient_id)
        row = _own_session(session, patient_id, session_id)
        audit.record(session, actor, patient_id, "read", "session_log", row.id)
        return SessionLogView.model_validate(row)


def record_next_morning_pain(
    rt: Runtime, actor: Actor, patient_id: int, session_id: int, data: NextMorningPainIn
) -> SessionLogView:
    """The 24-hour pain response (evidence.md §6), asked the morning after a session.

    It matters most to the progression rules (pain not settled by the next morning means a
    shorter next session), but arrives after the decision was made without it. So when it is
    for the latest session of the current program, the decision after that session is made
    again with it and stored as a new plan revision; also while the program is paused (the plan
    stays paused, and the sessions it resumes with take the answer in), so a flare reported
    during a pause is not lost when the program resumes.
    """
    with rt.db.write() as session:
        lock_patient(session, patient_id)
        require_patient_access(session, actor, patient_id)
        row = _own_session(session, patient_id, session_id)
        row.pain_next_morning = data.pain_next_morning
        row.entry = {**row.entry, "pain_next_morning": data.pain_next_morning}
        session.flush()
        program = current_program(session, patient_id)
        if program is not None and row.program_id == program.id:
            latest = session.scalars(
                select(SessionLog.id)
                .where(SessionLog.program_id == program.id)
                .order_by(SessionLog.started_at.desc(), SessionLog.id.desc())
                .limit(1)
            ).first()
            if latest == row.id:
                plan = _plan_before_decision(session, program, row)
                _progress(session, rt, actor, program, plan, _zone(session, patient_id), row)
        audit.record(session, actor, patient_id, "update", "session_log", row.id)
        return SessionLogView.model_validate(row)
