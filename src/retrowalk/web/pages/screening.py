"""The safety check, one question per page, its result, and starting a program when cleared.

The answers so far travel as hidden fields; nothing is stored until the last answer, when the
screening service runs the rules and keeps answers, result and rules version. An ``urgent`` or
``see_clinician`` result ends there: the result page says what to do, and offers no program
(the prescription service refuses one as well).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from retrowalk.domain.screening import LATER_RED_FLAGS, NEXT_STEP, NOTICE, ScreeningAnswers
from retrowalk.errors import InputError, NotAllowedError, NotFoundError
from retrowalk.schemas.parsing import validate
from retrowalk.services import profiles, programs, screenings
from retrowalk.services.inputs import PrescriptionIn
from retrowalk.web.pages.formatting import source_text, zone
from retrowalk.web.pages.guards import PageError, RedirectNeededError, require
from retrowalk.web.pages.rendering import render
from retrowalk.web.pages.screening_questions import (
    QUESTIONS,
    URGENT_IF_YES,
    parse_answer,
)
from retrowalk.web.pages.session_user import PageUser, check_csrf, runtime_of

router = APIRouter(include_in_schema=False)

GOAL_CHOICES_MIN = (15, 20, 30)
"""Goal backward minutes offered: 15 (Ansari 2020, Ahmad 2023) to 30 (Chitkara), evidence.md §6."""


def _question_page(
    request: Request,
    user: PageUser,
    step: int,
    carried: dict[str, str],
    *,
    error: str = "",
    status_code: int = 200,
) -> Response:
    question = QUESTIONS[step]
    urgent = any(carried.get(key) == "yes" for key in URGENT_IF_YES if key != question.key)
    hidden = [
        (q.key, carried[q.key]) for q in QUESTIONS if q.key in carried and q.key != question.key
    ]
    return render(
        request,
        "patient/screening_question.html",
        title=f"Safety check: question {step + 1}",
        user=user,
        status_code=status_code,
        step=step,
        total=len(QUESTIONS),
        question=question,
        current=carried.get(question.key, ""),
        carried=hidden,
        error=error,
        urgent=urgent,
        action="/app/screening",
    )


@router.get("/app/screening")
def screening_start(request: Request) -> Response:
    user = require(request, "patient")
    return _question_page(request, user, 0, {})


@router.post("/app/screening")
async def screening_step(request: Request) -> Response:
    user = require(request, "patient")
    form = await request.form()
    check_csrf(request, user, _text(form.get("csrf_token")))
    try:
        step = int(_text(form.get("step")))
    except ValueError:
        step = 0
    step = min(max(step, 0), len(QUESTIONS) - 1)
    carried = {q.key: _text(form.get(q.key)) for q in QUESTIONS if form.get(q.key) is not None}
    if form.get("go") == "back":
        return _question_page(request, user, max(step - 1, 0), carried)
    question = QUESTIONS[step]
    try:
        parse_answer(question, carried.get(question.key))
    except InputError as error:
        return _question_page(request, user, step, carried, error=error.problem, status_code=422)
    if step + 1 < len(QUESTIONS):
        return _question_page(request, user, step + 1, carried)
    answers: dict[str, Any] = {}
    for index, q in enumerate(QUESTIONS):
        try:
            answers[q.key] = parse_answer(q, carried.get(q.key))
        except InputError as error:
            return _question_page(
                request, user, index, carried, error=error.problem, status_code=422
            )
    screenings.screen_patient(
        runtime_of(request), user.actor, user.user_id, ScreeningAnswers(**answers)
    )
    return RedirectResponse("/app/screening/result", status_code=303)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


@router.get("/app/screening/result")
def screening_result(request: Request) -> Response:
    user = require(request, "patient")
    rt = runtime_of(request)
    done = screenings.list_screenings(rt, user.actor, user.user_id)
    if not done:
        raise RedirectNeededError("/app/screening")
    latest = done[-1]
    result = latest.result
    decision = latest.decision
    not_asked = questions_added_since(latest.answers)
    try:
        program = programs.get_program(rt, user.actor, user.user_id)
        has_program = program.status != "completed"
    except NotFoundError:
        has_program = False
    return render(
        request,
        "patient/screening_result.html",
        title="Your safety check",
        user=user,
        decision=decision,
        next_step=NEXT_STEP.get(decision, ""),  # type: ignore[call-overload]
        reasons=cited_reasons(result.get("reasons", [])),
        precautions=result.get("precautions", []),
        assumptions=result.get("assumptions", []),
        notice=NOTICE,
        can_start=not has_program and not not_asked,
        has_program=has_program,
        not_asked=not_asked,
        goal_choices=GOAL_CHOICES_MIN,
        start_action="/app/program/start",
        screening_url="/app/screening",
    )


def questions_added_since(answers: dict[str, Any]) -> list[str]:
    """The questions of red flags added since this screening was answered (rules 1.3.0): a
    screening stored before lacks them. The web check asks every question, so a person is asked
    them before a program starts rather than given a result that never asked."""
    return [q.text for q in QUESTIONS if q.key in LATER_RED_FLAGS and q.key not in answers]


@router.post("/app/program/start")
def start_program(
    request: Request,
    csrf_token: Annotated[str, Form(max_length=200)],
    setting: Annotated[str, Form(max_length=20)],
    sessions_per_week: Annotated[str, Form(max_length=4)],
    goal_backward_min: Annotated[str, Form(max_length=4)] = "15",
) -> Response:
    user = require(request, "patient")
    check_csrf(request, user, csrf_token)
    rt = runtime_of(request)
    done = screenings.list_screenings(rt, user.actor, user.user_id)
    if done and questions_added_since(done[-1].answers):
        raise RedirectNeededError("/app/screening/result")  # it says what to answer first
    try:
        tz = zone(profiles.get_profile(rt, user.actor, user.user_id).time_zone)
    except NotFoundError:
        tz = dt.UTC
    today = rt.now().astimezone(tz).date()  # the plan starts on the patient's local today
    try:
        choices = validate(
            PrescriptionIn,
            {
                "setting": setting,
                "sessions_per_week": sessions_per_week,
                "goal_backward_min": goal_backward_min,
                "start_date": today.isoformat(),
            },
        )
        programs.prescribe_program(rt, user.actor, user.user_id, choices)
    except InputError as error:
        raise PageError(
            422,
            "Please check your choices",
            f"Nothing was made: {error}. Go back and choose again.",
        ) from None
    except NotAllowedError as error:
        raise PageError(409, "The program could not be made", str(error)) from None
    return RedirectResponse("/app?done=program", status_code=303)


def cited_reasons(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A screening result's reasons with each source as a readable citation (not its id)."""
    return [
        {**reason, "sources": [source_text(str(s)) for s in reason.get("sources", [])]}
        for reason in reasons
    ]
