"""Accounts: sign-up, admin account management, password checks and login tokens.

Passwords are hashed with argon2id (argon2-cffi). Tokens are 256-bit random strings; only an
HMAC-SHA256 of each (keyed with the secret key) is stored. A browser login gets a CSRF token as
well, which cookie-authenticated writes must echo in the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from retrowalk.errors import InputError, NotAllowedError, NotFoundError, PermissionDeniedError
from retrowalk.services.hashing import keyed_hash
from retrowalk.services.invitations import accept_in_session, normalize_code
from retrowalk.services.policy import require_role
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.views import LoginView, UserView
from retrowalk.storage.audit import AuditEntry
from retrowalk.storage.calendar_tokens import CalendarToken
from retrowalk.storage.users import AuthToken, User

__all__ = [
    "AuthenticationError",
    "WrongPasswordError",
    "all_users",
    "authenticate",
    "change_password",
    "check_password",
    "count_users",
    "create_user",
    "email_key",
    "email_keys",
    "get_user",
    "keyed_hash",
    "list_users",
    "login",
    "logout",
    "normalize_email",
    "password_matches",
    "password_text",
    "set_active",
    "set_password",
    "sign_up_patient",
    "user_id_by_email",
]

MAX_NAME_CHARS = 120
"""The ``users.display_name`` column's length (every entry point, not only the API's schema)."""
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 200


class AuthenticationError(PermissionDeniedError):
    """Wrong email or password, or an unknown, expired or revoked token."""


class WrongPasswordError(InputError):
    """A password asked again by a signed-in user (to change it, to delete the account) is
    wrong: a form field's problem, 422 (the login that asked is fine). Callers count it like a
    failed sign-in."""

    def __init__(
        self, problem: str = "is not your current password", field: str = "current_password"
    ) -> None:
        super().__init__(problem, field=field)


def email_key(email: str) -> str:
    """The form an address is stored and looked up in: without surrounding spaces, Unicode NFC
    (``josé`` typed with a combining accent is the same account as with ``é``), lower case."""
    return unicodedata.normalize("NFC", email.strip()).lower()


def email_keys(email: str) -> tuple[str, ...]:
    """The stored forms an address may have: :func:`email_key`, and, for accounts made before
    the NFC key (no migration rewrites them), the lower case form as typed and its decomposed
    (NFD) form, so a composed "josé" finds the account stored as a decomposed one."""
    typed = email.strip().lower()
    decomposed = unicodedata.normalize("NFD", email.strip()).lower()
    return tuple(dict.fromkeys((email_key(email), typed, decomposed)))


def normalize_email(email: str) -> str:
    """:func:`email_key` of a valid address (one ``@``, a dotted domain, no spaces or control
    characters, at most 254 characters), else ``InputError`` on ``email``."""
    cleaned = email_key(email)
    local, _, domain = cleaned.partition("@")
    if (
        not local
        or "." not in domain
        or "@" in domain
        or any(ch.isspace() or not ch.isprintable() for ch in cleaned)
        or len(cleaned) > 254
    ):
        raise InputError("not a valid email address", field="email")
    return cleaned


def password_text(password: str) -> str:
    """A password as every entry point reads it: without surrounding spaces (the API's input
    models strip every text; the web forms and the CLI go through here too, so a password set
    in one place works in all of them)."""
    return password.strip()


def password_matches(rt: Runtime, password_hash: str, typed: str) -> bool:
    """Whether ``typed`` is the password of ``password_hash``, read as :func:`password_text`.

    A password set with surrounding spaces before they were stripped everywhere (the CLI and
    the sign-in form kept them) is tried as typed too, so such an account is not locked out;
    :func:`login` then stores it in the stripped form."""
    return _matching_form(rt, password_hash, typed) is not None


def _matching_form(rt: Runtime, password_hash: str, typed: str) -> str | None:
    """The form of ``typed`` (stripped, else as typed) that matches, or ``None``."""
    for candidate in dict.fromkeys((password_text(typed), typed)):
        try:
            if rt.hasher.verify(password_hash, candidate):
                return candidate
        except (VerificationError, InvalidHashError):
            continue
    return None


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError(f"must be at least {MIN_PASSWORD_CHARS} characters", field="password")
    if len(password) > MAX_PASSWORD_CHARS:
        raise InputError(f"must be at most {MAX_PASSWORD_CHARS} characters", field="password")


def _create(rt: Runtime, email: str, password: str, display_name: str, role: str) -> User:
    address = normalize_email(email)
    password = password_text(password)
    check_password(password)
    name = display_name.strip()
    if not name:
        raise InputError("must not be empty", field="display_name")
    if len(name) > MAX_NAME_CHARS:
        raise InputError(f"must be at most {MAX_NAME_CHARS} characters", field="display_name")
    if role not in ("patient", "clinician", "admin"):
        raise InputError("must be patient, clinician or admin", field="role")
    user = User(
        email=address,
        display_name=name,
        role=role,
        password_hash=rt.hasher.hash(password),
        is_active=True,
        created_at=rt.now(),
    )
    return user


def _insert_user(rt: Runtime, user: User, invitation_code: str | None = None) -> UserView:
    try:
        with rt.db.write() as session:
            taken = select(User.id).where(User.email.in_(email_keys(user.email)))
            if session.scalar(taken) is not None:
                raise NotAllowedError("an account with this email already exists")
            session.add(user)
            session.flush()
            if invitation_code is not None:
                accept_in_session(session, rt, user.id, invitation_code)
            return UserView.model_validate(user)
    except IntegrityError:
        raise NotAllowedError("an account with this email already exists") from None


def sign_up_patient(
    rt: Runtime,
    email: str,
    password: str,
    display_name: str,
    invitation_code: str | None = None,
) -> UserView:
    """Anyone may create a patient account; with a clinician's code it is linked at once.

    Account and link are made in one transaction: a bad code creates no account.
    """
    try:
        if invitation_code is not None:
            normalize_code(invitation_code)
        user = _create(rt, email, password, display_name, "patient")
        return _insert_user(rt, user, invitation_code)
    except InputError as error:
        if error.field != "code":
            raise
        # The sign-up form's field is invitation_code (the links endpoint calls it code).
        raise InputError(error.problem, field="invitation_code") from None


def create_user(
    rt: Runtime, actor: Actor | None, email: str, password: str, display_name: str, role: str
) -> UserView:
    """An admin creates an account of any role (``actor=None``: the local CLI, trusted)."""
    if actor is not None:
        require_role(actor, "admin")
    return _insert_user(rt, _create(rt, email, password, display_name, role))


def list_users(rt: Runtime, actor: Actor) -> list[UserView]:
    """Every account (no health data), for admins."""
    require_role(actor, "admin")
    with rt.db.read() as session:
        users = session.scalars(select(User).order_by(User.id))
        return [UserView.model_validate(user) for user in users]


def set_active(rt: Runtime, actor: Actor, user_id: int, active: bool) -> UserView:
    """Activate or deactivate an account; deactivation signs it out everywhere and revokes its
    calendar feed URL (reactivating does not bring either back: the person signs in again and
    makes a new URL)."""
    require_role(actor, "admin")
    if user_id == actor.user_id and not active:
        raise NotAllowedError("an admin cannot deactivate their own account")
    with rt.db.write() as session:
        user = session.get(User, user_id, with_for_update=True)
        if user is None:
            raise NotFoundError(f"user {user_id} not found")
        user.is_active = active
        if not active:
            session.execute(delete(AuthToken).where(AuthToken.user_id == user_id))
            _revoke_calendar_urls(rt, session, user_id)
        return UserView.model_validate(user)


def get_user(rt: Runtime, actor: Actor) -> UserView:
    """The signed-in user's own account."""
    with rt.db.read() as session:
        user = session.get(User, actor.user_id)
        if user is None:
            raise NotFoundError("account not found")
        return UserView.model_validate(user)


def login(rt: Runtime, email: str, password: str, *, kind: str) -> LoginView:
    """Check the password and issue a browser session (``kind="session"``) or a bearer token."""
    if kind not in ("session", "bearer"):
        raise InputError("must be session or bearer", field="kind")
    typed, password = password, password_text(password)
    with rt.db.write() as session:
        user = session.scalar(select(User).where(User.email.in_(email_keys(email))))
        matched = None
        if user is None:
            # Spend the same time as for a real account so timing does not reveal accounts.
            _matching_form(rt, rt.dummy_password_hash, typed)
        else:
            matched = _matching_form(rt, user.password_hash, typed)
        if user is None or matched is None or not user.is_active:
            raise AuthenticationError("wrong email or password")
        if matched != password or rt.hasher.check_needs_rehash(user.password_hash):
            user.password_hash = rt.hasher.hash(password)  # kept spaces, or newer parameters
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32) if kind == "session" else None
        now = rt.now()
        if kind == "session":
            expires = now + dt.timedelta(hours=rt.settings.session_ttl_hours)
        else:
            expires = now + dt.timedelta(days=rt.settings.token_ttl_days)
        session.execute(delete(AuthToken).where(AuthToken.expires_at < now))
        session.add(
            AuthToken(
                user_id=user.id,
                kind=kind,
                token_hash=keyed_hash(rt, token),
                csrf_hash=keyed_hash(rt, csrf) if csrf else None,
                created_at=now,
                expires_at=expires,
            )
        )
        return LoginView(
            user=UserView.model_validate(user), token=token, csrf_token=csrf, expires_at=expires
        )


def authenticate(rt: Runtime, token: str, *, kind: str) -> tuple[Actor, str | None]:
    """The actor behind a token and the stored CSRF hash; unknown or expired tokens fail."""
    with rt.db.read() as session:
        row = session.execute(
            select(AuthToken, User)
            .join(User, User.id == AuthToken.user_id)
            .where(AuthToken.token_hash == keyed_hash(rt, token), AuthToken.kind == kind)
        ).first()
        if row is None:
            raise AuthenticationError("not signed in (unknown or expired credentials)")
        auth, user = row
        if auth.expires_at <= rt.now() or not user.is_active:
            raise AuthenticationError("not signed in (unknown or expired credentials)")
        return Actor(user.id, user.role), auth.csrf_hash


def logout(rt: Runtime, token: str) -> None:
    """Revoke one token (a no-op if it is already gone)."""
    with rt.db.write() as session:
        session.execute(delete(AuthToken).where(AuthToken.token_hash == keyed_hash(rt, token)))


def change_password(
    rt: Runtime,
    actor: Actor,
    current_password: str,
    new_password: str,
    *,
    keep_token: str | None = None,
) -> int:
    """Change the signed-in user's own password after checking the current one.

    Every other login of the account (browser sessions and bearer tokens) ends, so a device
    left signed in elsewhere, or a stolen token, stops working; the login ``keep_token`` (the
    one making the request) stays. Returns how many logins were ended. A wrong current password
    is a :class:`WrongPasswordError`; a new password that breaks the length rule or equals the
    current one is an ``InputError`` on ``new_password``.
    """
    typed_current = current_password
    current_password, new_password = password_text(current_password), password_text(new_password)
    if not current_password:
        raise InputError("must not be empty", field="current_password")
    with rt.db.write() as session:
        user = session.get(User, actor.user_id, with_for_update=True)
        if user is None or not user.is_active:
            raise AuthenticationError("not signed in (unknown or expired credentials)")
        if not password_matches(rt, user.password_hash, typed_current):
            raise WrongPasswordError
        try:
            check_password(new_password)
        except InputError as error:
            raise InputError(error.problem, field="new_password") from None
        if new_password == current_password:
            raise InputError("must differ from the current password", field="new_password")
        user.password_hash = rt.hasher.hash(new_password)
        return _end_logins(rt, session, user.id, keep_token)


def set_password(rt: Runtime, actor: Actor | None, user_id: int, new_password: str) -> UserView:
    """Give an account a new password without the old one (a forgotten password): an admin
    (``actor``) or the local CLI (``actor=None``, trusted). Every login of the account ends, and
    its calendar feed URL is revoked (a reset is how a taken-over account is won back).

    retrowalk sends no email, so there is no self-service reset: the person asks the clinic's
    administrator. An admin changes their own password with :func:`change_password`, which asks
    for the current one (a stolen admin login must not be enough to take the account over).
    """
    if actor is not None:
        require_role(actor, "admin")
        if user_id == actor.user_id:
            raise NotAllowedError(
                "change your own password with your current one (POST /api/v1/me/password)"
            )
    new_password = password_text(new_password)
    try:
        check_password(new_password)
    except InputError as error:
        raise InputError(error.problem, field="new_password") from None
    with rt.db.write() as session:
        user = session.get(User, user_id, with_for_update=True)
        if user is None:
            raise NotFoundError(f"user {user_id} not found")
        user.password_hash = rt.hasher.hash(new_password)
        _end_logins(rt, session, user.id, None)
        _revoke_calendar_urls(rt, session, user.id)
        if user.role == "patient":
            # the patient's audit trail shows who could sign in as them from now on
            session.add(
                AuditEntry(
                    at=rt.now(),
                    actor_id=actor.user_id if actor is not None else None,
                    actor_role=actor.role if actor is not None else "operator",
                    patient_id=user.id,
                    action="update",
                    record_type="password",
                )
            )
        return UserView.model_validate(user)


def _revoke_calendar_urls(rt: Runtime, session: Session, user_id: int) -> None:
    session.execute(
        update(CalendarToken)
        .where(CalendarToken.patient_id == user_id, CalendarToken.revoked_at.is_(None))
        .values(revoked_at=rt.now())
    )


def _end_logins(rt: Runtime, session: Session, user_id: int, keep_token: str | None) -> int:
    """Delete the account's logins but ``keep_token``'s; how many were deleted."""
    query = delete(AuthToken).where(AuthToken.user_id == user_id)
    if keep_token is not None:
        query = query.where(AuthToken.token_hash != keyed_hash(rt, keep_token))
    result = session.execute(query)
    return int(getattr(result, "rowcount", 0) or 0)


def user_id_by_email(rt: Runtime, email: str) -> int:
    """The id of the account with this address (for the local CLI), else ``NotFoundError``."""
    with rt.db.read() as session:
        user_id = session.scalar(select(User.id).where(User.email.in_(email_keys(email))))
    if user_id is None:
        raise NotFoundError(f"no account with the email {email.strip()!r}")
    return int(user_id)


def all_users(rt: Runtime) -> list[UserView]:
    """Every account, for trusted local callers (the CLI and the demo), not the API."""
    with rt.db.read() as session:
        return [UserView.model_validate(u) for u in session.scalars(select(User).order_by(User.id))]


def count_users(rt: Runtime) -> int:
    with rt.db.read() as session:
        return int(session.scalar(select(func.count(User.id))) or 0)
