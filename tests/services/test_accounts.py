"""Accounts: sign-up, admin management, passwords (argon2) and tokens (stored hashed)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from retrowalk.errors import InputError, NotAllowedError, NotFoundError, PermissionDeniedError
from retrowalk.services import accounts, audit, calendar_subscriptions
from retrowalk.services.accounts import AuthenticationError
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.storage.users import AuthToken, User
from tests.db_fixtures import PASSWORD, MakeUser, TestClock


def test_sign_up_stores_an_argon2_hash_and_never_the_password(runtime: Runtime) -> None:
    user = accounts.sign_up_patient(runtime, " Ann@Example.ORG ", PASSWORD, "Ann")
    assert user.email == "ann@example.org"
    assert user.role == "patient"
    with runtime.db.read() as session:
        stored = session.scalars(select(User)).one()
        assert stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash


def test_a_second_account_with_the_same_email_is_refused(runtime: Runtime) -> None:
    accounts.sign_up_patient(runtime, "ann@example.org", PASSWORD, "Ann")
    with pytest.raises(NotAllowedError, match="already exists"):
        accounts.sign_up_patient(runtime, "ANN@example.org", PASSWORD, "Ann again")


def test_the_same_address_in_another_unicode_spelling_is_the_same_account(
    runtime: Runtime,
) -> None:
    composed, decomposed = "jos\u00e9@example.org", "jose\u0301@example.org"
    accounts.sign_up_patient(runtime, composed, PASSWORD, "José")
    with pytest.raises(NotAllowedError, match="already exists"):
        accounts.sign_up_patient(runtime, decomposed, PASSWORD, "José again")
    assert accounts.login(runtime, decomposed, PASSWORD, kind="bearer").token


def test_an_account_stored_decomposed_before_the_unicode_key_is_found_in_either_spelling(
    runtime: Runtime,
) -> None:
    user = accounts.sign_up_patient(runtime, "jose@example.org", PASSWORD, "José")
    with runtime.db.write() as session:  # as the earlier code stored a decomposed address
        stored = session.get(User, user.id)
        assert stored is not None
        stored.email = "jose\u0301@example.org"
    composed = "jos\u00e9@example.org"
    assert accounts.login(runtime, composed, PASSWORD, kind="bearer").user.id == user.id
    with pytest.raises(NotAllowedError, match="already exists"):
        accounts.sign_up_patient(runtime, composed, PASSWORD, "José twice")


def test_an_account_stored_before_the_unicode_key_still_signs_in(runtime: Runtime) -> None:
    user = accounts.sign_up_patient(runtime, "jose@example.org", PASSWORD, "José")
    decomposed = "jose\u0301@example.org"
    with runtime.db.write() as session:  # as the earlier code stored it (lower case only)
        stored = session.get(User, user.id)
        assert stored is not None
        stored.email = decomposed
    assert accounts.login(runtime, decomposed, PASSWORD, kind="bearer").token


@pytest.mark.parametrize("email", ["a@b@example.org", "ann@exa\tmple.org", "ann@example.org\x00"])
def test_an_address_with_two_ats_or_control_characters_is_refused(
    runtime: Runtime, email: str
) -> None:
    with pytest.raises(InputError) as caught:
        accounts.sign_up_patient(runtime, email, PASSWORD, "Ann")
    assert caught.value.field == "email"


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [("not-an-email", PASSWORD, "email"), ("ann@example.org", "short", "password")],
)
def test_bad_sign_up_input_names_the_field(
    runtime: Runtime, email: str, password: str, field: str
) -> None:
    with pytest.raises(InputError) as caught:
        accounts.sign_up_patient(runtime, email, password, "Ann")
    assert caught.value.field == field


def test_login_checks_the_password_and_stores_only_a_token_hash(
    runtime: Runtime, make_user: MakeUser
) -> None:
    user = make_user("patient")
    with pytest.raises(AuthenticationError):
        accounts.login(runtime, user.email, "wrong password!", kind="bearer")
    with pytest.raises(AuthenticationError):
        accounts.login(runtime, "nobody@example.org", PASSWORD, kind="bearer")
    login = accounts.login(runtime, user.email, PASSWORD, kind="session")
    assert login.csrf_token
    with runtime.db.read() as session:
        stored = session.scalars(select(AuthToken)).one()
        assert login.token not in (stored.token_hash, stored.csrf_hash)
    actor, _ = accounts.authenticate(runtime, login.token, kind="session")
    assert actor == Actor(user.id, "patient")


def test_a_token_expires_and_logout_revokes_it(
    runtime: Runtime, make_user: MakeUser, clock: TestClock
) -> None:
    user = make_user("clinician")
    first = accounts.login(runtime, user.email, PASSWORD, kind="session")
    second = accounts.login(runtime, user.email, PASSWORD, kind="bearer")
    accounts.logout(runtime, second.token)
    with pytest.raises(AuthenticationError):
        accounts.authenticate(runtime, second.token, kind="bearer")
    clock.advance(hours=runtime.settings.session_ttl_hours + 1)
    with pytest.raises(AuthenticationError):
        accounts.authenticate(runtime, first.token, kind="session")


def test_a_token_of_one_kind_does_not_work_as_the_other(
    runtime: Runtime, make_user: MakeUser
) -> None:
    user = make_user("patient")
    login = accounts.login(runtime, user.email, PASSWORD, kind="bearer")
    with pytest.raises(AuthenticationError):
        accounts.authenticate(runtime, login.token, kind="session")


def test_only_admins_manage_accounts(runtime: Runtime, make_user: MakeUser) -> None:
    admin, clinician = make_user("admin"), make_user("clinician")
    as_admin, as_clinician = Actor(admin.id, "admin"), Actor(clinician.id, "clinician")
    with pytest.raises(PermissionDeniedError):
        accounts.list_users(runtime, as_clinician)
    with pytest.raises(PermissionDeniedError):
        accounts.create_user(runtime, as_clinician, "x@example.org", PASSWORD, "X", "admin")
    made = accounts.create_user(runtime, as_admin, "pt@example.org", PASSWORD, "Pat", "clinician")
    assert made.role == "clinician"
    assert {u.email for u in accounts.list_users(runtime, as_admin)} >= {made.email}


def test_a_deactivated_account_is_signed_out_and_cannot_log_in(
    runtime: Runtime, make_user: MakeUser
) -> None:
    admin, patient = make_user("admin"), make_user("patient")
    login = accounts.login(runtime, patient.email, PASSWORD, kind="bearer")
    accounts.set_active(runtime, Actor(admin.id, "admin"), patient.id, False)
    with pytest.raises(AuthenticationError):
        accounts.authenticate(runtime, login.token, kind="bearer")
    with pytest.raises(AuthenticationError):
        accounts.login(runtime, patient.email, PASSWORD, kind="bearer")


def test_a_deactivated_patients_calendar_url_stays_revoked_after_reactivation(
    runtime: Runtime, make_user: MakeUser
) -> None:
    admin, patient = Actor(make_user("admin").id, "admin"), make_user("patient")
    url = calendar_subscriptions.create_calendar_url(
        runtime, Actor(patient.id, "patient"), patient.id
    )
    accounts.set_active(runtime, admin, patient.id, False)
    accounts.set_active(runtime, admin, patient.id, True)
    with pytest.raises(NotFoundError):
        calendar_subscriptions.calendar_feed(runtime, url.token)


def test_an_admin_cannot_lock_themselves_out(runtime: Runtime, make_user: MakeUser) -> None:
    admin = make_user("admin")
    with pytest.raises(NotAllowedError):
        accounts.set_active(runtime, Actor(admin.id, "admin"), admin.id, False)


NEW_PASSWORD = "a brand new passphrase"


def _login_count(runtime: Runtime, user_id: int) -> int:
    with runtime.db.read() as session:
        return len(session.scalars(select(AuthToken).where(AuthToken.user_id == user_id)).all())


def test_changing_the_password_ends_every_other_login_but_the_one_asking(
    runtime: Runtime, make_user: MakeUser
) -> None:
    user = make_user("patient")
    here = accounts.login(runtime, user.email, PASSWORD, kind="session")
    accounts.login(runtime, user.email, PASSWORD, kind="bearer")
    accounts.login(runtime, user.email, PASSWORD, kind="session")
    ended = accounts.change_password(
        runtime, Actor(user.id, "patient"), PASSWORD, NEW_PASSWORD, keep_token=here.token
    )
    assert ended == 2
    assert _login_count(runtime, user.id) == 1
    assert accounts.authenticate(runtime, here.token, kind="session")[0].user_id == user.id
    assert accounts.login(runtime, user.email, NEW_PASSWORD, kind="bearer").token
    with pytest.raises(AuthenticationError):
        accounts.login(runtime, user.email, PASSWORD, kind="bearer")


def test_a_wrong_current_password_changes_nothing(runtime: Runtime, make_user: MakeUser) -> None:
    user = make_user("patient")
    accounts.login(runtime, user.email, PASSWORD, kind="bearer")
    with pytest.raises(accounts.WrongPasswordError) as caught:
        accounts.change_password(
            runtime, Actor(user.id, "patient"), "not my password", NEW_PASSWORD
        )
    assert caught.value.field == "current_password"
    assert _login_count(runtime, user.id) == 1
    assert accounts.login(runtime, user.email, PASSWORD, kind="bearer").token


@pytest.mark.parametrize("new", ["short", PASSWORD, "x" * 201])
def test_a_new_password_too_short_too_long_or_unchanged_is_refused(
    runtime: Runtime, make_user: MakeUser, new: str
) -> None:
    user = make_user("clinician")
    with pytest.raises(InputError) as caught:
        accounts.change_password(runtime, Actor(user.id, "clinician"), PASSWORD, new)
    assert caught.value.field == "new_password"
    assert accounts.login(runtime, user.email, PASSWORD, kind="bearer").token


def test_an_admin_sets_a_forgotten_password_and_signs_the_account_out(
    runtime: Runtime, make_user: MakeUser
) -> None:
    admin, patient = make_user("admin"), make_user("patient")
    accounts.login(runtime, patient.email, PASSWORD, kind="session")
    feed = calendar_subscriptions.create_calendar_url(
        runtime, Actor(patient.id, "patient"), patient.id
    )
    accounts.set_password(runtime, Actor(admin.id, "admin"), patient.id, NEW_PASSWORD)
    assert _login_count(runtime, patient.id) == 0
    with pytest.raises(NotFoundError):  # a reset wins a taken-over account back entirely
        calendar_subscriptions.calendar_feed(runtime, feed.token)
    trail, _ = audit.list_my_audit(runtime, Actor(patient.id, "patient"), patient.id)
    reset = [e for e in trail if e.record_type == "password"]
    assert [(e.actor_role, e.action) for e in reset] == [("admin", "update")]
    assert accounts.login(runtime, patient.email, NEW_PASSWORD, kind="bearer").token


@pytest.mark.parametrize("role", ["patient", "clinician"])
def test_only_an_admin_may_set_someone_elses_password(
    runtime: Runtime, make_user: MakeUser, role: str
) -> None:
    other, target = make_user(role), make_user("patient")
    with pytest.raises(PermissionDeniedError):
        accounts.set_password(runtime, Actor(other.id, role), target.id, NEW_PASSWORD)
    assert accounts.login(runtime, target.email, PASSWORD, kind="bearer").token


def test_an_admin_cannot_set_their_own_password_without_the_current_one(
    runtime: Runtime, make_user: MakeUser
) -> None:
    admin = make_user("admin")
    with pytest.raises(NotAllowedError, match="current one"):
        accounts.set_password(runtime, Actor(admin.id, "admin"), admin.id, NEW_PASSWORD)
    assert accounts.login(runtime, admin.email, PASSWORD, kind="bearer").token


def test_a_password_stored_with_spaces_before_they_were_stripped_still_signs_in(
    runtime: Runtime, make_user: MakeUser
) -> None:
    user = make_user("admin")
    kept = "clinic-admin-pw "  # the CLI kept a trailing space before every entry point stripped
    with runtime.db.write() as session:
        stored = session.get(User, user.id)
        assert stored is not None
        stored.password_hash = runtime.hasher.hash(kept)
    assert accounts.login(runtime, user.email, kept, kind="bearer").token
    # ... and from then on it is stored as every entry point reads it
    assert accounts.login(runtime, user.email, kept.strip(), kind="bearer").token
    with pytest.raises(AuthenticationError):
        accounts.login(runtime, user.email, "clinic-admin-pw-wrong", kind="bearer")
