"""Sign in, sign out and sign up (patients; with a clinician's invitation code if they have one)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from retrowalk.errors import InputError, NotAllowedError, PermissionDeniedError
from retrowalk.schemas.parsing import validate
from retrowalk.services import accounts, profiles
from retrowalk.services.inputs import PatientProfileIn, SignupIn
from retrowalk.services.runtime import Actor
from retrowalk.services.views import LoginView
from retrowalk.web.errors import LoginRateLimitedError
from retrowalk.web.pages.guards import RedirectNeededError, require
from retrowalk.web.pages.rendering import home_url, render
from retrowalk.web.pages.session_user import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    CsrfError,
    PageUser,
    check_csrf,
    page_user,
    runtime_of,
)
from retrowalk.web.security import password_check

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None, fallback: str) -> str:
    """Only same-site paths: never redirect a login to another site."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def signed_in_response(request: Request, login: LoginView, target: str) -> Response:
    """Redirect to ``target`` with the session and CSRF cookies the API also uses."""
    settings = runtime_of(request).settings
    response = RedirectResponse(target, status_code=303)
    max_age_s = settings.session_ttl_hours * 3600
    response.set_cookie(
        SESSION_COOKIE,
        login.token,
        max_age=max_age_s,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE,
        login.csrf_token or "",
        max_age=max_age_s,
        httponly=False,
        secure=settings.cookie_secure,
        samesite="lax",
        path="/",
    )
    return response


class CrossSiteFormError(CsrfError):
    """A sign-in or sign-up form posted from another site."""


def require_same_site_form(request: Request) -> None:
    """Refuse a form that another site made the browser post (login CSRF: an attacker's page
    signs the victim in to the attacker's account, and what the victim then logs lands there).

    The sign-in and sign-up forms have no session yet, so no CSRF token; browsers send
    ``Origin`` with every form POST (else ``Referer``), and it must name this host. A request
    with neither (not a browser) passes; ``Origin: null`` (a sandboxed frame) does not."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None:
        return
    host = request.headers.get("host", "")
    if origin == "null" or not host or urlsplit(origin).netloc.lower() != host.lower():
        raise CrossSiteFormError(
            "this form was sent from another site; open this site's own page and try again"
        )


@router.get("/")
def start(request: Request) -> Response:
    user = page_user(request)
    if user is None:
        return render(request, "welcome.html", title="Welcome", user=None)
    return RedirectResponse(home_url(user), status_code=303)


@router.get("/login")
def login_form(request: Request, next: str = "") -> Response:
    return render(request, "auth/login.html", title="Sign in", user=None, next_url=next, email="")


@router.post("/login")
def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    rt = runtime_of(request)
    require_same_site_form(request)
    if not email.strip() or not password:
        return _login_failed(request, email, next, "Enter your email and your password.", 422)
    try:
        with password_check(request, email):
            result = accounts.login(rt, email, password, kind="session")
    except LoginRateLimitedError as error:
        return _login_failed(request, email, next, str(error), 429)
    except PermissionDeniedError:
        return _login_failed(request, email, next, "Wrong email or password.", 401)
    fallback = {"patient": "/app", "clinician": "/clinic"}.get(result.user.role, "/admin")
    return signed_in_response(request, result, _safe_next(next, fallback))


def _login_failed(request: Request, email: str, next_url: str, error: str, status: int) -> Response:
    return render(
        request,
        "auth/login.html",
        title="Sign in",
        user=None,
        status_code=status,
        error=error,
        email=email,
        next_url=next_url,
    )


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    user = page_user(request)
    token = request.cookies.get(SESSION_COOKIE)
    if user is not None and token:
        check_csrf(request, user, csrf_token)
        accounts.logout(runtime_of(request), token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/signup")
def signup_form(request: Request) -> Response:
    if page_user(request) is not None:
        raise RedirectNeededError("/")
    return render(
        request, "auth/signup.html", title="Create your account", user=None, form={}, errors={}
    )


def _signup_problems(
    display_name: str, email: str, password: str, invitation_code: str
) -> dict[str, str]:
    """Every field ``SignupIn`` refuses, each with its problem, to show next to each field."""
    fields = {
        "display_name": display_name.strip(),
        "email": email.strip(),
        "password": password,
        "invitation_code": invitation_code.strip() or None,
    }
    problems: dict[str, str] = {}
    try:
        SignupIn.model_validate(fields)
    except ValidationError as error:
        for detail in error.errors():
            if not detail["loc"]:
                continue  # a whole-model rule: the full validation below reports it
            name = str(detail["loc"][0])
            empty = fields.get(name) in ("", None)
            problems.setdefault(name, "Please fill this in." if empty else _plain(detail))
    if "email" not in problems:
        # the address's form is the service's rule: checked here too, so every problem with
        # the form shows at once, not one per try
        try:
            accounts.normalize_email(fields["email"] or "")
        except InputError as error:
            problems["email"] = error.problem
    # in the form's order: the page puts the cursor in the first field named wrong
    return {name: problems[name] for name in SIGNUP_FIELDS if name in problems}


SIGNUP_FIELDS = ("display_name", "email", "password", "invitation_code")
"""The sign-up form's fields, top to bottom."""


def _plain(detail: Any) -> str:
    """A validation problem in words a patient reads (Pydantic says "String should have at
    least 10 characters")."""
    limits = detail.get("ctx") or {}
    if detail["type"] == "string_too_short":
        return f"Use at least {limits['min_length']} characters."
    if detail["type"] == "string_too_long":
        return f"Use at most {limits['max_length']} characters."
    return str(detail["msg"])


def _signup_field(error: InputError | NotAllowedError) -> tuple[str | None, str]:
    """The sign-up field a service refusal belongs to (the service calls the code ``code``)."""
    if isinstance(error, InputError):
        return {"code": "invitation_code"}.get(error.field or "", error.field), error.problem
    text = str(error)
    if "invitation" in text:
        return "invitation_code", text
    if "email" in text:
        return "email", text
    return None, text


SIGNUP_FIELD_MAX_CHARS = 1000
"""Bound on what the form layer reads; the real limits (name 120, email 254, password 200)
are checked by ``SignupIn`` so that a too-long or empty field is named next to the field."""


@router.post("/signup")
def signup(
    request: Request,
    display_name: Annotated[str, Form(max_length=SIGNUP_FIELD_MAX_CHARS)] = "",
    email: Annotated[str, Form(max_length=SIGNUP_FIELD_MAX_CHARS)] = "",
    password: Annotated[str, Form(max_length=SIGNUP_FIELD_MAX_CHARS)] = "",
    invitation_code: Annotated[str, Form(max_length=40)] = "",
    units: Annotated[str, Form(max_length=10)] = "metric",
    time_zone: Annotated[str, Form(max_length=64)] = "UTC",
) -> Response:
    form = {
        "display_name": display_name,
        "email": email,
        "invitation_code": invitation_code,
        "units": units,
        "time_zone": time_zone,
    }
    rt = runtime_of(request)
    require_same_site_form(request)
    problems = _signup_problems(display_name, email, password, invitation_code)
    if problems:
        return render(
            request,
            "auth/signup.html",
            title="Create your account",
            user=None,
            status_code=422,
            form=form,
            errors=problems,
            error="Please check the form below.",
        )
    try:
        data = validate(
            SignupIn,
            {
                "email": email,
                "password": password,
                "display_name": display_name,
                "invitation_code": invitation_code.strip() or None,
            },
        )
        profile = validate(PatientProfileIn, {"units": units, "time_zone": time_zone})
        accounts.sign_up_patient(
            rt, data.email, data.password, data.display_name, data.invitation_code
        )
        login_view = accounts.login(rt, data.email, data.password, kind="session")
        actor = Actor(login_view.user.id, login_view.user.role)
        profiles.put_profile(rt, actor, actor.user_id, profile)
    except (InputError, NotAllowedError) as error:
        field, problem = _signup_field(error)
        return render(
            request,
            "auth/signup.html",
            title="Create your account",
            user=None,
            status_code=422,
            form=form,
            errors={field: problem} if field else {},
            error=f"Please check: {problem}" if field is None else "Please check the form below.",
        )
    return signed_in_response(request, login_view, "/app")


PASSWORD_FIELDS = ("current_password", "new_password", "new_password_again")
"""The password form's fields, top to bottom."""


def _password_page(
    request: Request, user: PageUser, errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    shown = {name: errors[name] for name in PASSWORD_FIELDS if errors and name in errors}
    return render(
        request,
        "auth/password.html",
        title="Change your password",
        user=user,
        status_code=status,
        errors=shown,
        error="Please check the form below." if shown else "",
    )


@router.get("/account/password")
def password_form(request: Request) -> Response:
    return _password_page(request, require(request, None))


@router.post("/account/password")
def password_change(
    request: Request,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    current_password: Annotated[str, Form(max_length=SIGNUP_FIELD_MAX_CHARS)] = "",
    new_password: Annotated[str, Form(max_length=SIGNUP_FIELD_MAX_CHARS)] = "",
    new_password_again: Annotated[str, Form(max_length=SIGNUP_FIELD_MAX_CHARS)] = "",
) -> Response:
    """Change the signed-in user's password; their other logins end, this one stays."""
    user = require(request, None)
    check_csrf(request, user, csrf_token)
    problems: dict[str, str] = {}
    if not current_password:
        problems["current_password"] = "Please fill this in."
    if not new_password:
        problems["new_password"] = "Please fill this in."
    elif accounts.password_text(new_password_again) != accounts.password_text(new_password):
        problems["new_password_again"] = "This does not match the new password."
    if problems:
        return _password_page(request, user, problems, 422)
    rt = runtime_of(request)
    try:
        with password_check(request, accounts.get_user(rt, user.actor).email):
            accounts.change_password(
                rt,
                user.actor,
                current_password,
                new_password,
                keep_token=request.cookies.get(SESSION_COOKIE),
            )
    except LoginRateLimitedError as error:
        return _password_page(request, user, {"current_password": str(error)}, 429)
    except accounts.WrongPasswordError:
        problem = "This is not your current password."
        return _password_page(request, user, {"current_password": problem}, 422)
    except InputError as error:
        problem = _plain_password_problem(error.problem)
        return _password_page(request, user, {error.field or "new_password": problem}, 422)
    return RedirectResponse("/account/password?done=password", status_code=303)


def _plain_password_problem(problem: str) -> str:
    """The service's rule in a sentence ("must be at least 10 characters" -> "Use at least 10
    characters.")."""
    if problem.startswith("must be "):
        return "Use " + problem.removeprefix("must be ") + "."
    if problem.startswith("must differ"):
        return "Choose a password different from your current one."
    return problem
