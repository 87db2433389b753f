"""The admin's page: every account (no health data), add one, deactivate, set a new password.

The same services as the admin API (``services.accounts``); an admin never sees health records.
retrowalk sends no email, so a forgotten password is set here (or with ``retrowalk user
set-password``) and the person is told it another way.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from retrowalk.errors import InputError, NotAllowedError, NotFoundError
from retrowalk.services import accounts
from retrowalk.web.api.common import RecordId
from retrowalk.web.pages.formatting import date_text
from retrowalk.web.pages.guards import require
from retrowalk.web.pages.rendering import render
from retrowalk.web.pages.session_user import PageUser, check_csrf, runtime_of
from retrowalk.web.security import LoginLimiter

router = APIRouter(include_in_schema=False)

ROLE_NAMES = {"patient": "patient", "clinician": "clinician", "admin": "admin"}

CsrfField = Annotated[str, Form(max_length=200)]
TextField = Annotated[str, Form(max_length=1000)]


def _page(
    request: Request,
    user: PageUser,
    *,
    error: str = "",
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    people = accounts.list_users(runtime_of(request), user.actor)
    return render(
        request,
        "admin/accounts.html",
        title="Accounts",
        user=user,
        status_code=status,
        error=error,
        errors=errors or {},
        form=form or {"role": "clinician"},
        accounts=[
            {
                "id": person.id,
                "name": person.display_name,
                "email": person.email,
                "role": ROLE_NAMES[person.role],
                "active": person.is_active,
                "created": date_text(person.created_at.date()),
                "is_me": person.id == user.user_id,
            }
            for person in people
        ],
    )


@router.get("/admin")
def accounts_page(request: Request) -> Response:
    return _page(request, require(request, "admin"))


@router.post("/admin/accounts")
def add_account(
    request: Request,
    csrf_token: CsrfField,
    display_name: TextField = "",
    email: TextField = "",
    role: Annotated[str, Form(max_length=20)] = "clinician",
    password: TextField = "",
) -> Response:
    user = require(request, "admin")
    check_csrf(request, user, csrf_token)
    form = {"display_name": display_name, "email": email, "role": role}
    try:
        accounts.create_user(runtime_of(request), user.actor, email, password, display_name, role)
    except InputError as error:
        field = error.field or "email"
        return _page(request, user, errors={field: error.problem}, form=form, status=422)
    except NotAllowedError as error:
        return _page(request, user, errors={"email": str(error)}, form=form, status=409)
    return RedirectResponse("/admin?done=account", status_code=303)


@router.post("/admin/accounts/{user_id}/active")
def set_active(
    request: Request,
    user_id: RecordId,
    csrf_token: CsrfField,
    active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    user = require(request, "admin")
    check_csrf(request, user, csrf_token)
    try:
        accounts.set_active(runtime_of(request), user.actor, user_id, active == "yes")
    except (NotAllowedError, NotFoundError) as error:
        return _page(request, user, error=str(error), status=409)
    return RedirectResponse("/admin?done=account_status", status_code=303)


@router.post("/admin/accounts/{user_id}/password")
def set_password(
    request: Request,
    user_id: RecordId,
    csrf_token: CsrfField,
    new_password: TextField = "",
) -> Response:
    user = require(request, "admin")
    check_csrf(request, user, csrf_token)
    try:
        changed = accounts.set_password(runtime_of(request), user.actor, user_id, new_password)
    except InputError as error:
        return _page(request, user, error=f"New password: {error.problem}.", status=422)
    except (NotAllowedError, NotFoundError) as error:
        return _page(request, user, error=str(error), status=409)
    limiter: LoginLimiter = request.app.state.login_limiter
    limiter.forget(changed.email)  # the person may sign in with it at once
    return RedirectResponse("/admin?done=account_password", status_code=303)
