"""FHIR R4 export and import of one patient's records as a ``collection`` Bundle.

Which FHIR models
-----------------
``fhir.resources`` 8 (the Pydantic-2 line this project uses) ships R5 as its default package,
plus ``fhir.resources.R4B`` (4.3.0) and ``fhir.resources.STU3``; plain R4 (4.0.1) models exist
only in ``fhir.resources`` 6.x, which needs Pydantic 1 and cannot live beside FastAPI and
Pydantic 2 (nazrulworld/fhir.resources#157). We therefore build and validate with the **R4B**
models. HL7 states that R4B changes only the medication-definition, evidence-based-medicine and
subscription modules and that outside those "implementers ... can continue to use either R4 or
R4B without any functional difference" (hl7.org/fhir/R4B/r4b-explanation.html). Every resource
used here (Patient, Observation, QuestionnaireResponse, CarePlan, Bundle) is outside those
modules, so the JSON produced is valid R4 as well.

Mapping
-------
- ``Patient``: identifier ``urn:retrowalk:patient``, name as text, birth year as ``birthDate``.
- ``CarePlan`` (the program): status active / on-hold (paused) / completed, intent ``plan``,
  the sources as notes, one ``activity.detail`` per planned session (scheduled date, dose and
  cues in the description, the dose also in ``urn:retrowalk:fhir:*`` extensions so an import
  restores it exactly).
- ``Observation`` per outcome: NPRS ``LOINC 72514-3`` (evidence.md 4.1/4.8, [C-2nd]: secondary
  source, provisional), ODI score ``97909-6`` (4.2/4.8, [C]), STarT Back total ``91351-7`` with
  the distress subscore ``91350-9`` as a component (4.8, [C]), STEADI Stay Independent total
  ``97885-8`` (4.8, [C]); instruments without a LOINC code (RMDQ, PSFS, the performance tests;
  4.8 [NC]) are coded in the local system
  ``urn:retrowalk:instrument`` with the instrument name as text. Each outcome's responses are a
  ``QuestionnaireResponse`` that the Observation names in ``derivedFrom``.
- ``Observation`` per logged session: local code ``retro-walking-session``, ``effectivePeriod``
  start/end, one component per measure (pain components also carry LOINC 72514-3).

Importing reverses the mapping; anything it does not recognise (a resource type, a code, a
component) is an :class:`InputError` naming the entry, and nothing is returned.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from retrowalk.errors import InputError
from retrowalk.exchange.fhir_codes import (
    CAREPLAN_STATUS,
    EXTENSION_BASE,
    FHIR_VERSION,
    LOCAL_INSTRUMENT_NAMES,
    LOCAL_INSTRUMENT_SYSTEM,
    LOCAL_MEASURE_SYSTEM,
    LOCAL_OBSERVATION_SYSTEM,
    LOINC,
    LOINC_INSTRUMENTS,
    OBSERVATION_CATEGORY,
    PLAN_DOSE_FIELDS,
    SESSION_CODE,
    SESSION_MEASURES,
    START_BACK_SUBSCORE,
    UCUM,
    UNITS,
    identifier,
    plain_number,
    resource_uuid,
)
from retrowalk.exchange.fhir_reader import records_from_bundle
from retrowalk.exchange.records import (
    OutcomeRecord,
    PatientRecord,
    PatientRecords,
    PlannedSessionRecord,
    ProgramRecord,
    SessionLogRecord,
    describe_dose,
)

__all__ = [
    "FHIR_VERSION",
    "LOCAL_INSTRUMENT_NAMES",
    "LOINC_INSTRUMENTS",
    "bundle_from_records",
    "bundle_to_json",
    "records_from_bundle",
]


# ----------------------------------------------------------------------------------- export


def bundle_from_records(records: PatientRecords, *, generated_at: datetime) -> Any:
    """Build a validated FHIR ``Bundle`` (type ``collection``) of one patient's records.

    Raises :class:`InputError` for an outcome instrument that has neither a LOINC code nor a
    local name (it could not be imported back).
    """
    patient_ref = f"urn:uuid:{resource_uuid('Patient', records.patient.patient_id)}"
    entries: list[dict[str, Any]] = [_entry(patient_ref, _patient(records.patient))]
    if records.program is not None:
        uid = resource_uuid("CarePlan", records.program.program_id)
        entries.append(_entry(f"urn:uuid:{uid}", _careplan(records.program, uid, patient_ref)))
    for outcome in records.outcomes:
        qr_uid = resource_uuid("QuestionnaireResponse", outcome.outcome_id)
        entries.append(
            _entry(f"urn:uuid:{qr_uid}", _questionnaire_response(outcome, qr_uid, patient_ref))
        )
        obs_uid = resource_uuid("outcome", outcome.outcome_id)
        entries.append(
            _entry(
                f"urn:uuid:{obs_uid}",
                _outcome_observation(outcome, obs_uid, patient_ref, f"urn:uuid:{qr_uid}"),
            )
        )
    for session in records.sessions:
        uid = resource_uuid("session", session.log_id)
        entries.append(_entry(f"urn:uuid:{uid}", _session_observation(session, uid, patient_ref)))
    data = {
        "resourceType": "Bundle",
        "id": resource_uuid("Bundle", f"{records.patient.patient_id}/{generated_at.isoformat()}"),
        "meta": {"lastUpdated": generated_at.isoformat()},
        "type": "collection",
        "timestamp": generated_at.isoformat(),
        "entry": entries,
    }
    return Bundle.model_validate(data)


def bundle_to_json(bundle: Any) -> str:
    """Serialise a Bundle as FHIR JSON text."""
    text: str = bundle.model_dump_json(exclude_none=True)
    return text


def _entry(full_url: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": full_url, "resource": resource}


def _patient(patient: PatientRecord) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "id": resource_uuid("Patient", patient.patient_id),
        "identifier": identifier("Patient", patient.patient_id),
        "name": [{"text": patient.display_name}],
        "extension": [
            {"url": f"{EXTENSION_BASE}time-zone", "valueString": patient.time_zone},
        ],
    }
    if patient.year_of_birth is not None:
        data["birthDate"] = f"{patient.year_of_birth:04d}"
    return data


def _careplan(program: ProgramRecord, uid: str, patient_ref: str) -> dict[str, Any]:
    return {
        "resourceType": "CarePlan",
        "id": uid,
        "identifier": identifier("CarePlan", program.program_id),
        "extension": [
            {"url": f"{EXTENSION_BASE}program-template", "valueString": program.template},
            {"url": f"{EXTENSION_BASE}program-revision", "valueInteger": program.revision},
        ],
        "status": CAREPLAN_STATUS[program.status],
        "intent": "plan",
        "title": program.title,
        "description": f"Retro-walking program ({program.template}), revision {program.revision}",
        "subject": {"reference": patient_ref},
        "period": {"start": program.start_date.isoformat()},
        "note": [{"text": source} for source in program.sources],
        "activity": [{"detail": _activity_detail(session)} for session in program.sessions],
    }


def _activity_detail(session: PlannedSessionRecord) -> dict[str, Any]:
    extensions: list[dict[str, Any]] = [
        {"url": f"{EXTENSION_BASE}planned-session-id", "valueString": session.session_id},
        {"url": f"{EXTENSION_BASE}week", "valueInteger": session.week},
        {"url": f"{EXTENSION_BASE}setting", "valueString": session.setting},
    ]
    for name in PLAN_DOSE_FIELDS:
        value = getattr(session, name)
        if value is not None:
            extensions.append(
                {"url": f"{EXTENSION_BASE}{name.replace('_', '-')}", "valueDecimal": value}
            )
    extensions += [{"url": f"{EXTENSION_BASE}cue", "valueString": cue} for cue in session.cues]
    description = describe_dose(session)
    if session.cues:
        description += " Cues: " + "; ".join(session.cues) + "."
    return {
        "extension": extensions,
        "code": {"text": "Retro-walking session"},
        "status": "scheduled",
        "scheduledPeriod": {"start": session.scheduled_on.isoformat()},
        "description": description,
    }


def _instrument_code(instrument: str) -> dict[str, Any]:
    if instrument in LOINC_INSTRUMENTS:
        code, display = LOINC_INSTRUMENTS[instrument]
        return {"coding": [{"system": LOINC, "code": code, "display": display}], "text": display}
    if instrument in LOCAL_INSTRUMENT_NAMES:
        name = LOCAL_INSTRUMENT_NAMES[instrument]
        return {
            "coding": [{"system": LOCAL_INSTRUMENT_SYSTEM, "code": instrument, "display": name}],
            "text": f"{name} score",
        }
    raise InputError(
        f"instrument '{instrument}' has no FHIR code (known: "
        f"{', '.join(sorted([*LOINC_INSTRUMENTS, *LOCAL_INSTRUMENT_NAMES]))})",
        field="instrument",
    )


def _quantity(value: float, unit: str) -> dict[str, Any]:
    code, display = UNITS.get(unit, (unit, unit))
    return {"value": value, "unit": display, "system": UCUM, "code": code}


def _outcome_observation(
    outcome: OutcomeRecord, uid: str, patient_ref: str, qr_ref: str
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Observation",
        "id": uid,
        "identifier": identifier("outcome", outcome.outcome_id),
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey"}]}],
        "code": _instrument_code(outcome.instrument),
        "subject": {"reference": patient_ref},
        "effectiveDateTime": outcome.assessed_at.isoformat(),
        "valueQuantity": _quantity(outcome.score, outcome.score_unit),
        "derivedFrom": [{"reference": qr_ref}],
    }
    if outcome.subscore is not None:
        code, display = START_BACK_SUBSCORE
        data["component"] = [
            {
                "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
                "valueInteger": outcome.subscore,
            }
        ]
    return data


def _questionnaire_response(outcome: OutcomeRecord, uid: str, patient_ref: str) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for number, value in enumerate(outcome.items, start=1):
        item: dict[str, Any] = {"linkId": str(number)}
        if value is not None:
            if float(value).is_integer():
                item["answer"] = [{"valueInteger": int(value)}]
            else:
                item["answer"] = [{"valueDecimal": value}]
        items.append(item)
    return {
        "resourceType": "QuestionnaireResponse",
        "id": uid,
        "identifier": identifier("QuestionnaireResponse", outcome.outcome_id)[0],
        "questionnaire": f"urn:retrowalk:questionnaire:{outcome.instrument}",
        "status": "completed",
        "subject": {"reference": patient_ref},
        "authored": outcome.assessed_at.isoformat(),
        "item": items,
    }


def _measure_code(name: str) -> dict[str, Any]:
    _unit, display, loinc = SESSION_MEASURES[name]
    coding = [{"system": LOCAL_MEASURE_SYSTEM, "code": name, "display": display}]
    if loinc is not None:
        coding.append({"system": LOINC, "code": loinc[0], "display": loinc[1]})
    return {"coding": coding, "text": display}


def _session_observation(session: SessionLogRecord, uid: str, patient_ref: str) -> dict[str, Any]:
    components: list[dict[str, Any]] = []
    for name, (unit, _display, _loinc) in SESSION_MEASURES.items():
        if name == "safety_event":
            continue
        value = getattr(session, name)
        if value is None:
            continue
        component: dict[str, Any] = {"code": _measure_code(name)}
        if unit is None:
            component["valueString"] = str(value)
        else:
            component["valueQuantity"] = {
                "value": plain_number(value),
                "unit": unit,
                "system": UCUM,
                "code": unit,
            }
        components.append(component)
    components += [
        {"code": _measure_code("safety_event"), "valueString": event}
        for event in session.safety_events
    ]
    data: dict[str, Any] = {
        "resourceType": "Observation",
        "id": uid,
        "identifier": identifier("session", session.log_id),
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "activity"}]}],
        "code": {
            "coding": [
                {
                    "system": LOCAL_OBSERVATION_SYSTEM,
                    "code": SESSION_CODE,
                    "display": "Retro-walking session",
                }
            ],
            "text": "Retro-walking session",
        },
        "subject": {"reference": patient_ref},
        "effectivePeriod": {
            "start": session.started_at.isoformat(),
            "end": session.ended_at.isoformat(),
        },
        "component": components,
    }
    if session.notes:
        data["note"] = [{"text": session.notes}]
    return data
