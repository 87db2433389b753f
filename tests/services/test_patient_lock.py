"""Writers of one patient's records queue on the patient's row (``policy.lock_patient``).

Each test holds that lock in the test's own transaction, starts two writers, lets them reach
the point where they wait, and then lets go: with the lock they run one after the other and
the second sees what the first stored. Without it, on PostgreSQL both read the state first
(plain reads do not wait) and then both write (two active programs, every imported session
twice, a revision number taken twice). SQLite's ``BEGIN IMMEDIATE`` queues whole transactions,
so there these tests pass either way; the PostgreSQL variants are the ones that can fail.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from retrowalk.errors import NotAllowedError
from retrowalk.services import (
    calendar_subscriptions,
    exchange,
    fhir_import,
    invitations,
    programs,
)
from retrowalk.services.inputs import PlanAdjustIn, PrescriptionIn
from retrowalk.services.policy import lock_patient
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.views import UserView
from retrowalk.storage.calendar_tokens import CalendarToken
from retrowalk.storage.links import CareLink
from retrowalk.storage.programs import Program
from retrowalk.storage.session_logs import SessionLog
from tests.db_fixtures import MakeUser, link, log, prescription_json, start_program

REACH_THE_LOCK_S = 1.0
START = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)


@contextmanager
def _patient_locked(runtime: Runtime, patient_id: int) -> Iterator[None]:
    with runtime.db.write() as session:
        lock_patient(session, patient_id)
        yield


def _race(runtime: Runtime, patient_id: int, *writers: Callable[[], object]) -> list[object]:
    """Run the writers in threads while the patient is locked; their results or errors."""
    results: list[object] = [None] * len(writers)

    def run(index: int) -> None:
        try:
            results[index] = writers[index]()
        except Exception as error:  # the test inspects it
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(writers))]
    with _patient_locked(runtime, patient_id):
        for thread in threads:
            thread.start()
        time.sleep(REACH_THE_LOCK_S)
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _clinician_and_patient_with_a_program(
    runtime: Runtime, make_user: MakeUser
) -> tuple[Actor, UserView]:
    clinician, patient = make_user("clinician"), make_user("patient")
    link(runtime, clinician, patient)
    start_program(runtime, patient, START.date())
    return Actor(clinician.id, "clinician"), patient


def test_two_programs_prescribed_at_once_leave_one_active(
    runtime: Runtime, make_user: MakeUser
) -> None:
    patient = make_user("patient")
    start_program(runtime, patient, START.date())
    who = Actor(patient.id, "patient")
    choices = PrescriptionIn.model_validate(prescription_json(START.date()))
    results = _race(
        runtime,
        patient.id,
        lambda: programs.prescribe_program(runtime, who, patient.id, choices),
        lambda: programs.prescribe_program(runtime, who, patient.id, choices),
    )
    assert not [r for r in results if isinstance(r, Exception)]
    with runtime.db.read() as session:
        active = session.scalar(
            select(func.count(Program.id)).where(
                Program.patient_id == patient.id, Program.status == "active"
            )
        )
    assert active == 1


def test_one_bundle_imported_twice_at_once_adds_its_sessions_once(
    runtime: Runtime, make_user: MakeUser
) -> None:
    source, target = make_user("patient"), make_user("patient")
    start_program(runtime, source, START.date())
    for hour in (0, 30, 54):
        log(runtime, source, START + dt.timedelta(hours=hour))
    bundle = exchange.export_fhir(runtime, Actor(source.id, "patient"), source.id)
    who = Actor(target.id, "patient")
    results = _race(
        runtime,
        target.id,
        lambda: fhir_import.import_fhir_bundle(runtime, who, target.id, bundle),
        lambda: fhir_import.import_fhir_bundle(runtime, who, target.id, bundle),
    )
    assert not [r for r in results if isinstance(r, Exception)]
    with runtime.db.read() as session:
        stored = session.scalar(
            select(func.count(SessionLog.id)).where(SessionLog.patient_id == target.id)
        )
    assert stored == 3


def test_two_edits_of_the_same_plan_at_once_keep_one_and_refuse_the_other(
    runtime: Runtime, make_user: MakeUser
) -> None:
    doctor, patient = _clinician_and_patient_with_a_program(runtime, make_user)
    plan = programs.get_program(runtime, doctor, patient.id).plan
    edits = [PlanAdjustIn(plan=plan, note=f"edit {n}") for n in (1, 2)]
    results = _race(
        runtime,
        patient.id,
        *(
            lambda edit=edit: programs.adjust_plan(runtime, doctor, patient.id, edit)
            for edit in edits
        ),
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1
    assert isinstance(refused[0], NotAllowedError)
    assert "changed since it was read" in str(refused[0])


def test_two_codes_of_one_clinician_accepted_at_once_make_one_link(
    runtime: Runtime, make_user: MakeUser
) -> None:
    clinician, patient = make_user("clinician"), make_user("patient")
    doctor, who = Actor(clinician.id, "clinician"), Actor(patient.id, "patient")
    codes = [invitations.create_invitation(runtime, doctor).code for _ in range(2)]
    results = _race(
        runtime,
        patient.id,
        *(lambda code=code: invitations.accept_invitation(runtime, who, code) for code in codes),
    )
    assert not [r for r in results if isinstance(r, Exception)]
    with runtime.db.read() as session:
        links = session.scalar(select(func.count(CareLink.id)))
    assert links == 1


def test_an_edit_of_a_plan_read_before_a_session_changed_it_is_refused(
    runtime: Runtime, make_user: MakeUser
) -> None:
    doctor, patient = _clinician_and_patient_with_a_program(runtime, make_user)
    stale = programs.get_program(runtime, doctor, patient.id).plan
    # a flare: the session's decision reduces the next dose (a new plan revision)
    log(runtime, patient, START, pain_max=9, pain_after=8)
    reduced = programs.get_program(runtime, doctor, patient.id)
    with pytest.raises(NotAllowedError, match="changed since it was read"):
        programs.adjust_plan(runtime, doctor, patient.id, PlanAdjustIn(plan=stale, note="cue"))
    assert programs.get_program(runtime, doctor, patient.id) == reduced


def test_two_new_calendar_urls_at_once_leave_one_live(
    runtime: Runtime, make_user: MakeUser
) -> None:
    patient = make_user("patient")
    who = Actor(patient.id, "patient")
    results = _race(
        runtime,
        patient.id,
        lambda: calendar_subscriptions.create_calendar_url(runtime, who, patient.id),
        lambda: calendar_subscriptions.create_calendar_url(runtime, who, patient.id),
    )
    assert not [r for r in results if isinstance(r, Exception)]
    with runtime.db.read() as session:
        live = session.scalar(
            select(func.count(CalendarToken.id)).where(
                CalendarToken.patient_id == patient.id, CalendarToken.revoked_at.is_(None)
            )
        )
    assert live == 1


def test_ending_a_care_link_waits_for_a_writer_of_the_patients_records(
    runtime: Runtime, make_user: MakeUser
) -> None:
    # a clinician's write that checked the link must finish before the link ends, not after
    clinician, patient = make_user("clinician"), make_user("patient")
    link(runtime, clinician, patient)
    with runtime.db.read() as session:
        link_id = session.scalar(select(CareLink.id).where(CareLink.patient_id == patient.id))
    assert link_id is not None
    ended = threading.Event()

    def end() -> None:
        invitations.end_link(runtime, Actor(patient.id, "patient"), link_id)
        ended.set()

    thread = threading.Thread(target=end)
    with _patient_locked(runtime, patient.id):
        thread.start()
        time.sleep(REACH_THE_LOCK_S)
        ended_while_locked = ended.is_set()
    thread.join(timeout=60)
    assert not ended_while_locked
    assert ended.is_set()
