"""The clinician overview: adherence, last session, current dose and the three flags."""

from __future__ import annotations

import datetime as dt

import pytest

from retrowalk.errors import NotFoundError, PermissionDeniedError
from retrowalk.services import invitations, overview, profiles, programs
from retrowalk.services.inputs import PatientProfileIn
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.views import UserView
from tests.db_fixtures import MakeUser, TestClock, log, start_program

MONDAY = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def _linked(runtime: Runtime, make_user: MakeUser) -> tuple[UserView, UserView, Actor]:
    clinician, patient = make_user("clinician"), make_user()
    as_clinician = Actor(clinician.id, "clinician")
    code = invitations.create_invitation(runtime, as_clinician).code
    invitations.accept_invitation(runtime, Actor(patient.id, "patient"), code)
    return clinician, patient, as_clinician


def _kinds(runtime: Runtime, as_clinician: Actor) -> list[str]:
    (line,) = overview.clinician_overview(runtime, as_clinician)
    return [flag.kind for flag in line.flags]


def test_adherence_is_sessions_done_over_sessions_planned_so_far(
    runtime: Runtime, make_user: MakeUser, clock: TestClock
) -> None:
    clock.set(MONDAY)
    _, patient, as_clinician = _linked(runtime, make_user)
    start_program(runtime, patient, MONDAY.date())
    clock.set(MONDAY + dt.timedelta(hours=10))
    log(runtime, patient, MONDAY + dt.timedelta(hours=9))
    clock.set(MONDAY + dt.timedelta(days=6))  # three sessions planned in the first week
    (line,) = overview.clinician_overview(runtime, as_clinician)
    assert (line.sessions_done, line.sessions_planned) == (1, 3)
    assert line.adherence == pytest.approx(1 / 3)
    assert line.last_session_at == MONDAY + dt.timedelta(hours=9)
    assert line.current_backward_min is not None
    assert line.current_backward_min > 0
    assert line.program_status == "active"


def test_a_safety_event_is_flagged_until_the_clinician_resolves_it(
    runtime: Runtime, make_user: MakeUser
) -> None:
    _, patient, as_clinician = _linked(runtime, make_user)
    start_program(runtime, patient)
    log(runtime, patient, runtime.now(), safety_events=["near_fall"])
    (line,) = overview.clinician_overview(runtime, as_clinician)
    (flag,) = [f for f in line.flags if f.kind == "safety_event"]
    assert line.program_status == "paused"
    assert flag.id is not None
    overview.resolve_flag(runtime, as_clinician, patient.id, flag.id)
    assert "safety_event" not in _kinds(runtime, as_clinician)


def test_pain_rising_by_two_points_is_flagged(runtime: Runtime, make_user: MakeUser) -> None:
    _, patient, as_clinician = _linked(runtime, make_user)
    now = runtime.now()
    log(runtime, patient, now - dt.timedelta(days=4), pain_before=3, pain_max=3)
    log(runtime, patient, now - dt.timedelta(days=2), pain_before=4, pain_max=4)
    assert "pain_rising" not in _kinds(runtime, as_clinician)
    log(runtime, patient, now, pain_before=5, pain_max=5)
    assert "pain_rising" in _kinds(runtime, as_clinician)


def _held_and_flagged(
    runtime: Runtime, patient: UserView, as_clinician: Actor
) -> tuple[bool, bool]:
    """Whether the last decision held the dose for rising pain, and whether the overview flags
    pain rising: the two must always agree."""
    view = programs.get_program(runtime, Actor(patient.id, "patient"), patient.id)
    revisions = programs.list_revisions(runtime, Actor(patient.id, "patient"), patient.id)
    decision = revisions[-1].decision or {}
    held = any(r["rule"] == "pain.usual_level_rising" for r in decision.get("reasons", []))
    assert view.id  # a program exists
    return held, "pain_rising" in _kinds(runtime, as_clinician)


@pytest.mark.parametrize(
    ("zone", "first", "second"),
    [
        # dates 28 days apart, times 28 days and 14 hours apart
        ("UTC", dt.datetime(2026, 3, 2, 6, 0), dt.datetime(2026, 3, 30, 20, 0)),
        # across the clock change: 27 days 23 h 40 min, local dates 29 days apart
        ("Europe/Berlin", dt.datetime(2026, 3, 1, 22, 30), dt.datetime(2026, 3, 29, 22, 10)),
    ],
)
def test_the_pain_rising_flag_and_the_dose_hold_agree_at_the_window_edge(
    runtime: Runtime,
    make_user: MakeUser,
    clock: TestClock,
    zone: str,
    first: dt.datetime,
    second: dt.datetime,
) -> None:
    first, second = first.replace(tzinfo=dt.UTC), second.replace(tzinfo=dt.UTC)
    clock.set(first - dt.timedelta(days=1))
    _, patient, as_clinician = _linked(runtime, make_user)
    profiles.put_profile(
        runtime, Actor(patient.id, "patient"), patient.id, PatientProfileIn(time_zone=zone)
    )
    start_program(runtime, patient, (first - dt.timedelta(days=1)).date())
    clock.set(first + dt.timedelta(hours=1))
    log(runtime, patient, first, pain_before=2, pain_max=2, pain_after=2, pain_next_morning=2)
    clock.set(second + dt.timedelta(hours=1))
    log(runtime, patient, second, pain_before=4, pain_max=4, pain_after=4)
    held, flagged = _held_and_flagged(runtime, patient, as_clinician)
    assert held == flagged


def test_a_new_program_starts_the_pain_rule_afresh_for_the_flag_too(
    runtime: Runtime, make_user: MakeUser, clock: TestClock
) -> None:
    clock.set(MONDAY)
    _, patient, as_clinician = _linked(runtime, make_user)
    start_program(runtime, patient, MONDAY.date())
    clock.set(MONDAY + dt.timedelta(hours=2))
    log(runtime, patient, MONDAY + dt.timedelta(hours=1), pain_before=2, pain_max=2, pain_after=2)
    clock.set(MONDAY + dt.timedelta(days=2))
    start_program(runtime, patient, (MONDAY + dt.timedelta(days=2)).date())
    clock.set(MONDAY + dt.timedelta(days=3, hours=2))
    log(
        runtime,
        patient,
        MONDAY + dt.timedelta(days=3, hours=1),
        pain_before=5,
        pain_max=5,
        pain_after=5,
    )
    assert _held_and_flagged(runtime, patient, as_clinician) == (False, False)


def test_a_week_without_a_session_is_flagged(
    runtime: Runtime, make_user: MakeUser, clock: TestClock
) -> None:
    clock.set(MONDAY)
    _, patient, as_clinician = _linked(runtime, make_user)
    start_program(runtime, patient, MONDAY.date())
    log(runtime, patient, MONDAY)
    clock.advance(days=6)
    assert "no_recent_session" not in _kinds(runtime, as_clinician)
    clock.advance(days=1)
    assert "no_recent_session" in _kinds(runtime, as_clinician)


def test_the_overview_lists_only_linked_patients_and_only_for_clinicians(
    runtime: Runtime, make_user: MakeUser
) -> None:
    _, patient, as_clinician = _linked(runtime, make_user)
    make_user()  # not linked
    other_clinician = Actor(make_user("clinician").id, "clinician")
    assert [line.patient.id for line in overview.clinician_overview(runtime, as_clinician)] == [
        patient.id
    ]
    assert overview.clinician_overview(runtime, other_clinician) == []
    with pytest.raises(PermissionDeniedError):
        overview.clinician_overview(runtime, Actor(patient.id, "patient"))
    with pytest.raises(NotFoundError):
        overview.patient_summary(runtime, other_clinician, patient.id)


def test_sessions_are_due_by_the_patients_own_calendar_day(
    runtime: Runtime, make_user: MakeUser, clock: TestClock
) -> None:
    # 03:25 UTC on 22 Nov is still 21 Nov, 17:25 in Honolulu: a program starting on 22 Nov
    # has nothing due yet there
    clock.set(dt.datetime(2026, 11, 22, 3, 25, tzinfo=dt.UTC))
    _, patient, as_clinician = _linked(runtime, make_user)
    profiles.put_profile(
        runtime,
        Actor(patient.id, "patient"),
        patient.id,
        PatientProfileIn(time_zone="Pacific/Honolulu"),
    )
    start_program(runtime, patient, dt.date(2026, 11, 22))
    (line,) = overview.clinician_overview(runtime, as_clinician)
    assert (line.sessions_planned, line.adherence) == (0, None)
    assert line.next_session_date == dt.date(2026, 11, 22)


def test_a_session_the_patient_is_behind_on_is_due_today_not_on_a_past_date(
    runtime: Runtime, make_user: MakeUser, clock: TestClock
) -> None:
    clock.set(MONDAY)
    _, patient, as_clinician = _linked(runtime, make_user)
    start_program(runtime, patient, MONDAY.date())
    clock.set(MONDAY + dt.timedelta(days=10))
    (line,) = overview.clinician_overview(runtime, as_clinician)
    assert line.sessions_done == 0
    assert line.next_session_date == (MONDAY + dt.timedelta(days=10)).date()
