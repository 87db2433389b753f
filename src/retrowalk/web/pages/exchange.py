"""Pages for data exchange: a patient's recordings and data page, a clinician's exports page.

- ``/app/recordings``: each logged session with its plan, what was logged and what a
  recording measured (backward minutes and steps), and a form to attach a recording.
- ``/app/data``: downloads (report, CSV, FHIR, everything as a zip), the private calendar URL
  (make, replace, revoke) and account deletion.
- ``/clinic/patients/{id}/data``: the same measurements and the exports, for a linked clinician.

Registered through ``retrowalk.web.app.UI_MODULES`` (``register(app)``). Routes are thin: read
the form, call a service, render a template.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Annotated, Any, cast, get_args

from fastapi import APIRouter, FastAPI, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from retrowalk.errors import InputError, NotFoundError
from retrowalk.exchange.watch_import import (
    MAX_WATCH_FILE_BYTES,
    WatchFormat,
    WatchSessionDraft,
    read_watch_file,
)
from retrowalk.schemas.parsing import describe_validation_error
from retrowalk.services import (
    accounts,
    calendar_subscriptions,
    personal_data,
    recordings,
    session_logs,
)
from retrowalk.services.exchange_views import RecordingView
from retrowalk.services.inputs import (
    FUTURE_TOLERANCE,
    MAX_SESSION_DURATION,
    SessionLogIn,
)
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.views import SessionLogView
from retrowalk.web.api.common import PatientId, RecordId
from retrowalk.web.errors import LoginRateLimitedError
from retrowalk.web.pages.formatting import (
    Units,
    clock_text,
    date_text,
    datetime_text,
    direction_reason_text,
    local_date,
    speed_text,
)
from retrowalk.web.pages.guards import PageError, require
from retrowalk.web.pages.patient_records import person_settings
from retrowalk.web.pages.rendering import Message, render
from retrowalk.web.pages.session_user import PageUser, check_csrf, runtime_of
from retrowalk.web.security import CSRF_COOKIE, SESSION_COOKIE, password_check

router = APIRouter(include_in_schema=False)

CsrfField = Annotated[str, Form(max_length=200)]


@dataclass(frozen=True)
class SessionRow:
    """One logged session beside its plan and its measured gait (latest recording)."""

    session: SessionLogView
    planned_backward_min: float | None
    recording: RecordingView | None
    tz: dt.tzinfo = dt.UTC
    """The patient's time zone: the session is dated on their calendar."""

    @property
    def date_text(self) -> str:
        return date_text(local_date(self.session.started_at, self.tz))


@dataclass(frozen=True)
class BoutRow:
    """One walking bout of a recording as the session page lists it."""

    start_text: str
    end_text: str
    direction: str
    why_unknown: str
    steps: int
    cadence_text: str
    speed_text: str


def bout_rows(bouts: list[dict[str, Any]], units: Units) -> list[BoutRow]:
    """The stored bouts (``GaitResult`` JSON) as rows: times into the recording as m:ss,
    cadence in steps/min, speed in the person's units, and why a direction is unknown
    (recordings analysed before the reason was stored have none)."""
    rows = []
    for bout in bouts:
        cadence, speed = bout.get("cadence_spm"), bout.get("speed_m_s")
        direction = str(bout.get("direction", "unknown"))
        rows.append(
            BoutRow(
                start_text=clock_text(float(bout["start_s"])),
                end_text=clock_text(float(bout["end_s"])),
                direction=direction,
                why_unknown=direction_reason_text(str(bout.get("direction_reason") or ""))
                if direction == "unknown"
                else "",
                steps=int(bout.get("steps", 0)),
                cadence_text="–" if cadence is None else f"{cadence:.0f} steps/min",
                speed_text="–" if speed is None else speed_text(3.6 * float(speed), units),
            )
        )
    return rows


def _rows(rt: Runtime, actor: Actor, patient_id: int) -> list[SessionRow]:
    measured = recordings.latest_recordings_by_session(rt, actor, patient_id)
    tz, _ = person_settings(rt, actor, patient_id)
    rows = []
    for session in session_logs.list_sessions(rt, actor, patient_id):
        planned = session.planned_session
        rows.append(
            SessionRow(
                session=session,
                planned_backward_min=float(planned["backward_min"]) if planned else None,
                recording=measured.get(session.id),
                tz=tz,
            )
        )
    return rows


@router.get("/app/recordings", response_class=HTMLResponse)
def recordings_page(request: Request) -> HTMLResponse:
    user = require(request, "patient")
    rows = _rows(runtime_of(request), user.actor, user.user_id)
    return render(request, "exchange/recordings.html", title="My recordings", user=user, rows=rows)


def _session_detail(
    rt: Runtime, actor: Actor, patient_id: int, session_id: int
) -> tuple[SessionRow, list[BoutRow]]:
    """One logged session with its latest recording, and that recording's bouts as rows.
    Raises :class:`NotFoundError` for a session (or patient) the actor cannot see."""
    session = session_logs.get_session(rt, actor, patient_id, session_id)
    found = recordings.list_recordings(rt, actor, patient_id, session_id)
    planned = session.planned_session
    tz, units = person_settings(rt, actor, patient_id)
    row = SessionRow(
        session=session,
        planned_backward_min=float(planned["backward_min"]) if planned else None,
        recording=found[-1] if found else None,
        tz=tz,
    )
    return row, bout_rows(row.recording.bouts, units) if row.recording else []


def _session_page(
    request: Request,
    user: PageUser,
    session_id: int,
    *,
    error: str = "",
    status_code: int = 200,
    messages: list[Message] | None = None,
) -> HTMLResponse:
    try:
        row, bouts = _session_detail(runtime_of(request), user.actor, user.user_id, session_id)
    except NotFoundError:
        raise PageError(404, "Session not found", "There is no such session in your log.") from None
    return render(
        request,
        "exchange/session_recording.html",
        title="Session recording",
        user=user,
        row=row,
        bouts=bouts,
        error=error,
        status_code=status_code,
        messages=messages,
        max_mb=recordings.MAX_RECORDING_BYTES // (1024 * 1024),
    )


@router.get(
    "/clinic/patients/{patient_id}/sessions/{session_id}/recording", response_class=HTMLResponse
)
def clinician_session_recording_page(
    request: Request, patient_id: PatientId, session_id: RecordId
) -> HTMLResponse:
    """A linked patient's session beside its recording, read-only: what was planned, logged and
    measured, and every walking bout with its direction (and why it is unclear)."""
    user = require(request, "clinician")
    try:
        row, bouts = _session_detail(runtime_of(request), user.actor, patient_id, session_id)
    except NotFoundError:
        raise PageError(
            404, "Session not found", "There is no such session of a patient linked to you."
        ) from None
    return render(
        request,
        "exchange/clinician_session_recording.html",
        title="Session recording",
        user=user,
        row=row,
        bouts=bouts,
        patient_id=patient_id,
    )


@router.get("/app/sessions/{session_id}/recording", response_class=HTMLResponse)
def session_recording_page(request: Request, session_id: RecordId) -> HTMLResponse:
    user = require(request, "patient")
    return _session_page(request, user, session_id)


@router.post("/app/sessions/{session_id}/recording", response_class=HTMLResponse)
def upload_recording(
    request: Request,
    session_id: RecordId,
    csrf_token: CsrfField,
    file: Annotated[UploadFile, File()],
    trial: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    user = require(request, "patient")
    check_csrf(request, user, csrf_token)
    data = file.file.read(recordings.MAX_RECORDING_BYTES + 1)
    try:
        recordings.attach_recording(
            runtime_of(request),
            user.actor,
            user.user_id,
            session_id,
            filename=file.filename or "recording",
            data=data,
            trial=trial.strip() or None,
        )
    except InputError as error:
        return _session_page(request, user, session_id, error=str(error), status_code=422)
    return _session_page(
        request, user, session_id, messages=[Message("The recording was analysed and saved.")]
    )


def _data_page(
    request: Request,
    user: PageUser,
    *,
    calendar_url: str = "",
    error: str = "",
    status_code: int = 200,
    messages: list[Message] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "exchange/data.html",
        title="My data",
        user=user,
        patient_id=user.user_id,
        calendar_url=calendar_url,
        error=error,
        status_code=status_code,
        messages=messages,
    )


@router.get("/app/data", response_class=HTMLResponse)
def data_page(request: Request) -> HTMLResponse:
    user = require(request, "patient")
    return _data_page(request, user)


@router.post("/app/data/calendar", response_class=HTMLResponse)
def make_calendar_url(request: Request, csrf_token: CsrfField) -> HTMLResponse:
    user = require(request, "patient")
    check_csrf(request, user, csrf_token)
    view = calendar_subscriptions.create_calendar_url(runtime_of(request), user.actor, user.user_id)
    url = str(request.base_url).rstrip("/") + "/api/v1" + view.path
    return _data_page(
        request,
        user,
        calendar_url=url,
        messages=[Message("Your new calendar link is below; any earlier link no longer works.")],
    )


@router.post("/app/data/calendar/revoke", response_class=HTMLResponse)
def revoke_calendar_url(request: Request, csrf_token: CsrfField) -> HTMLResponse:
    user = require(request, "patient")
    check_csrf(request, user, csrf_token)
    calendar_subscriptions.revoke_calendar_urls(runtime_of(request), user.actor, user.user_id)
    return _data_page(request, user, messages=[Message("Your calendar link no longer works.")])


@router.post("/app/data/delete", response_model=None)
def delete_account(
    request: Request,
    csrf_token: CsrfField,
    password: Annotated[str, Form(max_length=200)],
) -> Response:
    user = require(request, "patient")
    check_csrf(request, user, csrf_token)
    rt = runtime_of(request)
    try:
        with password_check(request, accounts.get_user(rt, user.actor).email):
            personal_data.delete_account(rt, user.actor, user.user_id, password)
    except LoginRateLimitedError as error:
        return _data_page(request, user, error=str(error), status_code=429)
    except InputError as error:
        return _data_page(request, user, error=error.problem, status_code=422)
    response = RedirectResponse("/?deleted=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/clinic/patients/{patient_id}/data", response_class=HTMLResponse)
def clinician_data_page(request: Request, patient_id: PatientId) -> HTMLResponse:
    user = require(request, "clinician")
    try:
        rows = _rows(runtime_of(request), user.actor, patient_id)
    except NotFoundError:
        raise PageError(404, "Patient not found", "This patient is not linked to you.") from None
    today = runtime_of(request).now().date()
    return render(
        request,
        "exchange/clinician_data.html",
        title="Reports and recordings",
        user=user,
        patient_id=patient_id,
        rows=rows,
        report_start=(today - dt.timedelta(days=83)).isoformat(),
        report_end=today.isoformat(),
    )


def _watch_page(
    request: Request,
    user: PageUser,
    *,
    draft: WatchSessionDraft | None = None,
    answers: dict[str, str] | None = None,
    error: str = "",
    error_field: str = "",
    status_code: int = 200,
    messages: list[Message] | None = None,
) -> HTMLResponse:
    walk_text = ""
    if draft is not None:
        tz, _ = person_settings(runtime_of(request), user.actor, user.user_id)
        walk_text = (
            f"{datetime_text(draft.started_at, tz)} to "
            f"{draft.ended_at.astimezone(tz):%H:%M} ({draft.duration_min:.1f} min)"
        )
    return render(
        request,
        "exchange/watch_import.html",
        title="Add a session from a watch",
        user=user,
        draft=draft,
        walk_text=walk_text,
        answers=answers or {},
        error=error,
        error_field=error_field,
        status_code=status_code,
        messages=messages,
    )


def _loggable(draft: WatchSessionDraft, now: dt.datetime) -> str:
    """Why a watch's walk cannot become a session log ("" when it can): said at upload, before
    the person answers the questions."""
    if draft.ended_at - draft.started_at > MAX_SESSION_DURATION:
        return (
            f"This file records {draft.duration_min / 60:.1f} hours; a session can last at most "
            f"{MAX_SESSION_DURATION.total_seconds() / 3600:.0f} hours. Export only the walk "
            "(most watch apps let you choose the activity) and upload that file."
        )
    if draft.started_at > now + FUTURE_TOLERANCE:
        return (
            "This file's walk starts in the future by this service's clock: check the date "
            "and time zone your watch or app set."
        )
    return ""


@router.get("/app/watch-import", response_class=HTMLResponse)
def watch_import_page(request: Request) -> HTMLResponse:
    user = require(request, "patient")
    return _watch_page(request, user)


@router.post("/app/watch-import", response_class=HTMLResponse)
def watch_import_upload(
    request: Request, csrf_token: CsrfField, file: Annotated[UploadFile, File()]
) -> HTMLResponse:
    """Read the watch file and show what it recorded, with the questions only the person can
    answer (backward minutes, pain); nothing is stored yet."""
    user = require(request, "patient")
    check_csrf(request, user, csrf_token)
    data = file.file.read(MAX_WATCH_FILE_BYTES + 1)
    try:
        draft = read_watch_file(data, filename=file.filename or "upload")
    except InputError as error:
        return _watch_page(request, user, error=str(error), status_code=422)
    problem = _loggable(draft, runtime_of(request).now())
    if problem:
        return _watch_page(request, user, error=problem, status_code=422)
    return _watch_page(request, user, draft=draft)


@router.post("/app/watch-import/log", response_model=None)
def watch_import_log(
    request: Request,
    csrf_token: CsrfField,
    started_at: Annotated[str, Form(max_length=40)],
    ended_at: Annotated[str, Form(max_length=40)],
    source_format: Annotated[str, Form(max_length=8)],
    backward_min: Annotated[str, Form(max_length=10)],
    pain_before: Annotated[str, Form(max_length=3)],
    pain_max: Annotated[str, Form(max_length=3)],
    pain_after: Annotated[str, Form(max_length=3)],
    heart_rate_bpm: Annotated[str, Form(max_length=4)] = "",
    heart_rate_max_bpm: Annotated[str, Form(max_length=4)] = "",
    distance_m: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Log the watch's session with the person's answers (the watch gives start, end, heart
    rate; the person says how many minutes were backward and how the pain was). A refusal
    shows the walk and the answers again, with the problem beside its field."""
    user = require(request, "patient")
    check_csrf(request, user, csrf_token)
    answers = {
        "backward_min": backward_min,
        "pain_before": pain_before,
        "pain_max": pain_max,
        "pain_after": pain_after,
    }
    try:
        draft = _posted_draft(
            started_at, ended_at, source_format, heart_rate_bpm, heart_rate_max_bpm, distance_m
        )
    except (InputError, ValueError):
        raise PageError(
            422,
            "The watch's walk was not understood",
            "Upload the watch file again: the page's data about the walk was changed or lost.",
        ) from None
    try:
        start, end = draft.started_at, draft.ended_at
        total_min = draft.duration_min
        backward = float(backward_min)
        if not 0 <= backward <= total_min + 1e-9:
            raise InputError(
                f"must be between 0 and the session's {total_min:.1f} minutes",
                field="backward_min",
            )
        notes = f"From a {source_format.upper()} watch file"
        if distance_m:
            notes += f"; distance {float(distance_m):.0f} m"
        entry = _checked_log(
            {
                "started_at": start,
                "ended_at": end,
                "backward_min": round(backward, 2),
                "forward_min": round(max(0.0, total_min - backward), 2),
                "pain_before": pain_before,
                "pain_max": pain_max,
                "pain_after": pain_after,
                "heart_rate_bpm": int(heart_rate_bpm) if heart_rate_bpm else None,
                "notes": notes,
            }
        )
        key = "watch-" + hashlib.sha256(f"{started_at}|{ended_at}".encode()).hexdigest()[:32]
        session_logs.log_session(
            runtime_of(request), user.actor, user.user_id, entry, idempotency_key=key
        )
    except (InputError, ValueError) as error:
        if isinstance(error, InputError):
            field, message = error.field or "", error.problem
        else:
            field, message = "backward_min", "enter the minutes as a number, e.g. 10 or 7.5"
        text = f"{_WATCH_FIELDS.get(field, field)}: {message}" if field else message
        return _watch_page(
            request,
            user,
            draft=draft,
            answers=answers,
            error=text,
            error_field=field,
            status_code=422,
        )
    return RedirectResponse("/app/recordings?imported=1", status_code=303)


_WATCH_FIELDS = {
    "backward_min": "Minutes you walked backward",
    "pain_before": "Pain before the walk",
    "pain_max": "Highest pain during the walk",
    "pain_after": "Pain after the walk",
    "started_at": "The walk's start",
    "ended_at": "The walk's end",
}


def _posted_draft(
    started_at: str,
    ended_at: str,
    source_format: str,
    heart_rate_bpm: str,
    heart_rate_max_bpm: str,
    distance_m: str,
) -> WatchSessionDraft:
    """The walk as the upload step showed it (hidden fields), checked again: times with their
    offset, end after start, a known format, plain numbers."""
    start = dt.datetime.fromisoformat(started_at)
    end = dt.datetime.fromisoformat(ended_at)
    if start.tzinfo is None or end.tzinfo is None or end < start:
        raise ValueError("times without an offset or in the wrong order")
    if source_format not in get_args(WatchFormat):
        raise ValueError("unknown format")
    distance = float(distance_m) if distance_m else None
    if distance is not None and not 0 <= distance < 1e6:
        raise ValueError("distance out of range")
    return WatchSessionDraft(
        source_format=cast(WatchFormat, source_format),
        started_at=start,
        ended_at=end,
        duration_min=(end - start).total_seconds() / 60.0,
        distance_m=distance,
        heart_rate_mean_bpm=int(heart_rate_bpm) if heart_rate_bpm else None,
        heart_rate_max_bpm=int(heart_rate_max_bpm) if heart_rate_max_bpm else None,
        points=0,
    )


def _checked_log(data: dict[str, object]) -> SessionLogIn:
    try:
        return SessionLogIn.model_validate(data)
    except ValidationError as error:
        field, problem = describe_validation_error(error)
        raise InputError(problem, field=field) from None


def register(app: FastAPI) -> None:
    """Add the exchange pages to the app."""
    app.include_router(router)
