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

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from retrowalk.domain.instruments.registry import list_instruments
from retrowalk.errors import InputError
from retrowalk.exchange.records import (
    OutcomeRecord,
    PatientRecord,
    PatientRecords,
    PlannedSessionRecord,
    ProgramRecord,
    ProgramStatus,
    SessionLogRecord,
    describe_dose,
)
from retrowalk.schemas.parsing import describe_validation_error, parse_json_text

__all__ = [
    "FHIR_VERSION",
    "LOCAL_INSTRUMENT_NAMES",
    "LOINC_INSTRUMENTS",
    "bundle_from_records",
    "bundle_to_json",
    "records_from_bundle",
]

#: The FHIR release the output conforms to (built with the R4B models; see the module docs).
FHIR_VERSION = "4.0.1"

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
LOCAL_INSTRUMENT_SYSTEM = "urn:retrowalk:instrument"
LOCAL_MEASURE_SYSTEM = "urn:retrowalk:session-measure"
LOCAL_OBSERVATION_SYSTEM = "urn:retrowalk:observation"
SESSION_CODE = "retro-walking-session"
EXTENSION_BASE = "urn:retrowalk:fhir:"
ID_NAMESPACE = uuid.UUID("6f1d1f44-5d0b-4c55-9a83-3b1c2f6c8e21")

_ID_SYSTEMS = {
    "Patient": "urn:retrowalk:patient",
    "CarePlan": "urn:retrowalk:program",
    "outcome": "urn:retrowalk:outcome",
    "session": "urn:retrowalk:session-log",
    "QuestionnaireResponse": "urn:retrowalk:outcome-response",
}

#: Instruments with a LOINC code for their score (evidence.md 4.8): id -> (code, display).
LOINC_INSTRUMENTS: Mapping[str, tuple[str, str]] = {
    "nprs": ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported"),
    "odi": ("97909-6", "Oswestry disability index score ODI"),
    "start_back": ("91351-7", "Total score [STarT Back]"),
    "stay_independent": ("97885-8", "Total score [Stay Independent]"),
}
#: The STarT Back distress (psychosocial) subscore (evidence.md 4.8, [C] loinc.org/91350-9).
START_BACK_SUBSCORE = ("91350-9", "Distress subscore [STarT Back]")

#: Instruments without a LOINC code (evidence.md 4.8 [NC]: RMDQ, PSFS, the tests, CR10),
#: exported with a local code and their registry name.
LOCAL_INSTRUMENT_NAMES: Mapping[str, str] = {
    instrument.id: instrument.name
    for instrument in list_instruments()
    if instrument.id not in LOINC_INSTRUMENTS
}

_UNITS: Mapping[str, tuple[str, str]] = {  # our unit -> (UCUM code, display)
    "points": ("{score}", "points"),
    "%": ("%", "%"),
    "percent": ("%", "%"),
    "s": ("s", "s"),
    "cm": ("cm", "cm"),
    "min": ("min", "min"),
    "m/s": ("m/s", "m/s"),
    "m": ("m", "m"),
    "/min": ("/min", "beats/min"),
    "{steps}": ("{steps}", "steps"),
    "{CR10}": ("{score}", "CR10"),
}
_UCUM_TO_UNIT = {"{score}": "points", "%": "%", "s": "s", "cm": "cm"}

# Session components: attribute -> (UCUM unit or None for text, display, LOINC coding or None)
_PAIN = ("72514-3", LOINC_INSTRUMENTS["nprs"][1])
_SESSION_MEASURES: Mapping[str, tuple[str | None, str, tuple[str, str] | None]] = {
    "backward_min": ("min", "Backward walking time", None),
    "forward_min": ("min", "Forward walking time", None),
    "speed_m_s": ("m/s", "Walking speed", None),
    "incline_pct": ("%", "Treadmill incline", None),
    "pain_before_nprs": ("{score}", "Pain before the session (NPRS 0-10)", _PAIN),
    "pain_max_nprs": ("{score}", "Highest pain during the session (NPRS 0-10)", _PAIN),
    "pain_after_nprs": ("{score}", "Pain after the session (NPRS 0-10)", _PAIN),
    "pain_next_morning_nprs": ("{score}", "Pain the next morning (NPRS 0-10)", _PAIN),
    "rpe_cr10": ("{score}", "Perceived exertion (Borg CR10)", None),
    "heart_rate_bpm": ("/min", "Mean heart rate", None),
    "steps": ("{steps}", "Steps", None),
    "distance_m": ("m", "Distance", None),
    "setting": (None, "Setting", None),
    "planned_session_id": (None, "Planned session", None),
    "safety_event": (None, "Safety event", None),
}
_INTEGER_MEASURES = frozenset(
    {
        "pain_before_nprs",
        "pain_max_nprs",
        "pain_after_nprs",
        "pain_next_morning_nprs",
        "heart_rate_bpm",
        "steps",
    }
)
_CAREPLAN_STATUS: Mapping[str, str] = {
    "active": "active",
    "paused": "on-hold",
    "completed": "completed",
}
_PLAN_DOSE_FIELDS = (
    "warmup_forward_min",
    "backward_min",
    "recovery_forward_min",
    "cooldown_min",
    "speed_m_s",
    "incline_pct",
)


def _uuid(kind: str, record_id: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}/{record_id}"))


def _identifier(kind: str, record_id: str) -> list[dict[str, str]]:
    return [{"system": _ID_SYSTEMS[kind], "value": record_id}]


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


# ----------------------------------------------------------------------------------- export


def bundle_from_records(records: PatientRecords, *, generated_at: datetime) -> Any:
    """Build a validated FHIR ``Bundle`` (type ``collection``) of one patient's records.

    Raises :class:`InputError` for an outcome instrument that has neither a LOINC code nor a
    local name (it could not be imported back).
    """
    patient_ref = f"urn:uuid:{_uuid('Patient', records.patient.patient_id)}"
    entries: list[dict[str, Any]] = [_entry(patient_ref, _patient(records.patient))]
    if records.program is not None:
        uid = _uuid("CarePlan", records.program.program_id)
        entries.append(_entry(f"urn:uuid:{uid}", _careplan(records.program, uid, patient_ref)))
    for outcome in records.outcomes:
        qr_uid = _uuid("QuestionnaireResponse", outcome.outcome_id)
        entries.append(
            _entry(f"urn:uuid:{qr_uid}", _questionnaire_response(outcome, qr_uid, patient_ref))
        )
        obs_uid = _uuid("outcome", outcome.outcome_id)
        entries.append(
            _entry(
                f"urn:uuid:{obs_uid}",
                _outcome_observation(outcome, obs_uid, patient_ref, f"urn:uuid:{qr_uid}"),
            )
        )
    for session in records.sessions:
        uid = _uuid("session", session.log_id)
        entries.append(_entry(f"urn:uuid:{uid}", _session_observation(session, uid, patient_ref)))
    data = {
        "resourceType": "Bundle",
        "id": _uuid("Bundle", f"{records.patient.patient_id}/{generated_at.isoformat()}"),
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
        "id": _uuid("Patient", patient.patient_id),
        "identifier": _identifier("Patient", patient.patient_id),
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
        "identifier": _identifier("CarePlan", program.program_id),
        "extension": [
            {"url": f"{EXTENSION_BASE}program-template", "valueString": program.template},
            {"url": f"{EXTENSION_BASE}program-revision", "valueInteger": program.revision},
        ],
        "status": _CAREPLAN_STATUS[program.status],
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
    for name in _PLAN_DOSE_FIELDS:
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
    code, display = _UNITS.get(unit, (unit, unit))
    return {"value": value, "unit": display, "system": UCUM, "code": code}


def _outcome_observation(
    outcome: OutcomeRecord, uid: str, patient_ref: str, qr_ref: str
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Observation",
        "id": uid,
        "identifier": _identifier("outcome", outcome.outcome_id),
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
        "identifier": _identifier("QuestionnaireResponse", outcome.outcome_id)[0],
        "questionnaire": f"urn:retrowalk:questionnaire:{outcome.instrument}",
        "status": "completed",
        "subject": {"reference": patient_ref},
        "authored": outcome.assessed_at.isoformat(),
        "item": items,
    }


def _measure_code(name: str) -> dict[str, Any]:
    _unit, display, loinc = _SESSION_MEASURES[name]
    coding = [{"system": LOCAL_MEASURE_SYSTEM, "code": name, "display": display}]
    if loinc is not None:
        coding.append({"system": LOINC, "code": loinc[0], "display": loinc[1]})
    return {"coding": coding, "text": display}


def _session_observation(session: SessionLogRecord, uid: str, patient_ref: str) -> dict[str, Any]:
    components: list[dict[str, Any]] = []
    for name, (unit, _display, _loinc) in _SESSION_MEASURES.items():
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
                "value": _number(value),
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
        "identifier": _identifier("session", session.log_id),
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


# ----------------------------------------------------------------------------------- import

_ALLOWED_TYPES = ("Patient", "CarePlan", "Observation", "QuestionnaireResponse")
_SOURCE = "FHIR Bundle"


def records_from_bundle(
    data: str | bytes | Mapping[str, Any],
    *,
    local_instruments: Mapping[str, str] = LOCAL_INSTRUMENT_NAMES,
) -> PatientRecords:
    """Read a Bundle made by :func:`bundle_from_records` back into records.

    The Bundle is validated by the FHIR models first. Raises :class:`InputError` (naming the
    entry and field) for malformed JSON, an invalid resource, a resource type, code, component
    or extension this mapping does not know, or a missing or second Patient.
    """
    raw: Any
    if isinstance(data, bytes | str):
        text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
        raw = parse_json_text(text, source=_SOURCE)
    else:
        raw = dict(data)
    if not isinstance(raw, dict) or raw.get("resourceType") != "Bundle":
        raise InputError("not a FHIR Bundle (resourceType must be 'Bundle')", source=_SOURCE)
    entries = raw.get("entry") or []
    if not isinstance(entries, list):
        raise InputError("must be a list", field="entry", source=_SOURCE)
    for index, entry in enumerate(entries):
        kind = entry.get("resource", {}).get("resourceType") if isinstance(entry, dict) else None
        if kind not in _ALLOWED_TYPES:
            raise InputError(
                f"resource type {kind!r} is not imported (expected one of "
                f"{', '.join(_ALLOWED_TYPES)})",
                field=f"entry.{index}.resource.resourceType",
                source=_SOURCE,
            )
    try:
        bundle = Bundle.model_validate(raw)
    except ValidationError as error:
        field, problem = describe_validation_error(error)
        raise InputError(problem, field=field, source=_SOURCE) from None
    return _Reader(bundle, local_instruments).read()


class _Reader:
    def __init__(self, bundle: Any, local_instruments: Mapping[str, str]) -> None:
        self.entries: list[Any] = list(bundle.entry or [])
        self.local_instruments = local_instruments
        self.by_url = {entry.fullUrl: entry.resource for entry in self.entries if entry.fullUrl}

    def read(self) -> PatientRecords:
        patients = [
            (i, e.resource)
            for i, e in enumerate(self.entries)
            if e.resource.get_resource_type() == "Patient"
        ]
        if len(patients) != 1:
            raise InputError(
                f"the Bundle must hold exactly one Patient (found {len(patients)})",
                field="entry",
                source=_SOURCE,
            )
        patient = self._patient(*patients[0])
        program: ProgramRecord | None = None
        sessions: list[SessionLogRecord] = []
        outcomes: list[OutcomeRecord] = []
        for index, entry in enumerate(self.entries):
            resource = entry.resource
            kind = resource.get_resource_type()
            where = f"entry.{index}.resource"
            if kind == "CarePlan":
                if program is not None:
                    raise InputError("a second CarePlan", field=where, source=_SOURCE)
                program = self._program(resource, where)
            elif kind == "Observation":
                if _has_code(resource.code, LOCAL_OBSERVATION_SYSTEM, SESSION_CODE):
                    sessions.append(self._session(resource, where))
                else:
                    outcomes.append(self._outcome(resource, where))
        return PatientRecords(
            patient=patient,
            program=program,
            sessions=tuple(sessions),
            outcomes=tuple(outcomes),
        )

    def _patient(self, index: int, resource: Any) -> PatientRecord:
        where = f"entry.{index}.resource"
        record_id = _identifier_value(resource, "Patient", where)
        name = resource.name[0].text if resource.name else ""
        birth = resource.birthDate
        year: int | None = None
        if birth is not None:
            year = birth.year if isinstance(birth, date) else int(str(birth)[:4])
        extensions = _extensions(resource.extension, where, allowed=("time-zone",))
        return PatientRecord(
            patient_id=record_id,
            display_name=name or "",
            year_of_birth=year,
            time_zone=str(extensions.get("time-zone", ["UTC"])[0]),
        )

    def _program(self, resource: Any, where: str) -> ProgramRecord:
        record_id = _identifier_value(resource, "CarePlan", where)
        extensions = _extensions(
            resource.extension, where, allowed=("program-template", "program-revision")
        )
        status = {v: k for k, v in _CAREPLAN_STATUS.items()}.get(resource.status)
        if status is None:
            raise InputError(
                f"CarePlan status '{resource.status}' has no program status",
                field=f"{where}.status",
                source=_SOURCE,
            )
        if resource.period is None or resource.period.start is None:
            raise InputError("missing", field=f"{where}.period.start", source=_SOURCE)
        sessions = tuple(
            self._planned(activity.detail, f"{where}.activity.{i}.detail")
            for i, activity in enumerate(resource.activity or [])
        )
        program_status: ProgramStatus = status  # type: ignore[assignment]
        return ProgramRecord(
            program_id=record_id,
            title=resource.title or "",
            template=str(extensions.get("program-template", [""])[0]),
            status=program_status,
            start_date=_as_date(resource.period.start),
            revision=int(extensions.get("program-revision", [1])[0]),
            sources=tuple(note.text for note in resource.note or []),
            sessions=sessions,
        )

    def _planned(self, detail: Any, where: str) -> PlannedSessionRecord:
        if detail is None or detail.scheduledPeriod is None:
            raise InputError(
                "an activity without a detail and scheduledPeriod", field=where, source=_SOURCE
            )
        dose_names = tuple(name.replace("_", "-") for name in _PLAN_DOSE_FIELDS)
        ext = _extensions(
            detail.extension,
            where,
            allowed=("planned-session-id", "week", "setting", "cue", *dose_names),
        )
        for required in ("planned-session-id", "week", "setting"):
            if required not in ext:
                raise InputError(
                    f"extension {EXTENSION_BASE}{required} is missing",
                    field=f"{where}.extension",
                    source=_SOURCE,
                )

        def dose(name: str) -> float | None:
            values = ext.get(name.replace("_", "-"))
            return float(values[0]) if values else None

        return PlannedSessionRecord(
            session_id=str(ext["planned-session-id"][0]),
            scheduled_on=_as_date(detail.scheduledPeriod.start),
            week=int(ext["week"][0]),
            warmup_forward_min=dose("warmup_forward_min") or 0.0,
            backward_min=dose("backward_min") or 0.0,
            recovery_forward_min=dose("recovery_forward_min") or 0.0,
            cooldown_min=dose("cooldown_min") or 0.0,
            setting=str(ext["setting"][0]),
            speed_m_s=dose("speed_m_s"),
            incline_pct=dose("incline_pct"),
            cues=tuple(str(cue) for cue in ext.get("cue", [])),
        )

    def _outcome(self, resource: Any, where: str) -> OutcomeRecord:
        instrument = self._instrument(resource.code, f"{where}.code")
        record_id = _identifier_value(resource, "outcome", where)
        quantity = resource.valueQuantity
        if quantity is None or quantity.value is None:
            raise InputError("an outcome needs a valueQuantity", field=where, source=_SOURCE)
        unit = _UCUM_TO_UNIT.get(quantity.code or "", quantity.code or "")
        subscore: int | None = None
        for i, component in enumerate(resource.component or []):
            if instrument == "start_back" and _has_code(
                component.code, LOINC, START_BACK_SUBSCORE[0]
            ):
                subscore = int(component.valueInteger)
            else:
                raise InputError(
                    "unknown component code " + _describe_code(component.code),
                    field=f"{where}.component.{i}.code",
                    source=_SOURCE,
                )
        if resource.effectiveDateTime is None:
            raise InputError("missing", field=f"{where}.effectiveDateTime", source=_SOURCE)
        return OutcomeRecord(
            outcome_id=record_id,
            instrument=instrument,
            assessed_at=_as_datetime(resource.effectiveDateTime, f"{where}.effectiveDateTime"),
            score=float(quantity.value),
            score_unit=unit,
            items=self._items(resource, where),
            subscore=subscore,
        )

    def _instrument(self, code: Any, where: str) -> str:
        for coding in code.coding or []:
            if coding.system == LOINC:
                for instrument, (loinc, _display) in LOINC_INSTRUMENTS.items():
                    if coding.code == loinc:
                        return instrument
            if coding.system == LOCAL_INSTRUMENT_SYSTEM and coding.code in self.local_instruments:
                return str(coding.code)
        raise InputError(
            "unknown observation code " + _describe_code(code), field=where, source=_SOURCE
        )

    def _items(self, resource: Any, where: str) -> tuple[float | None, ...]:
        for ref in resource.derivedFrom or []:
            response = self.by_url.get(ref.reference)
            if response is None or response.get_resource_type() != "QuestionnaireResponse":
                continue
            values: list[float | None] = []
            for i, item in enumerate(response.item or []):
                if item.linkId != str(i + 1):
                    raise InputError(
                        f"item linkId '{item.linkId}' out of order (expected '{i + 1}')",
                        field=f"{where}.derivedFrom QuestionnaireResponse.item.{i}.linkId",
                        source=_SOURCE,
                    )
                answers = item.answer or []
                if not answers:
                    values.append(None)
                    continue
                answer = answers[0]
                value = (
                    answer.valueInteger if answer.valueInteger is not None else answer.valueDecimal
                )
                if value is None:
                    raise InputError(
                        "an answer must be valueInteger or valueDecimal",
                        field=f"QuestionnaireResponse.item.{i}.answer",
                        source=_SOURCE,
                    )
                values.append(_to_number(value))
            return tuple(values)
        return ()

    def _session(self, resource: Any, where: str) -> SessionLogRecord:
        record_id = _identifier_value(resource, "session", where)
        period = resource.effectivePeriod
        if period is None or period.start is None or period.end is None:
            raise InputError(
                "a session needs effectivePeriod start and end", field=where, source=_SOURCE
            )
        values: dict[str, Any] = {}
        safety: list[str] = []
        for i, component in enumerate(resource.component or []):
            name = _local_code(component.code, LOCAL_MEASURE_SYSTEM)
            if name is None or name not in _SESSION_MEASURES:
                raise InputError(
                    "unknown component code " + _describe_code(component.code),
                    field=f"{where}.component.{i}.code",
                    source=_SOURCE,
                )
            unit = _SESSION_MEASURES[name][0]
            if unit is None:
                text = component.valueString
                if name == "safety_event":
                    safety.append(text)
                else:
                    values[name] = text
            else:
                if component.valueQuantity is None or component.valueQuantity.value is None:
                    raise InputError(
                        "needs a valueQuantity",
                        field=f"{where}.component.{i}",
                        source=_SOURCE,
                    )
                number = _to_number(component.valueQuantity.value)
                values[name] = int(number) if name in _INTEGER_MEASURES else float(number)
        backward = values.pop("backward_min", 0.0)
        forward = values.pop("forward_min", 0.0)
        notes = " ".join(note.text for note in resource.note or [])
        try:
            return SessionLogRecord(
                log_id=record_id,
                started_at=_as_datetime(period.start, f"{where}.effectivePeriod.start"),
                ended_at=_as_datetime(period.end, f"{where}.effectivePeriod.end"),
                backward_min=float(backward),
                forward_min=float(forward),
                notes=notes,
                safety_events=tuple(safety),
                **values,
            )
        except InputError as error:
            raise InputError(
                error.problem, field=f"{where}.{error.field}", source=_SOURCE
            ) from None


def _has_code(code: Any, system: str, value: str) -> bool:
    return code is not None and any(
        c.system == system and c.code == value for c in code.coding or []
    )


def _local_code(code: Any, system: str) -> str | None:
    for coding in (code.coding or []) if code is not None else []:
        if coding.system == system:
            return str(coding.code)
    return None


def _describe_code(code: Any) -> str:
    if code is None:
        return "(none)"
    codings = [f"{c.system or '?'}|{c.code or '?'}" for c in code.coding or []]
    if codings:
        return ", ".join(codings)
    return f"(text only: {code.text!r})"


def _identifier_value(resource: Any, kind: str, where: str) -> str:
    system = _ID_SYSTEMS[kind]
    identifiers: Sequence[Any] = resource.identifier or []
    if not isinstance(identifiers, list):  # QuestionnaireResponse has a single identifier
        identifiers = [identifiers]
    for identifier in identifiers:
        if identifier.system == system and identifier.value:
            return str(identifier.value)
    raise InputError(
        f"no identifier with system {system}", field=f"{where}.identifier", source=_SOURCE
    )


def _extensions(extensions: Any, where: str, *, allowed: Sequence[str]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for i, extension in enumerate(extensions or []):
        url = extension.url or ""
        name = url.removeprefix(EXTENSION_BASE)
        if not url.startswith(EXTENSION_BASE) or name not in allowed:
            raise InputError(
                f"unknown extension {url!r}", field=f"{where}.extension.{i}", source=_SOURCE
            )
        candidates = (extension.valueString, extension.valueInteger, extension.valueDecimal)
        value = next((v for v in candidates if v is not None), None)
        if value is None:
            raise InputError(
                "an extension needs valueString, valueInteger or valueDecimal",
                field=f"{where}.extension.{i}",
                source=_SOURCE,
            )
        found.setdefault(name, []).append(value if isinstance(value, str) else _to_number(value))
    return found


def _to_number(value: int | float | Decimal) -> float:
    return float(value)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _as_datetime(value: Any, where: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InputError(
            "needs a date and time with a timezone offset", field=where, source=_SOURCE
        )
    return value
