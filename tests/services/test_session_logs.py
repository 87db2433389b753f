"""Logging sessions: progression, safety pauses, idempotency, all-or-nothing writes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from retrowalk.errors import InputError, NotAllowedError, NotFoundError
from retrowalk.services import audit, programs, session_logs
from retrowalk.services.inputs import NextMorningPainIn, ProgramStatusIn
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.storage.audit import AuditEntry
from retrowalk.storage.flags import ClinicianFlag
from retrowalk.storage.programs import ProgramRevision
from retrowalk.storage.session_logs import IdempotencyKey, SessionLog
from tests.db_fixtures import MakeUser, TestClock, link, log, start_program


def _counts(runtime: Runtime) -> tuple[int, ...]:
    with runtime.db.read() as session:
        return tuple(
            int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in (SessionLog, ProgramRevision, IdempotencyKey, ClinicianFlag, AuditEntry)
        )


def test_a_logged_session_moves_the_plan_to_its_next_revision(
    runtime: Runtime, make_user: MakeUser
) -> None:
    patient = make_user()
    start_program(runtime, patient)
    result = log(runtime, patient, runtime.now(), key="k1")
    assert not result.replayed
    assert result.session.planned_session is not None
    assert result.session.planned_session["number"] == 1
    assert result.session.decision is not None
    assert result.session.decision["action"] in ("progress", "repeat", "reduce")
    assert result.program is not None
    assert result.program.current_revision == 2
    assert result.program.plan["history"][-1]["after_session"] == 1


def test_a_fall_pauses_the_program_and_flags_the_clinician(
    runtime: Runtime, make_user: MakeUser
) -> None:
    patient = make_user()
    start_program(runtime, patient)
    result = log(runtime, patient, runtime.now(), safety_events=["fall"])
    assert result.program is not None
    assert result.program.status == "paused"
    assert result.program.paused_for_safety
    with runtime.db.read() as session:
        flag = session.scalars(select(ClinicianFlag)).one()
    assert flag.kind == "safety_event"
    assert "fall" in flag.detail
    assert flag.session_log_id == result.session.id


def test_dizziness_alone_does_not_raise_a_safety_flag(
    runtime: Runtime, make_user: MakeUser
) -> None:
    patient = make_user()
    start_program(runtime, patient)
    result = log(runtime, patient, runtime.now(), safety_events=["dizziness"])
    assert result.program is not None
    assert not result.program.paused_for_safety
    assert _counts(runtime)[3] == 0


def test_a_new_red_flag_without_a_program_still_flags(
    runtime: Runtime, make_user: MakeUser
) -> None:
    patient = make_user()
    result = log(runtime, patient, runtime.now(), safety_events=["new_red_flag"])
    assert result.program is None
    assert _counts(runtime)[3] == 1


def test_resending_with_the_same_key_stores_the_session_once(
    runtime: Runtime, make_user: MakeUser
) -> None:
    patient = make_user()
    start_program(runtime, patient)
    when = runtime.now()
    first = log(runtime, patient, when, key="same-key")
    again = log(runtime, patient, when, key="same-key")
    assert again.replayed
    assert again.session.id == first.session.id
    assert _counts(runtime)[0] == 1


def test_the_same_key_for_a_different_session_is_refused(
    runtime: Runtime, make_user: MakeUser
) -> None:
    patient = make_user()
    log(runtime, patient, runtime.now(), key="k")
    with pytest.raises(NotAllowedError, match="Idempotency-Key"):
        log(runtime, patient, runtime.now(), key="k", pain_max=7, pain_after=7)


def test_keys_are_per_patient(runtime: Runtime, make_user: MakeUser) -> None:
    first, second = make_user(), make_user()
    one = log(runtime, first, runtime.now(), key="k")
    two = log(runtime, second, runtime.now(), key="k")
    assert one.session.id != two.session.id
    assert not two.replayed


def test_a_bad_key_is_an_input_error(runtime: Runtime, make_user: MakeUser) -> None:
    patient = make_user()
    with pytest.raises(InputError) as caught:
        log(runtime, patient, runtime.now(), key="has space")
    assert caught.value.field == "Idempotency-Key"


def test_a_failed_write_leaves_the_database_as_it_was(
    runtime: Runtime, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    patient = make_user()
    start_program(runtime, patient)
    log(runtime, patient, runtime.now(), key="first")
    before = _counts(runtime)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        log(runtime, patient, runtime.now(), key="second", safety_events=["fall"])
    assert _counts(runtime) == before
    monkeypatch.undo()
    current = programs.get_program(runtime, Actor(patient.id, "patient"), patient.id)
    assert (current.status, current.current_revision) == ("active", 2)


def test_a_session_number_past_the_plan_is_refused(runtime: Runtime, make_user: MakeUser) -> None:
    patient = make_user()
    start_program(runtime, patient)
    with pytest.raises(InputError) as caught:
        log(runtime, patient, runtime.now(), planned_session_number=9999)
    assert caught.value.field == "planned_session_number"


def test_next_morning_pain_is_recorded_on_the_session(
    runtime: Runtime, make_user: MakeUser
) -> None:
    patient = make_user()
    who = Actor(patient.id, "patient")
    stored = log(runtime, patient, runtime.now(), pain_next_morning=None).session
    updated = session_logs.record_next_morning_pain(
        runtime, who, patient.id, stored.id, NextMorningPainIn(pain_next_morning=5)
    )
    assert updated.pain_next_morning == 5
    assert session_logs.get_session(runtime, who, patient.id, stored.id).pain_next_morning == 5


def test_a_patient_cannot_reach_another_patients_session(
    runtime: Runtime, make_user: MakeUser
) -> None:
    owner, other = make_user(), make_user()
    stored = log(runtime, owner, runtime.now()).session
    with pytest.raises(NotFoundError):
        session_logs.get_session(runtime, Actor(other.id, "patient"), owner.id, stored.id)
    with pytest.raises(NotFoundError):
        session_logs.get_session(runtime, Actor(other.id, "patient"), other.id, stored.id)


def test_sessions_are_listed_newest_first_and_reads_are_audited(
    runtime: Runtime, make_user: MakeUser
) -> None:
    patient = make_user()
    who = Actor(patient.id, "patient")
    now = runtime.now()
    log(runtime, patient, now - dt.timedelta(days=2))
    log(runtime, patient, now)
    listed = session_logs.list_sessions(runtime, who, patient.id)
    assert [s.started_at for s in listed] == sorted((s.started_at for s in listed), reverse=True)
    trail, _ = audit.list_my_audit(runtime, who, patient.id)
    assert trail[0].action == "read"
    assert trail[0].record_type == "session_log"
    assert {entry.action for entry in trail} == {"read", "create"}


def test_a_session_from_before_the_program_is_kept_outside_it(
    runtime: Runtime, make_user: MakeUser
) -> None:
    patient = make_user()
    start_program(runtime, patient)
    earlier = log(runtime, patient, runtime.now() - dt.timedelta(days=10))
    assert earlier.session.program_id is None
    assert earlier.session.decision is None
    assert earlier.program is not None
    assert earlier.program.current_revision == 1


def test_a_reduction_from_a_session_logged_while_paused_is_kept_in_the_next_revision(
    runtime: Runtime, make_user: MakeUser, clock: TestClock
) -> None:
    patient = make_user()
    who = Actor(patient.id, patient.role)
    start_program(runtime, patient)
    log(runtime, patient, runtime.now(), pain_next_morning=4)
    programs.set_status(runtime, who, patient.id, ProgramStatusIn(status="paused", reason="away"))
    clock.advance(days=2)
    log(runtime, patient, runtime.now(), pain_max=8, pain_next_morning=4)
    programs.set_status(runtime, who, patient.id, ProgramStatusIn(status="active", reason="back"))
    clock.advance(days=2)
    result = log(runtime, patient, runtime.now(), pain_next_morning=4)
    assert result.program is not None
    history = result.program.plan["history"]
    assert [(h["after_session"], h["change"]) for h in history][-2:] == [
        (2, "reduce"),
        (3, result.session.decision["action"] if result.session.decision else None),
    ]


def test_a_session_in_the_future_is_refused_and_nothing_is_stored(
    runtime: Runtime, make_user: MakeUser
) -> None:
    patient = make_user()
    start_program(runtime, patient)
    before = _counts(runtime)
    with pytest.raises(InputError, match="future") as refused:
        log(runtime, patient, runtime.now() + dt.timedelta(days=3))
    assert refused.value.field == "started_at"
    assert _counts(runtime) == before


def test_a_next_morning_flare_reported_later_shortens_the_next_session(
    runtime: Runtime, make_user: MakeUser
) -> None:
    patient = make_user()
    who = Actor(patient.id, "patient")
    start_program(runtime, patient)
    logged = log(runtime, patient, runtime.now(), pain_before=4, pain_next_morning=None)
    assert logged.session.decision is not None
    assert logged.session.decision["action"] == "repeat"
    assert logged.program is not None
    before = logged.program.current_revision
    updated = session_logs.record_next_morning_pain(
        runtime, who, patient.id, logged.session.id, NextMorningPainIn(pain_next_morning=7)
    )
    assert updated.decision is not None
    assert updated.decision["action"] == "reduce"
    program = programs.get_program(runtime, who, patient.id)
    assert program.current_revision == before + 1
    next_planned = program.plan["sessions"][1]
    assert next_planned["backward_min"] == updated.decision["next_backward_min"]


def test_a_corrected_next_morning_pain_replaces_the_decision_instead_of_stacking_on_it(
    runtime: Runtime, make_user: MakeUser
) -> None:
    patient = make_user()
    who = Actor(patient.id, "patient")
    start_program(runtime, patient)
    logged = log(runtime, patient, runtime.now(), pain_before=4, pain_next_morning=None)
    assert logged.session.decision is not None
    first_dose = programs.get_program(runtime, who, patient.id).plan["sessions"][1]

    def answer(pain: int) -> dict[str, object]:
        updated = session_logs.record_next_morning_pain(
            runtime, who, patient.id, logged.session.id, NextMorningPainIn(pain_next_morning=pain)
        )
        assert updated.decision is not None
        return updated.decision

    assert answer(8)["action"] == "reduce"
    reduced = programs.get_program(runtime, who, patient.id)
    assert reduced.plan["sessions"][1]["backward_min"] < first_dose["backward_min"]
    # the same answer again stores nothing new
    assert answer(8)["action"] == "reduce"
    assert programs.get_program(runtime, who, patient.id).current_revision == (
        reduced.current_revision
    )
    # corrected: the decision is made on the plan as it was before the session's decision
    corrected = answer(2)
    assert corrected["action"] in ("progress", "repeat")
    after = programs.get_program(runtime, who, patient.id).plan["sessions"][1]
    assert after["backward_min"] == corrected["next_backward_min"]
    assert after["backward_min"] >= first_dose["backward_min"]


def test_next_morning_pain_for_an_earlier_session_does_not_revise_the_plan(
    runtime: Runtime, make_user: MakeUser, clock: TestClock
) -> None:
    patient = make_user()
    who = Actor(patient.id, "patient")
    start_program(runtime, patient)
    first = log(runtime, patient, runtime.now(), pain_next_morning=None)
    clock.advance(days=2)
    second = log(runtime, patient, runtime.now())
    assert second.program is not None
    session_logs.record_next_morning_pain(
        runtime, who, patient.id, first.session.id, NextMorningPainIn(pain_next_morning=7)
    )
    program = programs.get_program(runtime, who, patient.id)
    assert program.current_revision == second.program.current_revision


@pytest.mark.parametrize("event", [None, "near_fall"])
def test_a_next_morning_flare_reported_while_paused_shortens_the_session_it_resumes_with(
    runtime: Runtime, make_user: MakeUser, clock: TestClock, event: str | None
) -> None:
    clinician, patient = make_user("clinician"), make_user()
    link(runtime, clinician, patient)
    who = Actor(patient.id, "patient")
    start_program(runtime, patient)
    for _ in range(3):
        log(runtime, patient, runtime.now())
        clock.advance(days=2)
    events = [event] if event else []
    latest = log(runtime, patient, runtime.now(), pain_next_morning=None, safety_events=events)
    planned = programs.get_program(runtime, who, patient.id).plan["sessions"]
    dose = planned[3]["backward_min"]
    if event is None:
        programs.set_status(runtime, who, patient.id, ProgramStatusIn(status="paused"))
    session_logs.record_next_morning_pain(
        runtime, who, patient.id, latest.session.id, NextMorningPainIn(pain_next_morning=9)
    )
    resumer = who if event is None else Actor(clinician.id, "clinician")
    resumed = programs.set_status(
        runtime, resumer, patient.id, ProgramStatusIn(status="active", reason="reviewed")
    )
    assert resumed.plan["sessions"][4]["backward_min"] < dose
