"""Read a FHIR Bundle written by :mod:`retrowalk.exchange.fhir` back into typed records.

The Bundle is validated by the FHIR models (R4B, see :mod:`retrowalk.exchange.fhir` for why),
then the mapping is reversed. Anything the mapping does not know (a resource type, a code, a
component, an extension) is an :class:`InputError` naming the entry and field, and nothing is
returned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from retrowalk.errors import InputError
from retrowalk.exchange.fhir_codes import (
    CAREPLAN_STATUS,
    EXTENSION_BASE,
    ID_SYSTEMS,
    INTEGER_MEASURES,
    LOCAL_INSTRUMENT_NAMES,
    LOCAL_INSTRUMENT_SYSTEM,
    LOCAL_MEASURE_SYSTEM,
    LOCAL_OBSERVATION_SYSTEM,
    LOINC,
    LOINC_INSTRUMENTS,
    PLAN_DOSE_FIELDS,
    SESSION_CODE,
    SESSION_MEASURES,
    START_BACK_SUBSCORE,
    UCUM_TO_UNIT,
)
from retrowalk.exchange.records import (
    OutcomeRecord,
    PatientRecord,
    PatientRecords,
    PlannedSessionRecord,
    ProgramRecord,
    ProgramStatus,
    SessionLogRecord,
)
from retrowalk.schemas.parsing import describe_validation_error, parse_json_text

__all__ = ["records_from_bundle"]


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
        try:
            raw = parse_json_text(text, source=_SOURCE)
        except RecursionError:
            # json.loads recurses per nesting level; a hostile file nests deeper than Python's
            # stack allows. No FHIR Bundle we read nests more than a few levels.
            raise InputError(
                "the JSON nests too deeply to be a FHIR Bundle", source=_SOURCE
            ) from None
    else:
        raw = dict(data)
    if not isinstance(raw, dict) or raw.get("resourceType") != "Bundle":
        raise InputError("not a FHIR Bundle (resourceType must be 'Bundle')", source=_SOURCE)
    entries = raw.get("entry") or []
    if not isinstance(entries, list):
        raise InputError("must be a list", field="entry", source=_SOURCE)
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            raise InputError(
                "must be a FHIR resource (a JSON object)",
                field=f"entry.{index}.resource",
                source=_SOURCE,
            )
        kind = resource.get("resourceType")
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
        status = {v: k for k, v in CAREPLAN_STATUS.items()}.get(resource.status)
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
        dose_names = tuple(name.replace("_", "-") for name in PLAN_DOSE_FIELDS)
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
        unit = UCUM_TO_UNIT.get(quantity.code or "", quantity.code or "")
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
            if name is None or name not in SESSION_MEASURES:
                raise InputError(
                    "unknown component code " + _describe_code(component.code),
                    field=f"{where}.component.{i}.code",
                    source=_SOURCE,
                )
            unit = SESSION_MEASURES[name][0]
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
                values[name] = int(number) if name in INTEGER_MEASURES else float(number)
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
    system = ID_SYSTEMS[kind]
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
