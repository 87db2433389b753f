"""The codes, systems and units of retrowalk's FHIR mapping (see :mod:`retrowalk.exchange.fhir`).

Shared by the writer (:mod:`retrowalk.exchange.fhir`) and the reader
(:mod:`retrowalk.exchange.fhir_reader`) so both use one table. Clinical codes come from
``shared/evidence.md`` section 4.8; their confirmation status is noted where they are defined.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from retrowalk.domain.instruments.registry import list_instruments

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

ID_SYSTEMS = {
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

UNITS: Mapping[str, tuple[str, str]] = {  # our unit -> (UCUM code, display)
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
UCUM_TO_UNIT = {"{score}": "points", "%": "%", "s": "s", "cm": "cm"}

# Session components: attribute -> (UCUM unit or None for text, display, LOINC coding or None)
PAIN_LOINC = ("72514-3", LOINC_INSTRUMENTS["nprs"][1])
SESSION_MEASURES: Mapping[str, tuple[str | None, str, tuple[str, str] | None]] = {
    "backward_min": ("min", "Backward walking time", None),
    "forward_min": ("min", "Forward walking time", None),
    "speed_m_s": ("m/s", "Walking speed", None),
    "incline_pct": ("%", "Treadmill incline", None),
    "pain_before_nprs": ("{score}", "Pain before the session (NPRS 0-10)", PAIN_LOINC),
    "pain_max_nprs": ("{score}", "Highest pain during the session (NPRS 0-10)", PAIN_LOINC),
    "pain_after_nprs": ("{score}", "Pain after the session (NPRS 0-10)", PAIN_LOINC),
    "pain_next_morning_nprs": ("{score}", "Pain the next morning (NPRS 0-10)", PAIN_LOINC),
    "rpe_cr10": ("{score}", "Perceived exertion (Borg CR10)", None),
    "heart_rate_bpm": ("/min", "Mean heart rate", None),
    "steps": ("{steps}", "Steps", None),
    "distance_m": ("m", "Distance", None),
    "setting": (None, "Setting", None),
    "planned_session_id": (None, "Planned session", None),
    "safety_event": (None, "Safety event", None),
}
INTEGER_MEASURES = frozenset(
    {
        "pain_before_nprs",
        "pain_max_nprs",
        "pain_after_nprs",
        "pain_next_morning_nprs",
        "heart_rate_bpm",
        "steps",
    }
)
CAREPLAN_STATUS: Mapping[str, str] = {
    "active": "active",
    "paused": "on-hold",
    "completed": "completed",
}
PLAN_DOSE_FIELDS = (
    "warmup_forward_min",
    "backward_min",
    "recovery_forward_min",
    "cooldown_min",
    "speed_m_s",
    "incline_pct",
)


def resource_uuid(kind: str, record_id: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}/{record_id}"))


def identifier(kind: str, record_id: str) -> list[dict[str, str]]:
    return [{"system": ID_SYSTEMS[kind], "value": record_id}]


def plain_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)
