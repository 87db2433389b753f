"""Programs: prescription needs clearance, every revision is kept, status rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from retrowalk.errors import InputError, NotAllowedError, NotFoundError, PermissionDeniedError
from retrowalk.schemas.clinical import ScreeningAnswersIn
from retrowalk.services import programs, screenings
from retrowalk.services.inputs import PlanAdjustIn, PrescriptionIn, ProgramStatusIn
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.views import UserView
from retrowalk.storage.flags import ClinicianFlag
from tests.db_fixtures import (
    MakeUser,
    TestClock,
    link,
    log,
    prescription_json,
    screening_answers,
    start_program,
)


def _choices(runtime: Runtime) -> PrescriptionIn:
    return PrescriptionIn.model_validate(prescription_json(runtime.now().date()))


def test_no_program_without_a_screening(runtime: Runtime, make_user: MakeUser) -> None:
    patient = make_user()
    with pytest.raises(NotAllowedError, match="screening"):
        programs.prescribe_program(
            runtime, Actor(patient.id, "patient"), patient.id, _choices(runtime)
        )


def test_no_program_when_the_screening_says_see_a_clinician(
    runtime: Runtime, make_user: MakeUser
) -> None:
    patient = make_user()
    who = Actor(patient.id, "patient")
    answers = ScreeningAnswersIn.model_validate(screening_answers(saddle_numbness=True))
    result = screenings.screen_patient(runtime, who, patient.id, answers.to_domain())
    assert result.decision != "cleared"
    with pytest.raises(NotAllowedError, match="cleared"):
        programs.prescribe_program(runtime, who, patient.id, _choices(runtime))
    with pytest.raises(NotFoundError):
        programs.get_program(runtime, who, patient.id)


def test_a_cleared_patient_gets_revision_one_with_template_and_sources(
    runtime: Runtime, make_user: MakeUser
) -> None:
    patient = make_user()
    start_program(runtime, patient)
    program = programs.get_program(runtime, Actor(patient.id, "patient"), patient.id)
    assert program.status == "active"
    assert program.current_revision == 1
    assert program.plan["template"] == program.template_id
    assert program.plan["sources"]
    assert program.plan["sessions"]


def test_every_revision_is_kept(runtime: Runtime, make_user: MakeUser) -> None:
    clinician, patient = make_user("clinician"), make_user()
    link(runtime, clinician, patient)
    start_program(runtime, patient)
    log(runtime, patient, runtime.now())
    as_clinician = Actor(clinician.id, "clinician")
    current = programs.get_program(runtime, as_clinician, patient.id)
    edited = dict(current.plan)
    edited["goal_backward_min"] = 15
    programs.adjust_plan(
        runtime, as_clinician, patient.id, PlanAdjustIn(plan=edited, note="lower goal")
    )
    revisions = programs.list_revisions(runtime, as_clinician, patient.id)
    assert [r.reason for r in revisions] == ["prescription", "progression", "clinician_edit"]
    assert [r.number for r in revisions] == [1, 2, 3]
    assert [r.plan["revision"] for r in revisions] == [1, 2, 3]
    assert revisions[-1].plan["goal_backward_min"] == 15
    assert revisions[0].plan["goal_backward_min"] == 20


def test_only_the_linked_clinician_adjusts_a_plan(runtime: Runtime, make_user: MakeUser) -> None:
    patient = make_user()
    start_program(runtime, patient)
    who = Actor(patient.id, "patient")
    plan = programs.get_program(runtime, who, patient.id).plan
    with pytest.raises(PermissionDeniedError):
        programs.adjust_plan(runtime, who, patient.id, PlanAdjustIn(plan=plan, note="mine"))


def test_a_patient_pauses_and_resumes_their_program(runtime: Runtime, make_user: MakeUser) -> None:
    patient = make_user()
    start_program(runtime, patient)
    who = Actor(patient.id, "patient")
    paused = programs.set_status(runtime, who, patient.id, ProgramStatusIn(status="paused"))
    assert (paused.status, paused.plan["status"]) == ("paused", "paused")
    with pytest.raises(NotAllowedError):
        programs.set_status(runtime, who, patient.id, ProgramStatusIn(status="paused"))
    resumed = programs.set_status(runtime, who, patient.id, ProgramStatusIn(status="active"))
    assert (resumed.status, resumed.plan["status"]) == ("active", "active")


def test_after_a_fall_only_the_clinician_may_resume(
    runtime: Runtime, make_user: MakeUser, clock: TestClock
) -> None:
    clinician, patient = make_user("clinician"), make_user()
    link(runtime, clinician, patient)
    start_program(runtime, patient)
    log(runtime, patient, runtime.now(), safety_events=["fall"])
    who = Actor(patient.id, "patient")
    with pytest.raises(PermissionDeniedError, match="clinician"):
        programs.set_status(runtime, who, patient.id, ProgramStatusIn(status="active"))
    with pytest.raises(NotAllowedError):
        programs.prescribe_program(runtime, who, patient.id, _choices(runtime))
    resumed = programs.set_status(
        runtime,
        Actor(clinician.id, "clinician"),
        patient.id,
        ProgramStatusIn(status="active", reason="spoke with patient; safe to go on"),
    )
    assert resumed.status == "active"
    assert not resumed.paused_for_safety
    # The reviewed fall does not pause the program again at the next session.
    clock.advance(days=2)
    after = log(runtime, patient, runtime.now())
    assert after.program is not None
    assert after.program.status == "active"


def test_after_a_fall_the_patient_cannot_complete_the_program_to_get_a_new_one(
    runtime: Runtime, make_user: MakeUser
) -> None:
    clinician, patient = make_user("clinician"), make_user()
    link(runtime, clinician, patient)
    start_program(runtime, patient)
    log(runtime, patient, runtime.now(), safety_events=["fall"])
    who = Actor(patient.id, "patient")
    with pytest.raises(PermissionDeniedError, match="only your clinician can complete it"):
        programs.set_status(runtime, who, patient.id, ProgramStatusIn(status="completed"))
    still = programs.get_program(runtime, who, patient.id)
    assert (still.status, still.paused_for_safety) == ("paused", True)
    with pytest.raises(NotAllowedError, match="review"):
        programs.prescribe_program(runtime, who, patient.id, _choices(runtime))


def test_a_safety_paused_program_the_clinician_completed_still_needs_them_for_a_new_one(
    runtime: Runtime, make_user: MakeUser
) -> None:
    clinician, patient = make_user("clinician"), make_user()
    link(runtime, clinician, patient)
    start_program(runtime, patient)
    log(runtime, patient, runtime.now(), safety_events=["near_fall"])
    as_clinician = Actor(clinician.id, "clinician")
    programs.set_status(
        runtime, as_clinician, patient.id, ProgramStatusIn(status="completed", reason="stop")
    )
    who = Actor(patient.id, "patient")
    with pytest.raises(NotAllowedError, match="review"):
        programs.prescribe_program(runtime, who, patient.id, _choices(runtime))
    fresh = programs.prescribe_program(runtime, as_clinician, patient.id, _choices(runtime))
    assert (fresh.status, fresh.paused_for_safety) == ("active", False)


def test_a_new_program_completes_the_previous_one(runtime: Runtime, make_user: MakeUser) -> None:
    patient = make_user()
    start_program(runtime, patient)
    who = Actor(patient.id, "patient")
    first = programs.get_program(runtime, who, patient.id)
    second = programs.prescribe_program(runtime, who, patient.id, _choices(runtime))
    assert second.id != first.id
    assert programs.get_program(runtime, who, patient.id).id == second.id


def _rescreen(runtime: Runtime, patient: UserView, **answers: object) -> None:
    screenings.screen_patient(
        runtime,
        Actor(patient.id, patient.role),
        patient.id,
        ScreeningAnswersIn.model_validate(screening_answers(**answers)).to_domain(),
    )


def test_a_repeat_screening_that_says_see_a_clinician_pauses_the_program_and_flags_it(
    runtime: Runtime, make_user: MakeUser
) -> None:
    patient = make_user()
    who = Actor(patient.id, patient.role)
    start_program(runtime, patient)
    _rescreen(runtime, patient, recent_major_trauma=True)
    program = programs.get_program(runtime, who, patient.id)
    assert program.status == "paused"
    assert program.paused_for_safety
    assert program.plan["status"] == "paused"
    assert "see clinician" in program.status_reason
    with runtime.db.read() as session:
        flag = session.scalars(select(ClinicianFlag)).one()
    assert flag.kind == "safety_event"
    assert "major injury" in flag.detail
    with pytest.raises(PermissionDeniedError, match="clinician"):
        programs.set_status(runtime, who, patient.id, ProgramStatusIn(status="active"))


def test_a_cleared_repeat_screening_leaves_the_program_running(
    runtime: Runtime, make_user: MakeUser
) -> None:
    patient = make_user()
    start_program(runtime, patient)
    _rescreen(runtime, patient)
    program = programs.get_program(runtime, Actor(patient.id, patient.role), patient.id)
    assert program.status == "active"
    with runtime.db.read() as session:
        assert session.scalars(select(ClinicianFlag)).all() == []


def test_a_clinicians_plan_without_history_is_not_replayed_at_the_next_session(
    runtime: Runtime, make_user: MakeUser, clock: TestClock
) -> None:
    clinician, patient = make_user("clinician"), make_user()
    link(runtime, clinician, patient)
    start_program(runtime, patient)
    log(runtime, patient, runtime.now(), pain_max=8, pain_next_morning=4)
    as_clinician = Actor(clinician.id, "clinician")
    edited = dict(programs.get_program(runtime, as_clinician, patient.id).plan)
    edited["history"] = []
    adjusted = programs.adjust_plan(
        runtime, as_clinician, patient.id, PlanAdjustIn(plan=edited, note="fresh start")
    )
    assert adjusted.plan["history"][-1]["change"] == "clinician_edit"
    assert adjusted.plan["history"][-1]["after_session"] == 1
    clock.advance(days=2)
    after = log(runtime, patient, runtime.now(), pain_next_morning=4)
    assert after.program is not None
    changes = [(h["after_session"], h["change"]) for h in after.program.plan["history"]]
    assert changes[0] == (1, "clinician_edit")
    assert [c for c in changes if c[1] == "reduce"] == []


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("template", "bogus", "plan.template"),
        ("forward_speed_kmh", 1e9, "plan.forward_speed_kmh"),
        ("start_date", "9999-12-31", "plan.start_date"),
    ],
)
def test_a_clinicians_plan_with_values_that_make_no_sense_is_refused_and_changes_nothing(
    runtime: Runtime, make_user: MakeUser, key: str, value: object, field: str
) -> None:
    clinician, patient = make_user("clinician"), make_user()
    link(runtime, clinician, patient)
    start_program(runtime, patient)
    as_clinician = Actor(clinician.id, "clinician")
    before = programs.get_program(runtime, as_clinician, patient.id)
    edited = {**before.plan, key: value}
    with pytest.raises(InputError) as caught:
        programs.adjust_plan(runtime, as_clinician, patient.id, PlanAdjustIn(plan=edited, note="x"))
    assert caught.value.field == field
    assert programs.get_program(runtime, as_clinician, patient.id).current_revision == (
        before.current_revision
    )


def test_a_flare_logged_while_paused_shortens_the_next_session_as_soon_as_it_resumes(
    runtime: Runtime, make_user: MakeUser, clock: TestClock
) -> None:
    patient = make_user()
    who = Actor(patient.id, "patient")
    start_program(runtime, patient)
    for _ in range(3):
        log(runtime, patient, runtime.now())
        clock.advance(days=2)
    dose = programs.get_program(runtime, who, patient.id).plan["sessions"][3]["backward_min"]
    programs.set_status(runtime, who, patient.id, ProgramStatusIn(status="paused", reason="x"))
    log(
        runtime,
        patient,
        runtime.now(),
        backward_min=float(dose),
        pain_before=2,
        pain_max=7,
        pain_after=4,
        pain_next_morning=2,
    )
    paused = programs.get_program(runtime, who, patient.id)
    assert paused.plan["sessions"][4]["backward_min"] >= dose  # nothing decided while paused
    resumed = programs.set_status(runtime, who, patient.id, ProgramStatusIn(status="active"))
    assert resumed.status == "active"
    assert resumed.plan["status"] == "active"
    assert resumed.plan["sessions"][4]["backward_min"] < dose
    assert resumed.plan["history"][-1]["change"] == "reduce"
