"""Patient records as the exports read them (calendar, PDF, FHIR)."""

from __future__ import annotations

from dataclasses import replace

from retrowalk.domain.prescription import prescribe
from retrowalk.services.patient_records import _planned
from tests.domain.clinical_samples import profile


def test_a_plan_stored_with_a_graded_pace_gives_the_exports_plain_cues() -> None:
    plan = prescribe(profile(setting="overground"))
    first = plan.sessions[0]
    graded = replace(
        first,
        pace=replace(
            first.pace, text=first.pace.text[:-1] + " (practitioner advice, provisional)."
        ),
    )
    cues = _planned(1, plan, graded).cues
    assert cues[0].startswith("Pace: ")
    assert "practitioner advice" not in cues[0]
