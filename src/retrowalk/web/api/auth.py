"""Sign-up, login (cookie or bearer token), logout and the signed-in account."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from retrowalk.services import accounts
from retrowalk.services.inputs import LoginIn, PasswordChangeIn, SignupIn
from retrowalk.services.views import LoginView, UserView
from retrowalk.web.api.schemas import PasswordChangedOut, SessionLoginOut, TokenOut
from retrowalk.web.security import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    ActorDep,
    RuntimeDep,
    password_check,
    session_token,
)

router = APIRouter(tags=["auth"])


@router.post("/auth/signup", status_code=status.HTTP_201_CREATED)
def sign_up(body: SignupIn, rt: RuntimeDep) -> UserView:
    """Create a patient account (optionally linked at once with a clinician's invitation code)."""
    return accounts.sign_up_patient(
        rt, body.email, body.password, body.display_name, body.invitation_code
    )


def _checked_login(request: Request, rt: RuntimeDep, body: LoginIn, kind: str) -> LoginView:
    with password_check(request, body.email):
        return accounts.login(rt, body.email, body.password, kind=kind)


@router.post("/auth/login")
def log_in(body: LoginIn, request: Request, response: Response, rt: RuntimeDep) -> SessionLoginOut:
    """Browser login: sets the HttpOnly session cookie and returns the CSRF token."""
    login = _checked_login(request, rt, body, "session")
    assert login.csrf_token is not None
    max_age = rt.settings.session_ttl_hours * 3600
    secure = rt.settings.cookie_secure
    response.set_cookie(
        SESSION_COOKIE, login.token, max_age=max_age, httponly=True, secure=secure, samesite="lax"
    )
    response.set_cookie(
        CSRF_COOKIE,
        login.csrf_token,
        max_age=max_age,
        httponly=False,
        secure=secure,
        samesite="lax",
    )
    return SessionLoginOut(
        user=login.user, csrf_token=login.csrf_token, expires_at=login.expires_at
    )


@router.post("/auth/tokens", status_code=status.HTTP_201_CREATED)
def create_token(body: LoginIn, request: Request, rt: RuntimeDep) -> TokenOut:
    """Token login for non-browser clients: use as ``Authorization: Bearer <token>``."""
    login = _checked_login(request, rt, body, "bearer")
    return TokenOut(access_token=login.token, expires_at=login.expires_at, user=login.user)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def log_out(request: Request, response: Response, rt: RuntimeDep, actor: ActorDep) -> None:
    """Revoke the credential used for this request (cookie or bearer token)."""
    token = session_token(request)
    if token is not None:
        accounts.logout(rt, token)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)


@router.get("/me")
def me(rt: RuntimeDep, actor: ActorDep) -> UserView:
    """The signed-in account."""
    return accounts.get_user(rt, actor)


@router.post("/me/password")
def change_password(
    body: PasswordChangeIn, request: Request, rt: RuntimeDep, actor: ActorDep
) -> PasswordChangedOut:
    """Change your own password (the current one is asked). Every other login of the account
    ends; the one that sent this request stays. Wrong current passwords count towards the same
    limit as failed sign-ins (429 when it is reached)."""
    with password_check(request, accounts.get_user(rt, actor).email):
        ended = accounts.change_password(
            rt, actor, body.current_password, body.new_password, keep_token=session_token(request)
        )
    return PasswordChangedOut(ended_logins=ended)
