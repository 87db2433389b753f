"""The patient's pages: my program, the guided session, progress, morning pain, pause, linking."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from retrowalk.domain.plan import Plan, PlannedSession
from retrowalk.domain.screening import NEXT_STEP
from retrowalk.errors import InputError, NotAllowedError, PermissionDeniedError
from retrowalk.schemas.parsing import validate
from retrowalk.services import invitations, programs, screenings, session_logs
from retrowalk.services.inputs import NextMorningPainIn, ProgramStatusIn
from retrowalk.web.api import API_PREFIX
from retrowalk.web.api.common import RecordId
from retrowalk.web.errors import status_for
from retrowalk.web.pages.formatting import (
    CR10_LABELS,
    date_text,
    local_date,
    pace_text,
    source_text,
)
from retrowalk.web.pages.guards import PageError, RedirectNeededError, require
from retrowalk.web.pages.patient_records import (
    PatientRecords,
    all_charts,
    load_measured,
    load_records,
    outcome_rows,
    session_rows,
)
from retrowalk.web.pages.questionnaires_due import due_today
from retrowalk.web.pages.rendering import render
from retrowalk.web.pages.screening import questions_added_since
from retrowalk.web.pages.screening_questions import QUESTIONS
from retrowalk.web.pages.session_user import PageUser, check_csrf, runtime_of

router = APIRouter(include_in_schema=False)


def planned_view(
    planned: PlannedSession, url: str = "", *, due_from: dt.date | None = None
) -> dict[str, Any]:
    """A planned session for the pages. With ``due_from`` (today), a session whose planned day
    has passed reads as due today: sessions are done in order, so one the person is behind on
    is the one to do now."""
    backward_blocks = [b for b in planned.blocks if b.direction == "backward"]
    breaks_min = sum(b.duration_min for b in planned.blocks if b.direction == "forward")
    if len(backward_blocks) > 1:
        block_text = (
            f"{len(backward_blocks)} backward blocks of "
            f"{', '.join(str(b.duration_min) for b in backward_blocks)} min"
            f" with {breaks_min} min forward in between"
        )
    else:
        block_text = f"{planned.backward_min} min backward in one go"
    return {
        "number": planned.number,
        "date_text": (
            f"today (planned for {date_text(planned.date)})"
            if due_from is not None and planned.date < due_from
            else date_text(planned.date)
        ),
        "week": planned.week,
        "backward_min": planned.backward_min,
        "total_min": planned.total_min,
        "warmup_forward_min": planned.warmup_forward_min,
        "cooldown_forward_min": planned.cooldown_forward_min,
        "forward_break_min": breaks_min,
        "block_text": block_text,
        "url": url,
    }


def _morning_question(records: PatientRecords) -> dict[str, Any] | None:
    """The next-morning pain question, asked the day after a session (evidence.md §6)."""
    if not records.sessions:
        return None
    latest = records.sessions[0]
    day = local_date(latest.started_at, records.tz)
    if latest.pain_next_morning is not None or day != records.today() - dt.timedelta(days=1):
        return None
    return {"date_text": date_text(day), "action": f"/app/sessions/{latest.id}/morning"}


@router.get("/app")
def my_program(request: Request) -> Response:
    return _program_page(request, require(request, "patient"))


def _program_page(
    request: Request,
    user: PageUser,
    *,
    link_error: str = "",
    link_code: str = "",
    status_code: int = 200,
) -> Response:
    """The patient's home page; with ``link_error`` it is the refused invitation code shown
    again beside its field."""
    rt = runtime_of(request)
    records = load_records(rt, user.actor, user.user_id)
    done_outcomes = [
        (o.instrument, local_date(o.assessed_at, records.tz)) for o in records.outcomes
    ]
    due = [
        {
            "name": d.slot.name,
            "why": d.slot.why,
            "url": f"/app/questionnaires/{d.slot.instruments[0]}",
        }
        for d in due_today(done_outcomes, records.today())
    ]
    links = invitations.list_links(rt, user.actor)
    context: dict[str, Any] = {
        "morning": _morning_question(records),
        "due": due,
        "program": records.program,
        "clinicians": [link.clinician.display_name for link in links],
        "accept_action": "/app/link",
        "link_error": link_error,
        "link_code": link_code,
        "status_code": status_code,
        "screening_url": "/app/screening",
        "screening_result_url": "/app/screening/result",
        "question_count": len(QUESTIONS),
    }
    found = screenings.list_screenings(rt, user.actor, user.user_id)
    context["new_questions"] = len(questions_added_since(found[-1].answers)) if found else 0
    if records.program is None or records.plan is None:
        decision = found[-1].decision if found else None
        context["screening_decision"] = decision
        context["screening_next_step"] = NEXT_STEP.get(decision, "") if decision else ""  # type: ignore[call-overload]
        return render(request, "patient/program.html", title="My program", user=user, **context)
    plan = records.plan
    today = records.today()
    done_numbers = {
        s.planned_session.get("number")
        for s in records.program_sessions()
        if s.planned_session is not None
    }
    nxt = records.next_planned()
    week = nxt.week if nxt is not None else plan.weeks
    week_sessions = [
        {**planned_view(s), "done": s.number in done_numbers}
        for s in plan.sessions
        if s.week == week
    ]
    context.update(
        plan=plan,
        next_session=planned_view(nxt, "/app/session", due_from=today) if nxt is not None else None,
        week_number=week,
        week_sessions=week_sessions,
        sources=[source_text(s) for s in plan.sources],
        pace_text=pace_text(nxt.pace.to_json(), plan.setting, records.units) if nxt else "",
        pause_action="/app/program/status",
        today=today,
    )
    return render(request, "patient/program.html", title="My program", user=user, **context)


def session_phases(planned: PlannedSession, plan: Plan) -> list[dict[str, Any]]:
    """The guided session's phases: forward warm-up, the blocks, forward cool-down."""
    reminders = [
        "Glance over your shoulder.",
        "Stand tall.",
        *planned.cues[:3],
    ]
    phases: list[dict[str, Any]] = []
    if planned.warmup_forward_min > 0:
        phases.append(
            {
                "kind": "warm_up",
                "direction": "forward",
                "duration_s": planned.warmup_forward_min * 60,
                "title": "Warm-up: walk forward",
                "instruction": "Walk forward at an easy, comfortable pace to warm up.",
                "reminders": [],
            }
        )
    backward_total = sum(1 for b in planned.blocks if b.direction == "backward")
    backward_seen = 0
    for block in planned.blocks:
        if block.direction == "backward":
            backward_seen += 1
            count = f" ({backward_seen} of {backward_total})" if backward_total > 1 else ""
            where = (
                "Hold the rails lightly."
                if plan.setting == "treadmill"
                else "Check the path behind you is clear."
            )
            phases.append(
                {
                    "kind": "backward",
                    "direction": "backward",
                    "duration_s": block.duration_min * 60,
                    "title": f"Walk backward{count}",
                    "instruction": f"Turn around and walk backward slowly. {where} "
                    "Short steps, toes first. Stand tall.",
                    "reminders": reminders,
                }
            )
        else:
            phases.append(
                {
                    "kind": "recovery",
                    "direction": "forward",
                    "duration_s": block.duration_min * 60,
                    "title": "Recover: walk forward",
                    "instruction": "Turn around and walk forward at an easy pace.",
                    "reminders": [],
                }
            )
    if planned.cooldown_forward_min > 0:
        phases.append(
            {
                "kind": "cool_down",
                "direction": "forward",
                "duration_s": planned.cooldown_forward_min * 60,
                "title": "Cool-down: walk forward",
                "instruction": "Walk forward slowly and let your breathing settle.",
                "reminders": [],
            }
        )
    return phases


@router.get("/app/session")
def guided_session(request: Request) -> Response:
    user = require(request, "patient")
    rt = runtime_of(request)
    records = load_records(rt, user.actor, user.user_id)
    if records.program is None or records.plan is None:
        raise RedirectNeededError("/app")
    if records.program.status != "active":
        raise PageError(
            409,
            "Your program is paused",
            records.program.status_reason or "Resume your program before starting a session.",
        )
    planned = records.next_planned()
    if planned is None:
        raise PageError(409, "Program finished", "You have done every session in this plan.")
    plan = records.plan
    session_plan = {
        "phases": session_phases(planned, plan),
        "log_url": f"{API_PREFIX}/patients/{user.user_id}/sessions",
        "log_fields": {"planned_session_number": planned.number, "setting": plan.setting},
    }
    return render(
        request,
        "patient/session.html",
        title=f"Session {planned.number}",
        user=user,
        planned=planned_view(planned, due_from=records.today()),
        pace_text=pace_text(planned.pace.to_json(), plan.setting, records.units),
        session_plan=session_plan,
        cr10_labels=CR10_LABELS,
        progress_url="/app/progress",
        program_url="/app",
    )


@router.get("/app/progress")
def progress(request: Request) -> Response:
    user = require(request, "patient")
    rt = runtime_of(request)
    records = load_records(rt, user.actor, user.user_id)
    measured = load_measured(rt, user.actor, user.user_id)
    count = len(records.sessions)
    overview = (
        f"{count} session{'s' if count != 1 else ''} logged."
        if count
        else "No sessions logged yet. Your charts fill in as you log sessions and questionnaires."
    )
    return render(
        request,
        "patient/progress.html",
        title="My progress",
        user=user,
        overview=overview,
        charts=all_charts(records, measured),
        sessions=session_rows(records),
        outcomes=outcome_rows(records),
    )


@router.post("/app/sessions/{session_id}/morning")
def morning_pain(
    request: Request,
    session_id: RecordId,
    csrf_token: Annotated[str, Form(max_length=200)],
    pain_next_morning: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    user = require(request, "patient")
    check_csrf(request, user, csrf_token)
    try:
        data = validate(NextMorningPainIn, {"pain_next_morning": pain_next_morning})
        session_logs.record_next_morning_pain(
            runtime_of(request), user.actor, user.user_id, session_id, data
        )
    except InputError as error:
        raise PageError(422, "Please choose your pain from 0 to 10", error.problem) from None
    return RedirectResponse("/app?done=morning", status_code=303)


@router.post("/app/program/status")
def program_status(
    request: Request,
    csrf_token: Annotated[str, Form(max_length=200)],
    status: Annotated[str, Form(max_length=20)],
) -> Response:
    user = require(request, "patient")
    check_csrf(request, user, csrf_token)
    try:
        change = validate(ProgramStatusIn, {"status": status, "reason": "by the patient"})
        programs.set_status(runtime_of(request), user.actor, user.user_id, change)
    except (InputError, NotAllowedError, PermissionDeniedError) as error:
        # the API's status for the same refusal (a bad reason is 422, not 409)
        raise PageError(status_for(error)[0], "The program was not changed", str(error)) from None
    done = "paused" if status == "paused" else "resumed"
    return RedirectResponse(f"/app?done={done}", status_code=303)


@router.post("/app/link")
def accept_invitation(
    request: Request,
    csrf_token: Annotated[str, Form(max_length=200)],
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    user = require(request, "patient")
    check_csrf(request, user, csrf_token)
    if not code.strip():
        return _program_page(
            request, user, link_error="Enter the code your clinician gave you.", status_code=422
        )
    try:
        invitations.accept_invitation(runtime_of(request), user.actor, code)
    except (InputError, NotAllowedError) as error:
        problem = error.problem if isinstance(error, InputError) else str(error)
        return _program_page(
            request,
            user,
            link_error=f"{problem[:1].upper()}{problem[1:]}. Check the code with your clinician; "
            "your account was not linked.",
            link_code=code,
            status_code=422,
        )
    return RedirectResponse("/app?done=linked", status_code=303)
