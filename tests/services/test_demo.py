"""The demo data is made through the real services and shows what the overview is for."""

from __future__ import annotations

import datetime as dt

from retrowalk.services import outcomes, overview, recordings, session_logs
from retrowalk.services.demo import DEMO_CLINICIAN, create_demo
from retrowalk.services.runtime import Actor, Runtime
from tests.db_fixtures import TestClock


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


def test_the_demo_patients_did_their_sessions_in_order_so_the_next_one_follows_the_last(
    runtime: Runtime,
) -> None:
    made = create_demo(runtime)
    lines = overview.clinician_overview(runtime, Actor(made.clinician.id, "clinician"))
    for line in lines:
        who = Actor(line.patient.id, "patient")
        logged = sorted(
            session_logs.list_sessions(runtime, who, line.patient.id), key=lambda s: s.started_at
        )
        numbers = [s.planned_session["number"] for s in logged if s.planned_session]
        assert numbers == list(range(1, len(numbers) + 1))
        if line.next_session_date is not None and line.last_session_at is not None:
            last = max(s.started_at for s in logged)
            assert line.next_session_date >= last.date()


def test_a_demo_made_in_the_small_hours_has_no_outcome_in_the_future(
    runtime: Runtime, clock: TestClock
) -> None:
    clock.set(dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC))
    made = create_demo(runtime)
    for patient in made.patients:
        who = Actor(patient.id, "patient")
        for outcome in outcomes.list_outcomes(runtime, who, patient.id):
            assert outcome.assessed_at <= clock()
