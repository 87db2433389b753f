"""The clinician pages: patient list with flags, a patient page, program changes, invitations."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from retrowalk.domain.plan import Plan
from retrowalk.domain.prescription import build_blocks
from retrowalk.domain.thresholds import MAX_BACKWARD_MIN
from retrowalk.errors import InputError, NotAllowedError, NotFoundError, PermissionDeniedError
from retrowalk.schemas.parsing import validate
from retrowalk.services import invitations, overview, programs, screenings
from retrowalk.services.inputs import InvitationIn, PlanAdjustIn, ProgramStatusIn
from retrowalk.services.views import FlagView, PatientSummaryView, ScreeningView
from retrowalk.web.api.common import PatientId, RecordId
from retrowalk.web.errors import status_for
from retrowalk.web.pages.formatting import (
    date_text,
    datetime_text,
    local_date,
    pace_text,
    source_text,
    zone,
)
from retrowalk.web.pages.guards import PageError, require
from retrowalk.web.pages.patient import planned_view
from retrowalk.web.pages.patient_records import (
    all_charts,
    load_measured,
    load_records,
    outcome_rows,
    session_rows,
)
from retrowalk.web.pages.rendering import render
from retrowalk.web.pages.screening import cited_reasons, questions_added_since
from retrowalk.web.pages.session_user import PageUser, check_csrf, runtime_of

router = APIRouter(include_in_schema=False)

FLAG_TEXT = {
    "safety_event": "Safety event",
    "pain_rising": "Pain rising",
    "no_recent_session": "No session for 7 days",
}


def flag_view(flag: FlagView) -> dict[str, Any]:
    return {
        "id": flag.id,
        "label": FLAG_TEXT.get(flag.kind, flag.kind.replace("_", " ")),
        "detail": flag.detail,
        "resolvable": flag.id is not None and flag.resolved_at is None,
    }


def summary_row(summary: PatientSummaryView) -> dict[str, Any]:
    adherence = (
        f"{summary.adherence:.0%} ({summary.sessions_done} of {summary.sessions_planned})"
        if summary.adherence is not None
        else "–"
    )
    return {
        "id": summary.patient.id,
        "name": summary.patient.display_name,
        "url": f"/clinic/patients/{summary.patient.id}",
        "status": summary.program_status or "no program",
        "adherence": adherence,
        "last_session": datetime_text(summary.last_session_at, zone("UTC")) + " UTC"
        if summary.last_session_at
        else "none yet",
        "dose": f"{summary.current_backward_min} min" if summary.current_backward_min else "–",
        "flags": [flag_view(f) for f in summary.flags],
    }


@router.get("/clinic")
def patient_list(request: Request) -> Response:
    user = require(request, "clinician")
    summaries = overview.clinician_overview(runtime_of(request), user.actor)
    rows = sorted(
        (summary_row(s) for s in summaries), key=lambda r: (not r["flags"], r["name"].lower())
    )
    return render(request, "clinician/patients.html", title="Patients", user=user, rows=rows)


@router.get("/clinic/patients/{patient_id}")
def patient_page(request: Request, patient_id: PatientId) -> Response:
    return _patient_view(request, require(request, "clinician"), patient_id)


def _patient_view(
    request: Request,
    user: PageUser,
    patient_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    """The patient page; with ``errors`` it is the refused dose form shown again (422)."""
    rt = runtime_of(request)
    try:
        summary = overview.patient_summary(rt, user.actor, patient_id)
        records = load_records(rt, user.actor, patient_id)
        measured = load_measured(rt, user.actor, patient_id)
        screened = screenings.list_screenings(rt, user.actor, patient_id)
    except NotFoundError:
        raise PageError(404, "Not found", "No such patient among your patients.") from None
    plan = records.plan
    nxt = records.next_planned()
    upcoming = []
    if plan is not None:
        start = nxt.number if nxt is not None else len(plan.sessions) + 1
        upcoming = [planned_view(s) for s in plan.sessions if s.number >= start][:8]
    return render(
        request,
        "clinician/patient.html",
        title=summary.patient.display_name,
        user=user,
        patient=summary.patient,
        summary=summary_row(summary),
        program=records.program,
        plan=plan,
        upcoming=upcoming,
        next_dose=nxt.backward_min if nxt is not None else None,
        max_backward_min=MAX_BACKWARD_MIN,
        pace=pace_text(nxt.pace.to_json(), plan.setting, records.units) if nxt and plan else "",
        sources=[source_text(s) for s in plan.sources] if plan else [],
        screening=screening_view(screened[-1], records.tz) if screened else None,
        charts=all_charts(records, measured),
        sessions=session_rows(records),
        outcomes=outcome_rows(records),
        started=date_text(local_date(records.program.created_at, records.tz))
        if records.program
        else "",
        base=f"/clinic/patients/{patient_id}",
        errors=errors or {},
        values=values or {},
        status_code=422 if errors else 200,
    )


@router.post("/clinic/patients/{patient_id}/status")
def change_status(
    request: Request,
    patient_id: PatientId,
    csrf_token: Annotated[str, Form(max_length=200)],
    status: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    user = require(request, "clinician")
    check_csrf(request, user, csrf_token)
    if status == "paused" and not reason.strip():
        raise PageError(
            422,
            "The program was not paused",
            "Reason for pausing: give a reason; the patient sees it on their program page. "
            "Go back, write the reason and pause again.",
        )
    try:
        change = validate(ProgramStatusIn, {"status": status, "reason": reason})
        programs.set_status(runtime_of(request), user.actor, patient_id, change)
    except (InputError, NotAllowedError, PermissionDeniedError, NotFoundError) as error:
        # the API's status for the same refusal (a bad reason is 422, not 409)
        raise PageError(status_for(error)[0], "The program was not changed", str(error)) from None
    done = "paused" if status == "paused" else "resumed"
    return RedirectResponse(f"/clinic/patients/{patient_id}?done={done}", status_code=303)


def adjusted_plan(plan: Plan, from_session: int, backward_min: int) -> Plan:
    """The plan with every session from ``from_session`` on set to ``backward_min`` backward.

    Blocks are rebuilt with the prescription's own rule for that week
    (:func:`retrowalk.domain.prescription.build_blocks`).
    """
    sessions = tuple(
        replace(s, backward_min=backward_min, blocks=build_blocks(s.week, backward_min))
        if s.number >= from_session
        else s
        for s in plan.sessions
    )
    return plan.with_changes(sessions=sessions)


@router.post("/clinic/patients/{patient_id}/plan")
def adjust(
    request: Request,
    patient_id: PatientId,
    csrf_token: Annotated[str, Form(max_length=200)],
    backward_min: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=1000)] = "",
    revision: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    user = require(request, "clinician")
    check_csrf(request, user, csrf_token)
    rt = runtime_of(request)
    values = {"backward_min": backward_min, "note": note}

    def refused(field: str, problem: str) -> Response:
        return _patient_view(request, user, patient_id, errors={field: problem}, values=values)

    try:
        minutes = int(backward_min.strip())
    except ValueError:
        return refused("backward_min", "Enter a whole number of minutes.")
    if not 1 <= minutes <= MAX_BACKWARD_MIN:
        return refused("backward_min", f"Choose from 1 to {MAX_BACKWARD_MIN} minutes.")
    if not note.strip():
        return refused("note", "Please say why (it is kept with the plan's history).")
    try:
        records = load_records(rt, user.actor, patient_id)
        if records.plan is None:
            raise PageError(409, "No program", "This patient has no program to adjust.")
        nxt = records.next_planned()
        if nxt is None:
            raise PageError(409, "Program finished", "Every session of this plan is done.")
        if revision.strip() and revision.strip() != str(records.plan.revision):
            # the page was opened on an older plan: saving would silently undo what changed it
            # (e.g. a flare's reduction after a session logged meanwhile)
            return refused(
                "backward_min",
                "The plan changed after you opened this page (a session was logged or the plan "
                f"was edited); the next session is now {nxt.backward_min} min. Check it and "
                "save again.",
            )
        plan = adjusted_plan(records.plan, nxt.number, minutes)
        change = validate(PlanAdjustIn, {"plan": plan.to_json(), "note": note})
        programs.adjust_plan(rt, user.actor, patient_id, change)
    except InputError as error:
        return refused("backward_min", f"The plan was not changed: {error.problem}")
    except (NotAllowedError, NotFoundError) as error:
        raise PageError(422, "The plan was not changed", str(error)) from None
    return RedirectResponse(f"/clinic/patients/{patient_id}?done=adjusted", status_code=303)


@router.post("/clinic/patients/{patient_id}/flags/{flag_id}/resolve")
def resolve_flag(
    request: Request,
    patient_id: PatientId,
    flag_id: RecordId,
    csrf_token: Annotated[str, Form(max_length=200)],
) -> Response:
    user = require(request, "clinician")
    check_csrf(request, user, csrf_token)
    try:
        overview.resolve_flag(runtime_of(request), user.actor, patient_id, flag_id)
    except NotFoundError:
        raise PageError(404, "Not found", "No such flag.") from None
    return RedirectResponse(f"/clinic/patients/{patient_id}?done=flag", status_code=303)


NEW_INVITATION_COOKIE = "retrowalk_new_invitation"
"""Carries a code just made from the POST to the page that shows it (post/redirect/get: a reload
then shows the page again instead of making another code). The code is shown once: the page
clears the cookie; it lives two minutes at most and only under /clinic/invite."""
_NEW_INVITATION_MAX_AGE_S = 120


@router.get("/clinic/invite")
def invite_form(request: Request) -> Response:
    user = require(request, "clinician")
    made = _new_invitation(request)
    if made is not None:
        response = render(
            request,
            "clinician/invite.html",
            title="Invitation code",
            user=user,
            invitations=[],
            code=made["code"],
            expires=made["expires"],
            note=made["note"],
        )
        response.delete_cookie(NEW_INVITATION_COOKIE, path="/clinic/invite")
        return response
    pending = invitations.list_invitations(runtime_of(request), user.actor)
    return render(
        request,
        "clinician/invite.html",
        title="Invite a patient",
        user=user,
        code=None,
        invitations=[
            {
                "note": i.note,
                "created": date_text(i.created_at.date()),
                "expires": date_text(i.expires_at.date()),
                "accepted": i.accepted,
            }
            for i in pending
        ],
    )


def _new_invitation(request: Request) -> dict[str, str] | None:
    """The code just made (from the cookie the POST set), or None."""
    raw = request.cookies.get(NEW_INVITATION_COOKIE)
    if not raw:
        return None
    try:
        made = json.loads(base64.urlsafe_b64decode(raw.encode()))
        return {
            "code": str(made["code"]),
            "expires": str(made["expires"]),
            "note": str(made["note"]),
        }
    except (ValueError, KeyError, TypeError):
        return None


@router.post("/clinic/invite")
def invite(
    request: Request,
    csrf_token: Annotated[str, Form(max_length=200)],
    note: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    user = require(request, "clinician")
    check_csrf(request, user, csrf_token)
    try:
        data = validate(InvitationIn, {"note": note})
        created = invitations.create_invitation(runtime_of(request), user.actor, data.note)
    except InputError as error:
        raise PageError(422, "Please check the note", error.problem) from None
    made = {
        "code": created.code,
        "expires": date_text(created.expires_at.date()),
        "note": created.note,
    }
    response = RedirectResponse("/clinic/invite", status_code=303)
    response.set_cookie(
        NEW_INVITATION_COOKIE,
        base64.urlsafe_b64encode(json.dumps(made).encode()).decode(),
        max_age=_NEW_INVITATION_MAX_AGE_S,
        httponly=True,
        secure=runtime_of(request).settings.cookie_secure,
        samesite="strict",
        path="/clinic/invite",
    )
    return response


SCREENING_DECISIONS = {
    "cleared": "Cleared to start, with precautions",
    "see_clinician": "See a clinician before starting",
    "urgent": "Urgent: advised to seek medical care now",
}
"""The safety check's decisions as the clinician reads them (``domain.screening``)."""


def screening_view(screening: ScreeningView, tz: dt.tzinfo) -> dict[str, Any]:
    """The patient's latest safety check for their clinician: the decision, when, and why, with
    each rule's source, so a refused patient can be reviewed."""
    return {
        "decision": screening.decision,
        "decision_text": SCREENING_DECISIONS.get(screening.decision, screening.decision),
        "date_text": date_text(local_date(screening.created_at, tz)),
        "reasons": cited_reasons(screening.result.get("reasons", [])),
        "precautions": screening.result.get("precautions", []),
        "rules_version": screening.rules_version,
        "not_asked": questions_added_since(screening.answers),
    }
