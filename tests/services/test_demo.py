"""The demo data is made through the real services and shows what the overview is for."""

from __future__ import annotations

from retrowalk.services import overview, recordings
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


def test_the_demo_patient_doing_well_has_measured_sessions_with_backward_walking(
    runtime: Runtime,
) -> None:
    made = create_demo(runtime)
    anna, ben = made.patients
    measured = recordings.latest_recordings_by_session(
        runtime, Actor(made.clinician.id, "clinician"), anna.id
    )
    assert len(measured) == 3
    views = sorted(measured.values(), key=lambda view: view.created_at)
    assert all(view.filename.startswith("demo-synthetic-") for view in views)
    for view in views:
        # most of the planned backward minutes are measured as backward, none as forward
        planned = view.planned_backward_min
        assert planned is not None
        assert 0.6 * planned <= view.backward_min <= planned + 0.2
        assert view.summary["by_direction"]["backward"]["speed_m_s"] is not None
    speeds = [view.summary["by_direction"]["backward"]["cadence_spm"] for view in views]
    assert speeds == sorted(speeds)  # the demo's backward cadence rises session by session
    no_recordings = recordings.latest_recordings_by_session(
        runtime, Actor(made.clinician.id, "clinician"), ben.id
    )
    assert no_recordings == {}
