"""Programs: prescribe from the last screening, show, pause/resume/complete, and adjust.

Every change of plan is a new :class:`~retrowalk.storage.programs.ProgramRevision`; nothing is
overwritten. A program paused because of a safety event (fall, near-fall, new red flag) can be
resumed only by the patient's clinician.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from retrowalk.domain.plan import Plan, Revision
from retrowalk.domain.prescription import (
    MAX_FORWARD_SPEED_KMH,
    MIN_FORWARD_SPEED_KMH,
    Profile,
    prescribe,
)
from retrowalk.domain.protocols import TEMPLATES
from retrowalk.domain.screening import ScreeningAnswers, ScreeningResult
from retrowalk.errors import InputError, NotAllowedError, NotFoundError, PermissionDeniedError
from retrowalk.services import audit
from retrowalk.services.inputs import PlanAdjustIn, PrescriptionIn, ProgramStatusIn
from retrowalk.services.policy import lock_patient, require_clinician_of, require_patient_access
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.screenings import latest_screening
from retrowalk.services.views import ProgramRevisionView, ProgramView
from retrowalk.storage.flags import ClinicianFlag
from retrowalk.storage.programs import Program, ProgramRevision
from retrowalk.storage.session_logs import SessionLog


def current_program(session: Session, patient_id: int) -> Program | None:
    """The patient's newest program that is not completed."""
    return session.scalar(
        select(Program)
        .where(Program.patient_id == patient_id, Program.status != "completed")
        .order_by(Program.id.desc())
        .limit(1)
    )


def latest_program(session: Session, patient_id: int) -> Program | None:
    """The patient's newest program, completed or not."""
    return session.scalars(
        select(Program).where(Program.patient_id == patient_id).order_by(Program.id.desc()).limit(1)
    ).first()


SAFETY_REVIEW_NEEDED = (
    "the program is paused for safety (a fall, near-fall, new red flag or a screening "
    "result); your clinician must review it first"
)


def current_revision(session: Session, program: Program) -> ProgramRevision:
    revision = session.scalar(
        select(ProgramRevision).where(
            ProgramRevision.program_id == program.id,
            ProgramRevision.number == program.current_revision,
        )
    )
    assert revision is not None, "a program always has its current revision"
    return revision


def program_view(session: Session, program: Program) -> ProgramView:
    revision = current_revision(session, program)
    return ProgramView(
        id=program.id,
        patient_id=program.patient_id,
        template_id=program.template_id,
        status=program.status,
        status_reason=program.status_reason,
        paused_for_safety=program.paused_for_safety,
        current_revision=program.current_revision,
        created_at=program.created_at,
        updated_at=program.updated_at,
        plan=revision.plan,
    )


def add_revision(
    session: Session,
    rt: Runtime,
    actor: Actor,
    program: Program,
    plan: dict[str, Any],
    *,
    reason: str,
    note: str = "",
    decision: dict[str, Any] | None = None,
    session_log_id: int | None = None,
) -> ProgramRevision:
    """Store ``plan`` as the program's next revision and make it current."""
    number = program.current_revision + 1
    revision = ProgramRevision(
        program_id=program.id,
        number=number,
        plan={**plan, "revision": number},
        reason=reason,
        note=note,
        decision=decision,
        session_log_id=session_log_id,
        created_by=actor.user_id,
        created_at=rt.now(),
    )
    session.add(revision)
    program.current_revision = number
    program.updated_at = rt.now()
    return revision


def prescribe_program(
    rt: Runtime, actor: Actor, patient_id: int, choices: PrescriptionIn
) -> ProgramView:
    """Build a plan from the last screening and the person's choices; refused unless cleared.

    A new program completes the previous one (one live program per patient).
    """
    with rt.db.write() as session:
        lock_patient(session, patient_id)
        require_patient_access(session, actor, patient_id)
        screening = latest_screening(session, patient_id)
        if screening is None:
            raise NotAllowedError("no screening yet: complete the safety screening first")
        answers = ScreeningAnswers(**screening.answers)
        plan = prescribe(Profile(screening_answers=answers, **choices.model_dump()))
        previous = current_program(session, patient_id)
        # The newest program, even a completed one: a safety pause that was never reviewed
        # stays in force until a clinician looks at it (completing the program first must not
        # be a way around it).
        newest = latest_program(session, patient_id)
        if newest is not None and newest.paused_for_safety and actor.role != "clinician":
            raise NotAllowedError(SAFETY_REVIEW_NEEDED)
        now = rt.now()
        if previous is not None:
            previous.status = "completed"
            previous.status_reason = "replaced by a new program"
            previous.updated_at = now
        program = Program(
            patient_id=patient_id,
            screening_id=screening.id,
            template_id=plan.template,
            status="active",
            status_reason="",
            paused_for_safety=False,
            current_revision=1,
            created_at=now,
            updated_at=now,
        )
        session.add(program)
        session.flush()
        session.add(
            ProgramRevision(
                program_id=program.id,
                number=1,
                plan=plan.to_json(),
                reason="prescription",
                note="",
                created_by=actor.user_id,
                created_at=now,
            )
        )
        session.flush()
        audit.record(session, actor, patient_id, "create", "program", program.id)
        return program_view(session, program)


def _require_current(session: Session, patient_id: int) -> Program:
    program = current_program(session, patient_id)
    if program is None:
        raise NotFoundError(f"patient {patient_id} has no current program")
    return program


def get_program(rt: Runtime, actor: Actor, patient_id: int) -> ProgramView:
    with rt.db.write() as session:
        require_patient_access(session, actor, patient_id)
        program = _require_current(session, patient_id)
        audit.record(session, actor, patient_id, "read", "program", program.id)
        return program_view(session, program)


def list_revisions(rt: Runtime, actor: Actor, patient_id: int) -> list[ProgramRevisionView]:
    """Every revision of the current program, oldest first."""
    with rt.db.write() as session:
        require_patient_access(session, actor, patient_id)
        program = _require_current(session, patient_id)
        rows = session.scalars(
            select(ProgramRevision)
            .where(ProgramRevision.program_id == program.id)
            .order_by(ProgramRevision.number)
        ).all()
        audit.record(session, actor, patient_id, "read", "program_revisions", program.id)
        return [ProgramRevisionView.model_validate(row) for row in rows]


def set_status(rt: Runtime, actor: Actor, patient_id: int, change: ProgramStatusIn) -> ProgramView:
    """Pause, resume or complete the current program.

    The patient may pause, resume and complete their own program, except that a program paused
    after a safety event is resumed or completed by their clinician only (completing it would
    otherwise be a way to a new program without the clinician's review).
    """
    with rt.db.write() as session:
        lock_patient(session, patient_id)
        require_patient_access(session, actor, patient_id)
        program = _require_current(session, patient_id)
        if change.status == program.status:
            raise NotAllowedError(f"the program is already {program.status}")
        if program.paused_for_safety and actor.role != "clinician":
            action = "resume" if change.status == "active" else "complete"
            raise PermissionDeniedError(
                "this program was paused for safety (a fall, near-fall, new red flag or a "
                f"screening result); only your clinician can {action} it"
            )
        program.status = change.status
        program.status_reason = change.reason
        if change.status == "active" and program.paused_for_safety:
            program.paused_for_safety = False
            program.reviewed_until = rt.now()
        program.updated_at = rt.now()
        revision = current_revision(session, program)
        plan = Plan.from_json(revision.plan)
        if change.status in ("active", "paused") and plan.status != change.status:
            add_revision(
                session,
                rt,
                actor,
                program,
                plan.with_changes(status=change.status).to_json(),
                reason=f"status:{change.status}",
                note=change.reason,
            )
        if change.status == "active":
            # imported here: session_logs builds on this module (programs, revisions)
            from retrowalk.services.session_logs import decide_after_resume

            session.flush()
            decide_after_resume(session, rt, actor, program)
        session.flush()
        audit.record(session, actor, patient_id, "update", "program", program.id)
        return program_view(session, program)


def adjust_plan(rt: Runtime, actor: Actor, patient_id: int, change: PlanAdjustIn) -> ProgramView:
    """A linked clinician replaces the plan with an edited one (validated by the core)."""
    with rt.db.write() as session:
        lock_patient(session, patient_id)
        require_clinician_of(session, actor, patient_id)
        program = _require_current(session, patient_id)
        try:
            plan = Plan.from_json(change.plan)
        except InputError as error:  # the plan is the request's "plan" field
            raise InputError(
                error.problem, field=f"plan.{error.field}" if error.field else "plan"
            ) from None
        if plan.revision != program.current_revision:
            # an edit of a plan read before a session, a morning answer or another edit changed
            # it would silently undo that change (e.g. a flare's reduction)
            raise NotAllowedError(
                f"the plan has changed since it was read (it is now revision "
                f"{program.current_revision}; this edit is of revision {plan.revision}): read "
                "it again and make the edit on the current plan"
            )
        if plan.template != program.template_id and plan.template not in TEMPLATES:
            raise InputError(
                f"must be the program's template ({program.template_id}) or one of "
                f"{', '.join(sorted(TEMPLATES))}",
                field="plan.template",
            )
        speed = plan.forward_speed_kmh
        if speed is not None and not MIN_FORWARD_SPEED_KMH <= speed <= MAX_FORWARD_SPEED_KMH:
            raise InputError(
                f"must be from {MIN_FORWARD_SPEED_KMH:g} to {MAX_FORWARD_SPEED_KMH:g} km/h",
                field="plan.forward_speed_kmh",
            )
        # The edited plan is the new baseline: sessions logged so far must not be replayed onto
        # it by the progression rules' catch-up (a plan sent without its history would else get
        # every earlier decision applied again at the next session).
        logged = session.scalar(
            select(func.count(SessionLog.id)).where(SessionLog.program_id == program.id)
        )
        applied = max((entry.after_session for entry in plan.history), default=0)
        if logged and applied < logged:
            entry = Revision(plan.revision + 1, "clinician_edit", int(logged), change.note)
            plan = plan.with_changes(revision=entry.revision, history=(*plan.history, entry))
        add_revision(
            session,
            rt,
            actor,
            program,
            plan.to_json(),
            reason="clinician_edit",
            note=change.note,
        )
        session.flush()
        audit.record(session, actor, patient_id, "update", "program", program.id)
        return program_view(session, program)


def pause_after_screening(
    session: Session, rt: Runtime, actor: Actor, patient_id: int, result: ScreeningResult
) -> None:
    """A repeat screening that does not clear the person pauses their current program.

    The screening's decision (see a clinician, or urgent care) means: stop and talk to a
    clinician before going on (docs/clinical.md). As after a fall, the program is paused for
    safety (only the clinician can resume it) and a flag is raised for the clinician. A
    completed program, or none, is left alone; a cleared screening changes nothing.
    """
    if result.cleared:
        return
    program = current_program(session, patient_id)
    if program is None:
        return
    why = "; ".join(reason.text for reason in result.reasons if reason.level != "cleared")
    reason = f"paused: the repeat screening says {result.decision.replace('_', ' ')}"
    if program.status == "active":
        plan = Plan.from_json(current_revision(session, program).plan)
        add_revision(
            session,
            rt,
            actor,
            program,
            plan.with_changes(status="paused").to_json(),
            reason="status:paused",
            note=reason,
        )
        program.status = "paused"
    program.paused_for_safety = True
    program.status_reason = reason
    program.updated_at = rt.now()
    detail = f"screening on {rt.now().date().isoformat()}: {result.decision}" + (
        f" ({why})" if why else ""
    )
    session.add(
        ClinicianFlag(
            patient_id=patient_id, kind="safety_event", detail=detail[:500], created_at=rt.now()
        )
    )
    audit.record(session, actor, patient_id, "update", "program", program.id)
