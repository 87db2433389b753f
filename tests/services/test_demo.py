"""The demo data is made through the real services and shows what the overview is for."""

from __future__ import annotations

from retrowalk.services import overview
from retrowalk.services.demo import DEMO_CLINICIAN, create_demo
from retrowalk.services.runtime import Actor, Runtime


def test_the_demo_has_a_clinician_and_two_patients_with_history(runtime: Runtime) -> None:
    made = create_demo(runtime)
    assert made.clinician.email == DEMO_CLINICIAN
    lines = overview.clinician_overview(runtime, Actor(made.clinician.id, "clinician"))
    assert [line.patient.id for line in lines] == [p.id for p in made.patients]
    doing_well, struggling = lines
    assert doing_well.sessions_done >= 6
    assert doing_well.program_status == "active"
    assert struggling.program_status == "paused"
    assert "safety_event" in {flag.kind for flag in struggling.flags}
    again = create_demo(runtime)
    assert again.clinician.id == made.clinician.id
