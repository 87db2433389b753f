"""Who is signed in on a page, and the CSRF check for the pages' forms.

The pages use the service's browser login (``retrowalk.services.accounts``): an HttpOnly session
cookie and a CSRF token. The token is also kept in a readable cookie so pages can put it in their
forms (hidden ``csrf_token`` field) and in ``<meta name="csrf-token">`` for outbox.js, which sends
it in the header the JSON API checks. A form post is accepted only when the keyed hash of its
``csrf_token`` equals the hash stored with the login, the same check the API makes on the header.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from fastapi import Request

from retrowalk.errors import NotFoundError, PermissionDeniedError
from retrowalk.services import accounts
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.web.security import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE

__all__ = ["CSRF_COOKIE", "CSRF_HEADER", "SESSION_COOKIE", "CsrfError", "PageUser", "page_user"]


class CsrfError(PermissionDeniedError):
    """A form arrived without the page's CSRF token (stale page or a forged request)."""


@dataclass(frozen=True)
class PageUser:
    """The signed-in user as pages need them."""

    actor: Actor
    display_name: str
    csrf_token: str
    csrf_hash: str | None

    @property
    def role(self) -> str:
        return self.actor.role

    @property
    def user_id(self) -> int:
        return self.actor.user_id


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def page_user(request: Request) -> PageUser | None:
    """The user behind the session cookie, or ``None`` when nobody (valid) is signed in."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    rt = runtime_of(request)
    try:
        actor, csrf_hash = accounts.authenticate(rt, token, kind="session")
        me = accounts.get_user(rt, actor)
    except (PermissionDeniedError, NotFoundError):  # expired login, or a deleted account
        return None
    return PageUser(
        actor=actor,
        display_name=me.display_name,
        csrf_token=request.cookies.get(CSRF_COOKIE, ""),
        csrf_hash=csrf_hash,
    )


def check_csrf(request: Request, user: PageUser, submitted: str | None) -> None:
    """Refuse a form whose ``csrf_token`` does not belong to this login."""
    if not submitted or user.csrf_hash is None:
        raise CsrfError("this form has expired; reload the page and try again")
    expected = user.csrf_hash
    actual = accounts.keyed_hash(runtime_of(request), submitted)
    if not hmac.compare_digest(expected, actual):
        raise CsrfError("this form has expired; reload the page and try again")
