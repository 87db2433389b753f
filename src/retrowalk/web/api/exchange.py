"""Data exchange: exports (FHIR, CSV, PDF report), the calendar feed, recording uploads, watch
imports, personal-data download and account deletion.

Uploads are ``multipart/form-data`` with one ``file`` part; they are read up to the limit plus
one byte, so an oversized upload is refused (422) without being read whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Path, Query, Request, Response, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field

from retrowalk.errors import InputError
from retrowalk.exchange.watch_import import MAX_WATCH_FILE_BYTES, read_watch_file
from retrowalk.services import (
    accounts,
    calendar_subscriptions,
    exchange,
    fhir_import,
    personal_data,
    recordings,
)
from retrowalk.services.exchange_views import CalendarTokenView, RecordingView, WatchDraftView
from retrowalk.services.fhir_import import ImportSummaryView
from retrowalk.services.policy import require_patient_access
from retrowalk.web.api.common import PatientId, RecordId
from retrowalk.web.security import ActorDep, RuntimeDep, password_check

router = APIRouter(tags=["exchange"])

CsvKind = Annotated[
    Literal["sessions", "outcomes", "bouts"],
    Query(description="Which records (bouts: the walking bouts recordings measured)"),
]
Upload = Annotated[UploadFile, File(description="The file (multipart part named 'file')")]

FHIR_JSON = "application/fhir+json"
CSV = "text/csv; charset=utf-8"


class AccountDeletionIn(BaseModel):
    """Deleting an account needs its password, typed again."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    password: Annotated[str, Field(min_length=1, max_length=200)]


def _attachment(content: bytes | str, media_type: str, filename: str) -> Response:
    return Response(
        content=content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _read_upload(upload: UploadFile, limit: int) -> bytes:
    return upload.file.read(limit + 1)


@contextmanager
def _the_file() -> Iterator[None]:
    """A problem with the uploaded file as a whole (too large, empty, wrong type, unreadable)
    is reported against the multipart field ``file``; one inside it keeps its own field."""
    try:
        yield
    except InputError as error:
        if error.field is not None:
            raise
        where = error.location
        raise InputError(
            error.problem, field="file", source=where.source, line=where.line, column=where.column
        ) from None


@router.get(
    "/patients/{patient_id}/export/fhir",
    response_class=Response,
    responses={200: {"content": {FHIR_JSON: {}}, "description": "A FHIR R4 Bundle"}},
)
def export_fhir(patient_id: PatientId, rt: RuntimeDep, actor: ActorDep) -> Response:
    """The patient's records as a FHIR R4 ``collection`` Bundle."""
    text = exchange.export_fhir(rt, actor, patient_id)
    return _attachment(text, FHIR_JSON, f"retrowalk-patient-{patient_id}-fhir.json")


@router.get(
    "/patients/{patient_id}/export/csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "CSV, units in the headers"}},
)
def export_csv(patient_id: PatientId, kind: CsvKind, rt: RuntimeDep, actor: ActorDep) -> Response:
    """One patient's sessions, outcomes or measured walking bouts as CSV."""
    text = exchange.export_csv(rt, actor, patient_id, kind)
    return _attachment(text, CSV, f"retrowalk-patient-{patient_id}-{kind}.csv")


@router.get(
    "/clinician/export/csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "CSV of the whole panel"}},
)
def export_panel_csv(kind: CsvKind, rt: RuntimeDep, actor: ActorDep) -> Response:
    """Sessions, outcomes or measured walking bouts of all the clinician's linked patients
    (patient ids, no names)."""
    text = exchange.export_panel_csv(rt, actor, kind)
    return _attachment(text, CSV, f"retrowalk-panel-{kind}.csv")


@router.get(
    "/patients/{patient_id}/report.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The PDF report"}},
)
def report_pdf(
    patient_id: PatientId,
    rt: RuntimeDep,
    actor: ActorDep,
    start: Annotated[dt.date | None, Query(description="First day (default: 12 weeks ago)")] = None,
    end: Annotated[dt.date | None, Query(description="Last day (default: today)")] = None,
) -> Response:
    """The clinician report of the patient over the period."""
    pdf = exchange.clinician_report_pdf(rt, actor, patient_id, start=start, end=end)
    return _attachment(pdf, "application/pdf", f"retrowalk-patient-{patient_id}-report.pdf")


@router.post("/patients/{patient_id}/calendar-url", status_code=status.HTTP_201_CREATED)
def create_calendar_url(
    patient_id: PatientId, rt: RuntimeDep, actor: ActorDep
) -> CalendarTokenView:
    """A new private iCalendar URL of the patient's plan (the previous one stops working)."""
    view = calendar_subscriptions.create_calendar_url(rt, actor, patient_id)
    return view.model_copy(update={"path": f"/api/v1{view.path}"})


@router.delete("/patients/{patient_id}/calendar-url", status_code=status.HTTP_204_NO_CONTENT)
def revoke_calendar_url(patient_id: PatientId, rt: RuntimeDep, actor: ActorDep) -> Response:
    """Revoke the patient's calendar URL: calendar apps get 404 from now on."""
    calendar_subscriptions.revoke_calendar_urls(rt, actor, patient_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/calendar/{token}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "iCalendar feed"}},
)
def calendar_feed(
    token: Annotated[str, Path(min_length=1, max_length=200)], rt: RuntimeDep
) -> Response:
    """The plan as an iCalendar feed; the secret token in the URL is the only credential."""
    body = calendar_subscriptions.calendar_feed(rt, token)
    return Response(
        content=body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "no-store"},
    )


@router.post(
    "/patients/{patient_id}/sessions/{session_id}/recordings",
    status_code=status.HTTP_201_CREATED,
)
def upload_recording(
    patient_id: PatientId,
    session_id: RecordId,
    file: Upload,
    rt: RuntimeDep,
    actor: ActorDep,
    trial: Annotated[
        str | None,
        Form(
            max_length=200,
            description="For a Mobilise-D data.mat with several trials: which one "
            "(e.g. TimeMeasure1/Test5/Trial1)",
        ),
    ] = None,
) -> RecordingView:
    """Attach an IMU recording (.csv, a Sensor Logger or phyphox .zip export, or Mobilise-D
    .mat) to a logged session and analyse it."""
    data = _read_upload(file, recordings.MAX_RECORDING_BYTES)
    with _the_file():
        return recordings.attach_recording(
            rt,
            actor,
            patient_id,
            session_id,
            filename=file.filename or "recording",
            data=data,
            trial=trial,
        )


@router.get("/patients/{patient_id}/sessions/{session_id}/recordings")
def list_recordings(
    patient_id: PatientId, session_id: RecordId, rt: RuntimeDep, actor: ActorDep
) -> list[RecordingView]:
    """The analysed recordings of a logged session, with the plan's backward minutes."""
    return recordings.list_recordings(rt, actor, patient_id, session_id)


@router.post("/patients/{patient_id}/watch-imports")
def import_watch_file(
    patient_id: PatientId, file: Upload, rt: RuntimeDep, actor: ActorDep
) -> WatchDraftView:
    """Read a GPX, TCX or FIT file into a session-log draft (nothing is stored)."""
    with rt.db.read() as session:
        require_patient_access(session, actor, patient_id)
    data = _read_upload(file, MAX_WATCH_FILE_BYTES)
    with _the_file():
        draft = read_watch_file(data, filename=file.filename or "upload")
    return WatchDraftView.model_validate(draft, from_attributes=True)


@router.post("/patients/{patient_id}/import/fhir")
def import_fhir(
    patient_id: PatientId, file: Upload, rt: RuntimeDep, actor: ActorDep
) -> ImportSummaryView:
    """Store the sessions and outcomes of a FHIR Bundle (as exported); all or nothing."""
    data = _read_upload(file, fhir_import.MAX_BUNDLE_BYTES)
    with _the_file():
        return fhir_import.import_fhir_bundle(rt, actor, patient_id, data)


@router.get(
    "/patients/{patient_id}/personal-data",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "All your data"}},
)
def personal_data_download(patient_id: PatientId, rt: RuntimeDep, actor: ActorDep) -> Response:
    """Everything retrowalk holds about the patient: a zip with JSON, CSV and the PDF report."""
    data = personal_data.personal_data_zip(rt, actor, patient_id)
    return _attachment(data, "application/zip", f"retrowalk-personal-data-{patient_id}.zip")


@router.post("/patients/{patient_id}/account-deletion", status_code=status.HTTP_204_NO_CONTENT)
def delete_account(
    patient_id: PatientId,
    body: AccountDeletionIn,
    request: Request,
    rt: RuntimeDep,
    actor: ActorDep,
) -> Response:
    """Delete the account and all its health data; clinician links end. Cannot be undone.
    A wrong password counts towards the login rate limit (429 when it is reached)."""
    with password_check(request, accounts.get_user(rt, actor).email):
        personal_data.delete_account(rt, actor, patient_id, body.password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
