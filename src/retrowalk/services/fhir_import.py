"""Import a FHIR Bundle (as :mod:`retrowalk.exchange.fhir` exports it) into a patient's records.

What is stored: the Bundle's logged sessions and scored outcomes, each validated exactly as if
the patient had entered it (``SessionLogIn``, ``OutcomeIn``) and each outcome re-scored by the
instrument registry, which must give the score the Bundle states. A session that starts at the
same moment as a stored one, and an outcome of the same instrument at the same time, are already
there and are skipped, so importing the same Bundle twice adds nothing. The Bundle's Patient
and CarePlan are not imported: the account is the one imported into, and a plan comes only from
retrowalk's own prescription rules. Imported sessions are history: they do not move the current
plan on; imported safety events are stored with the session and raise a flag for the clinician.

Any problem (malformed JSON, an invalid resource, an unknown code, a value out of range, a score
that does not match its responses) is an :class:`InputError` and nothing is stored: everything
is written in one transaction after everything was checked.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from retrowalk.domain.instruments import score
from retrowalk.errors import InputError
from retrowalk.exchange.fhir import records_from_bundle
from retrowalk.exchange.records import OutcomeRecord, SessionLogRecord
from retrowalk.schemas.parsing import describe_validation_error
from retrowalk.services import audit
from retrowalk.services.exchange_views import ExchangeView
from retrowalk.services.inputs import OutcomeIn, SessionLogIn, refuse_future
from retrowalk.services.policy import lock_patient, require_patient_access
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.session_logs import EVENT_TEXT
from retrowalk.storage.flags import ClinicianFlag
from retrowalk.storage.outcomes import OutcomeAssessment
from retrowalk.storage.session_logs import SessionLog

#: Largest Bundle accepted (years of sessions fit in well under a megabyte).
MAX_BUNDLE_BYTES = 5 * 1024 * 1024
SOURCE = "FHIR Bundle"


class ImportSummaryView(ExchangeView):
    sessions_imported: int
    sessions_already_stored: int
    outcomes_imported: int
    outcomes_already_stored: int
    ignored: list[str]


def _checked(model: Any, data: Mapping[str, Any], where: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        field, problem = describe_validation_error(error)
        raise InputError(
            problem, field=f"{where}.{field}" if field else where, source=SOURCE
        ) from None


def _not_future(moment: dt.datetime | None, rt: Runtime, where: str) -> None:
    try:
        refuse_future(moment, rt.now(), where)
    except InputError as error:
        raise InputError(error.problem, field=where, source=SOURCE) from None


def _session_input(record: SessionLogRecord) -> SessionLogIn:
    data: dict[str, Any] = {
        "started_at": record.started_at,
        "ended_at": record.ended_at,
        "backward_min": record.backward_min,
        "forward_min": record.forward_min,
        "setting": record.setting,
        "speed_m_s": record.speed_m_s,
        "incline_percent": record.incline_pct,
        "pain_before": record.pain_before_nprs,
        "pain_max": record.pain_max_nprs,
        "pain_after": record.pain_after_nprs,
        "pain_next_morning": record.pain_next_morning_nprs,
        "rpe": record.rpe_cr10,
        "heart_rate_bpm": record.heart_rate_bpm,
        "steps": record.steps,
        "notes": record.notes,
        "safety_events": list(record.safety_events),
    }
    session_input: SessionLogIn = _checked(SessionLogIn, data, f"session {record.log_id}")
    return session_input


def _outcome_input(record: OutcomeRecord) -> OutcomeIn:
    where = f"outcome {record.outcome_id}"
    outcome: OutcomeIn = _checked(
        OutcomeIn,
        {
            "instrument": record.instrument,
            "items": list(record.items),
            "assessed_at": record.assessed_at,
        },
        where,
    )
    result = score(outcome.instrument, outcome.items)
    if not math.isclose(result.score, record.score, rel_tol=1e-9, abs_tol=1e-9):
        raise InputError(
            f"the stated score {record.score:g} does not match its responses "
            f"(they score {result.score:g})",
            field=where,
            source=SOURCE,
        )
    return outcome


def import_fhir_bundle(
    rt: Runtime, actor: Actor, patient_id: int, data: bytes | str
) -> ImportSummaryView:
    """Check the whole Bundle, then store its new sessions and outcomes in one transaction."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise InputError(
            f"the Bundle is {len(data)} bytes; the limit is {MAX_BUNDLE_BYTES} bytes",
            source=SOURCE,
        )
    records = records_from_bundle(data)
    sessions = [(record, _session_input(record)) for record in records.sessions]
    outcomes = [(record, _outcome_input(record)) for record in records.outcomes]
    for session_record, entry in sessions:
        _not_future(entry.started_at, rt, f"session {session_record.log_id}.started_at")
    for outcome_record, outcome in outcomes:
        _not_future(outcome.assessed_at, rt, f"outcome {outcome_record.outcome_id}.assessed_at")
    ignored = ["Patient (records go to this account)"]
    if records.program is not None:
        ignored.append("CarePlan (plans come from retrowalk's prescription rules)")
    imported_sessions = imported_outcomes = 0
    with rt.db.write() as session:
        # the duplicate check below reads the stored start times: a second import of the same
        # bundle waits here and then sees the first one's sessions
        lock_patient(session, patient_id)
        require_patient_access(session, actor, patient_id)
        known_starts = set(
            session.scalars(
                select(SessionLog.started_at).where(SessionLog.patient_id == patient_id)
            )
        )
        known_outcomes = {
            (instrument, assessed_at)
            for instrument, assessed_at in session.execute(
                select(OutcomeAssessment.instrument, OutcomeAssessment.assessed_at).where(
                    OutcomeAssessment.patient_id == patient_id
                )
            )
        }
        now = rt.now()
        for _record, entry in sessions:
            if entry.started_at in known_starts:
                continue
            known_starts.add(entry.started_at)
            row = SessionLog(
                patient_id=patient_id,
                started_at=entry.started_at,
                ended_at=entry.ended_at,
                backward_min=entry.backward_min,
                forward_min=entry.forward_min,
                setting=entry.setting,
                speed_m_s=entry.speed_m_s,
                incline_percent=entry.incline_percent,
                pain_before=entry.pain_before,
                pain_max=entry.pain_max,
                pain_after=entry.pain_after,
                pain_next_morning=entry.pain_next_morning,
                rpe=entry.rpe,
                heart_rate_bpm=entry.heart_rate_bpm,
                steps=entry.steps,
                notes=entry.notes,
                safety_events=list(entry.safety_events),
                entry={**entry.model_dump(mode="json"), "imported_from": "fhir"},
                created_by=actor.user_id,
                created_at=now,
            )
            session.add(row)
            session.flush()
            for event in entry.safety_events:
                if event in EVENT_TEXT:
                    session.add(
                        ClinicianFlag(
                            patient_id=patient_id,
                            kind="safety_event",
                            detail=(
                                f"{EVENT_TEXT[event]} on {entry.started_at.date().isoformat()}"
                                " (imported)"
                            ),
                            session_log_id=row.id,
                            created_at=now,
                        )
                    )
            imported_sessions += 1
        for record, outcome in outcomes:
            key = (outcome.instrument, record.assessed_at)
            if key in known_outcomes:
                continue
            known_outcomes.add(key)
            result = score(outcome.instrument, outcome.items)
            session.add(
                OutcomeAssessment(
                    patient_id=patient_id,
                    instrument=outcome.instrument,
                    responses={"items": list(outcome.items)},
                    score=result.score,
                    result=result.to_json(),
                    assessed_at=record.assessed_at,
                    created_by=actor.user_id,
                    created_at=now,
                )
            )
            imported_outcomes += 1
        audit.record(session, actor, patient_id, "create", "fhir_import")
    return ImportSummaryView(
        sessions_imported=imported_sessions,
        sessions_already_stored=len(sessions) - imported_sessions,
        outcomes_imported=imported_outcomes,
        outcomes_already_stored=len(outcomes) - imported_outcomes,
        ignored=ignored,
    )
