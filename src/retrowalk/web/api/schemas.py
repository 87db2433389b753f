"""Response schemas that exist only at the HTTP boundary (logins); the rest are service views."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel

from retrowalk.services.views import UserView


class SessionLoginOut(BaseModel):
    """A browser login: the session itself travels in an HttpOnly cookie, never in the body."""

    user: UserView
    csrf_token: str
    expires_at: dt.datetime


class TokenOut(BaseModel):
    """A bearer token for non-browser clients (shown once)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: dt.datetime
    user: UserView


class PasswordChangedOut(BaseModel):
    """A changed password: how many other logins of the account were ended."""

    ended_logins: int
