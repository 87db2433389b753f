"""Authentication for the API: session cookies for browsers, bearer tokens for other clients.

- **Browser:** ``POST /api/v1/auth/login`` sets ``retrowalk_session`` (HttpOnly, SameSite=Lax,
  Secure unless running in development over plain HTTP) and ``retrowalk_csrf`` (readable by the
  page's script). Every cookie-authenticated write (POST, PUT, PATCH, DELETE) must send the CSRF
  token back in the ``X-CSRF-Token`` header; a cross-site form cannot read it, so it cannot forge
  a write. The server compares the header with the token stored (hashed) for that session.
- **Other clients:** ``POST /api/v1/auth/tokens`` returns a bearer token for
  ``Authorization: Bearer <token>``; no cookie, so no CSRF check.
- **Login rate limit:** after ``login_max_failures`` failed logins within ``login_window_s`` for
  one email address, or 4 times that many from one client address, further attempts get 429
  until the window has passed. Kept in memory per process (one server process per clinic).
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from retrowalk.errors import PermissionDeniedError
from retrowalk.services.accounts import AuthenticationError, authenticate, email_key
from retrowalk.services.hashing import keyed_hash
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.web.errors import LoginRateLimitedError

SESSION_COOKIE = "retrowalk_session"
CSRF_COOKIE = "retrowalk_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IP_FAILURE_FACTOR = 4

bearer_scheme = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/tokens")
cookie_scheme = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description="Set by POST /api/v1/auth/login; writes also need the X-CSRF-Token header",
)


def get_runtime(request: Request) -> Runtime:
    runtime = request.app.state.runtime
    assert isinstance(runtime, Runtime)
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def current_actor(
    request: Request,
    rt: RuntimeDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    cookie: Annotated[str | None, Depends(cookie_scheme)],
) -> Actor:
    """The signed-in user (bearer token first, then session cookie + CSRF check on writes)."""
    if bearer is not None and bearer.scheme.lower() == "bearer" and bearer.credentials:
        actor, _ = authenticate(rt, bearer.credentials, kind="bearer")
        return actor
    if cookie:
        actor, csrf_hash = authenticate(rt, cookie, kind="session")
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if (
                not sent
                or csrf_hash is None
                or not hmac.compare_digest(keyed_hash(rt, sent), csrf_hash)
            ):
                raise PermissionDeniedError(
                    f"missing or wrong {CSRF_HEADER} header (needed for writes with a cookie)"
                )
        return actor
    raise AuthenticationError("not signed in: log in or send a bearer token")


ActorDep = Annotated[Actor, Depends(current_actor)]


def session_token(request: Request) -> str | None:
    """The raw credential of this request (for logout)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(SESSION_COOKIE)


class LoginLimiter:
    """Counts failed logins per email and per client address in a sliding window.

    Only counters with a failure inside the window are kept: a key whose failures have all
    expired is dropped when it is next read, and every ``window_s`` the whole table is swept, so
    attempts with ever new email addresses do not grow it without bound. ``clock``: seconds,
    monotonic (tests pass their own).
    """

    def __init__(
        self, max_failures: int, window_s: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._swept_at = clock()

    def _recent(self, key: str, now: float) -> deque[float] | None:
        """The key's failures inside the window, or ``None`` (and the key dropped) if none."""
        times = self._failures.get(key)
        if times is None:
            return None
        while times and now - times[0] > self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def _sweep(self, now: float) -> None:
        if now - self._swept_at < self.window_s:
            return
        self._swept_at = now
        for key in list(self._failures):
            self._recent(key, now)

    @property
    def tracked_keys(self) -> int:
        """How many email and client counters are held (for tests and monitoring)."""
        with self._lock:
            return len(self._failures)

    def check(self, email: str, client: str) -> None:
        """Raise :class:`LoginRateLimitedError` if either counter is full."""
        now = self._clock()
        with self._lock:
            for key, limit in (
                (f"email:{email_key(email)}", self.max_failures),
                (f"ip:{client}", self.max_failures * IP_FAILURE_FACTOR),
            ):
                times = self._recent(key, now)
                if times is not None and len(times) >= limit:
                    raise LoginRateLimitedError(max(1, int(self.window_s - (now - times[0]))))

    def failed(self, email: str, client: str) -> None:
        now = self._clock()
        with self._lock:
            self._sweep(now)
            for key in (f"email:{email_key(email)}", f"ip:{client}"):
                times = self._recent(key, now)
                if times is None:
                    times = self._failures[key] = deque()
                times.append(now)

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._failures.pop(f"email:{email_key(email)}", None)
