from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from hypothesis import given, settings
from hypothesis import strategies as st

from retrowalk.errors import InputError
from retrowalk.exchange.fhir import bundle_from_records, bundle_to_json, records_from_bundle
from retrowalk.exchange.records import OutcomeRecord, PatientRecord, PatientRecords

from .samples import sample_records

GENERATED_AT = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def exported() -> dict[str, Any]:
    text = bundle_to_json(bundle_from_records(sample_records(), generated_at=GENERATED_AT))
    data: dict[str, Any] = json.loads(text)
    return data


def resources(data: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == kind]


def observation_with_code(data: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [
        o
        for o in resources(data, "Observation")
        if any(c.get("code") == code for c in o["code"].get("coding", []))
    ]


def test_the_exported_bundle_validates_against_the_fhir_models() -> None:
    text = bundle_to_json(bundle_from_records(sample_records(), generated_at=GENERATED_AT))
    bundle = Bundle.model_validate_json(text)
    assert bundle.type == "collection"
    kinds = sorted({entry.resource.get_resource_type() for entry in bundle.entry})
    assert kinds == ["CarePlan", "Observation", "Patient", "QuestionnaireResponse"]


def test_importing_an_exported_bundle_gives_the_same_records() -> None:
    records = sample_records()
    text = bundle_to_json(bundle_from_records(records, generated_at=GENERATED_AT))
    assert records_from_bundle(text) == records


def test_nprs_outcomes_carry_loinc_72514_3() -> None:
    found = observation_with_code(exported(), "72514-3")
    nprs = [o for o in found if o["category"][0]["coding"][0]["code"] == "survey"]
    assert [o["valueQuantity"]["value"] for o in nprs] == [6, 5, 3]
    assert nprs[0]["code"]["coding"][0]["system"] == "http://loinc.org"


def test_the_odi_score_carries_loinc_97909_6_in_percent() -> None:
    (first, _second) = observation_with_code(exported(), "97909-6")
    assert first["valueQuantity"]["value"] == 40.0
    assert first["valueQuantity"]["code"] == "%"


def test_start_back_has_the_total_and_the_distress_subscore_component() -> None:
    (start_back,) = observation_with_code(exported(), "91351-7")
    assert start_back["valueQuantity"]["value"] == 6
    component = start_back["component"][0]
    assert component["code"]["coding"][0]["code"] == "91350-9"
    assert component["valueInteger"] == 4


def test_an_instrument_without_loinc_is_text_coded() -> None:
    (rmdq,) = observation_with_code(exported(), "rmdq")
    assert rmdq["code"]["text"] == "Roland-Morris Disability Questionnaire score"
    assert all(c["system"] != "http://loinc.org" for c in rmdq["code"]["coding"])


def test_each_outcome_observation_is_derived_from_its_questionnaire_response() -> None:
    data = exported()
    urls = {e["fullUrl"]: e["resource"] for e in data["entry"]}
    (odi, _) = observation_with_code(data, "97909-6")
    response = urls[odi["derivedFrom"][0]["reference"]]
    assert response["resourceType"] == "QuestionnaireResponse"
    assert response["questionnaire"] == "urn:retrowalk:questionnaire:odi"
    answered = [item for item in response["item"] if "answer" in item]
    assert len(response["item"]) == 10
    assert len(answered) == 9


def test_the_care_plan_has_one_activity_per_planned_session_with_dose_and_cues() -> None:
    (plan,) = resources(exported(), "CarePlan")
    assert plan["status"] == "active"
    assert plan["intent"] == "plan"
    assert len(plan["activity"]) == 9
    description = plan["activity"][0]["detail"]["description"]
    assert "backward walking 5 min" in description
    assert "Glance over your shoulder" in description
    assert plan["note"][0]["text"].startswith("Dufek")


def test_a_paused_program_exports_as_an_on_hold_care_plan() -> None:
    records = sample_records()
    program = records.program
    assert program is not None
    paused = PatientRecords(records.patient, program=replace(program, status="paused"))
    data = json.loads(bundle_to_json(bundle_from_records(paused, generated_at=GENERATED_AT)))
    assert resources(data, "CarePlan")[0]["status"] == "on-hold"
    assert records_from_bundle(json.dumps(data)).program == paused.program


@pytest.mark.parametrize("resource", [None, [], "Observation", 3])
def test_an_entry_whose_resource_is_not_an_object_is_refused_naming_it(resource: Any) -> None:
    data = exported()
    data["entry"].append({"resource": resource})
    with pytest.raises(InputError, match="must be a FHIR resource") as info:
        records_from_bundle(json.dumps(data))
    assert info.value.field == f"entry.{len(data['entry']) - 1}.resource"


def test_a_bundle_with_an_unknown_observation_code_is_refused_naming_the_entry() -> None:
    data = exported()
    index, observation = next(
        (i, e["resource"])
        for i, e in enumerate(data["entry"])
        if e["resource"]["resourceType"] == "Observation"
    )
    observation["code"] = {"coding": [{"system": "http://loinc.org", "code": "99999-9"}]}
    expected = re.escape("unknown observation code http://loinc.org|99999-9")
    with pytest.raises(InputError, match=expected) as info:
        records_from_bundle(json.dumps(data))
    assert info.value.field == f"entry.{index}.resource.code"


def test_a_local_instrument_code_that_is_not_known_is_refused() -> None:
    data = exported()
    (rmdq,) = observation_with_code(data, "rmdq")
    rmdq["code"]["coding"][0]["code"] = "made-up"
    with pytest.raises(InputError, match="unknown observation code"):
        records_from_bundle(json.dumps(data))


def test_an_unknown_session_component_is_refused() -> None:
    data = exported()
    session = observation_with_code(data, "retro-walking-session")[0]
    session["component"][0]["code"] = {"text": "blood glucose"}
    with pytest.raises(InputError, match=re.escape("unknown component code (text only")):
        records_from_bundle(json.dumps(data))


def test_an_unsupported_resource_type_is_refused_before_validation() -> None:
    data = exported()
    data["entry"].append({"resource": {"resourceType": "MedicationRequest"}})
    with pytest.raises(InputError, match="'MedicationRequest' is not imported") as info:
        records_from_bundle(json.dumps(data))
    assert info.value.field == f"entry.{len(data['entry']) - 1}.resource.resourceType"


def test_a_structurally_invalid_resource_is_refused_with_its_field_path() -> None:
    data = exported()
    del resources(data, "Observation")[0]["status"]
    with pytest.raises(InputError) as info:
        records_from_bundle(json.dumps(data))
    assert info.value.field is not None
    assert info.value.field.endswith("status")


def test_malformed_json_is_refused_with_line_and_column() -> None:
    with pytest.raises(InputError, match="line 1, column 2"):
        records_from_bundle("{,}")


def test_a_bundle_without_a_patient_is_refused() -> None:
    data = exported()
    data["entry"] = [e for e in data["entry"] if e["resource"]["resourceType"] != "Patient"]
    with pytest.raises(InputError, match="exactly one Patient"):
        records_from_bundle(json.dumps(data))


def test_an_instrument_without_any_code_cannot_be_exported() -> None:
    records = PatientRecords(
        PatientRecord("p", "P"),
        outcomes=(OutcomeRecord("o", "mystery", GENERATED_AT, 1, "points"),),
    )
    with pytest.raises(InputError, match="instrument 'mystery' has no FHIR code"):
        bundle_from_records(records, generated_at=GENERATED_AT)


@settings(max_examples=40, deadline=None)
@given(
    score=st.floats(min_value=0, max_value=100, allow_nan=False),
    items=st.lists(
        st.one_of(st.none(), st.integers(0, 5), st.floats(0, 10, allow_nan=False)),
        max_size=12,
    ),
)
def test_any_outcome_score_and_responses_survive_the_round_trip(
    score: float, items: list[float | None]
) -> None:
    outcome = OutcomeRecord("o-1", "psfs", GENERATED_AT, score, "points", items=tuple(items))
    records = PatientRecords(PatientRecord("p-1", "P"), outcomes=(outcome,))
    text = bundle_to_json(bundle_from_records(records, generated_at=GENERATED_AT))
    assert records_from_bundle(text) == records
