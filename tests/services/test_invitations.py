"""Invitations and care links: the only way a clinician reaches a patient's records."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from retrowalk.errors import InputError, NotAllowedError, NotFoundError
from retrowalk.services import accounts, invitations, profiles
from retrowalk.services.inputs import PatientProfileIn
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.storage.links import Invitation
from retrowalk.storage.users import User
from tests.db_fixtures import PASSWORD, MakeUser, TestClock


def test_a_patient_who_enters_the_code_is_linked_to_the_clinician(
    runtime: Runtime, make_user: MakeUser
) -> None:
    clinician, patient = make_user("clinician"), make_user("patient")
    new = invitations.create_invitation(runtime, Actor(clinician.id, "clinician"), "for Ann")
    link = invitations.accept_invitation(runtime, Actor(patient.id, "patient"), new.code.lower())
    assert (link.clinician.id, link.patient.id) == (clinician.id, patient.id)
    profiles.put_profile(
        runtime, Actor(clinician.id, "clinician"), patient.id, PatientProfileIn(units="imperial")
    )
    with runtime.db.read() as session:
        assert new.code not in session.scalars(select(Invitation.code_hash)).one()


def test_a_code_works_once_and_not_after_it_expires(
    runtime: Runtime, make_user: MakeUser, clock: TestClock
) -> None:
    clinician = Actor(make_user("clinician").id, "clinician")
    first, second = make_user("patient"), make_user("patient")
    used = invitations.create_invitation(runtime, clinician)
    invitations.accept_invitation(runtime, Actor(first.id, "patient"), used.code)
    with pytest.raises(NotAllowedError, match="already been used"):
        invitations.accept_invitation(runtime, Actor(second.id, "patient"), used.code)
    stale = invitations.create_invitation(runtime, clinician)
    clock.advance(days=runtime.settings.invitation_ttl_days + 1)
    with pytest.raises(NotAllowedError, match="expired"):
        invitations.accept_invitation(runtime, Actor(second.id, "patient"), stale.code)


def test_a_malformed_or_unknown_code_is_an_input_error(
    runtime: Runtime, make_user: MakeUser
) -> None:
    patient = Actor(make_user("patient").id, "patient")
    for code in ("123", "ABCDE-23456"):
        with pytest.raises(InputError) as caught:
            invitations.accept_invitation(runtime, patient, code)
        assert caught.value.field == "code"


def test_sign_up_with_a_bad_code_creates_no_account(runtime: Runtime) -> None:
    with pytest.raises(InputError) as refused:
        accounts.sign_up_patient(runtime, "ann@example.org", PASSWORD, "Ann", "ABCDE-23456")
    assert refused.value.field == "invitation_code"
    with runtime.db.read() as session:
        assert session.scalar(select(func.count(User.id))) == 0


def test_ending_a_link_ends_the_clinicians_access(runtime: Runtime, make_user: MakeUser) -> None:
    clinician, patient = make_user("clinician"), make_user("patient")
    as_clinician = Actor(clinician.id, "clinician")
    code = invitations.create_invitation(runtime, as_clinician).code
    link = invitations.accept_invitation(runtime, Actor(patient.id, "patient"), code)
    profiles.put_profile(runtime, as_clinician, patient.id, PatientProfileIn())
    invitations.end_link(runtime, Actor(patient.id, "patient"), link.id)
    assert invitations.list_links(runtime, as_clinician) == []
    with pytest.raises(NotFoundError):
        profiles.get_profile(runtime, as_clinician, patient.id)


def test_a_stranger_cannot_end_someone_elses_link(runtime: Runtime, make_user: MakeUser) -> None:
    clinician, patient, stranger = make_user("clinician"), make_user("patient"), make_user()
    code = invitations.create_invitation(runtime, Actor(clinician.id, "clinician")).code
    link = invitations.accept_invitation(runtime, Actor(patient.id, "patient"), code)
    with pytest.raises(NotFoundError):
        invitations.end_link(runtime, Actor(stranger.id, "patient"), link.id)
