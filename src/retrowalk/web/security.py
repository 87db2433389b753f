"""Authentication for the API: session cookies for browsers, bearer tokens for other clients.

- **Browser:** ``POST /api/v1/auth/login`` sets ``retrowalk_session`` (HttpOnly, SameSite=Lax,
  Secure unless running in development over plain HTTP) and ``retrowalk_csrf`` (readable by the
  page's script). Every cookie-authenticated write (POST, PUT, PATCH, DELETE) must send the CSRF
  token back in the ``X-CSRF-Token`` header; a cross-site form cannot read it, so it cannot forge
  a write. The server compares the header with the token stored (hashed) for that session.
- **Other clients:** ``POST /api/v1/auth/tokens`` returns a bearer token for
  ``Authorization: Bearer <token>``; no cookie, so no CSRF check.
- **Login rate limit:** after ``login_max_failures`` wrong passwords within ``login_window_s``
  for one email address, or 4 times that many from one client address, further attempts get 429
  until the window has passed; every password check counts (sign-in, password change, account
  deletion). Kept in memory per process (one server process per clinic).
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from retrowalk.errors import PermissionDeniedError
from retrowalk.services.accounts import (
    AuthenticationError,
    WrongPasswordError,
    authenticate,
    email_key,
)
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


@dataclass(frozen=True)
class Attempt:
    """One password check counted in advance (see :meth:`LoginLimiter.attempt`)."""

    email_key: str
    client_key: str
    at: float


PASSWORD_FAILURES = (AuthenticationError, WrongPasswordError)
"""The refusals that mean "wrong password": they stay counted."""


class LoginLimiter:
    """Counts password checks per email and per client address in a sliding window.

    Every place that checks a password (sign-in, password change, account deletion) counts the
    attempt *before* the slow argon2 check, under the lock (:meth:`attempt`): guesses sent in
    parallel cannot all pass an empty counter. A correct password takes the attempt back and
    clears the email's counter (:meth:`succeeded`), any other outcome that is not a wrong
    password takes it back (:meth:`release`). Only counters with an attempt inside the window
    are kept: a key whose attempts have all expired is dropped when it is next read, and every
    ``window_s`` the whole table is swept, so attempts with ever new email addresses do not grow
    it without bound. ``clock``: seconds, monotonic (tests pass their own).
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
        """The key's attempts inside the window, or ``None`` (and the key dropped) if none."""
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

    def attempt(self, email: str, client: str) -> Attempt:
        """Count one password check now, or raise :class:`LoginRateLimitedError` if either
        counter is full (nothing is counted then)."""
        now = self._clock()
        made = Attempt(f"email:{email_key(email)}", f"ip:{client}", now)
        with self._lock:
            self._sweep(now)
            for key, limit in (
                (made.email_key, self.max_failures),
                (made.client_key, self.max_failures * IP_FAILURE_FACTOR),
            ):
                times = self._recent(key, now)
                if times is not None and len(times) >= limit:
                    raise LoginRateLimitedError(max(1, int(self.window_s - (now - times[0]))))
            for key in (made.email_key, made.client_key):
                self._failures.setdefault(key, deque()).append(now)
        return made

    def _take_back(self, made: Attempt, key: str) -> None:
        times = self._failures.get(key)
        if times is not None and made.at in times:
            times.remove(made.at)
            if not times:
                del self._failures[key]

    def release(self, made: Attempt) -> None:
        """The check ended without a wrong password (e.g. a bad new password): uncount it."""
        with self._lock:
            self._take_back(made, made.email_key)
            self._take_back(made, made.client_key)

    def succeeded(self, made: Attempt) -> None:
        """The password was right: uncount it and clear the email's earlier failures."""
        with self._lock:
            self._take_back(made, made.client_key)
            self._failures.pop(made.email_key, None)

    def forget(self, email: str) -> None:
        """Clear an email's counter (an admin just set a new password for it)."""
        with self._lock:
            self._failures.pop(f"email:{email_key(email)}", None)

    @contextmanager
    def guard(self, email: str, client: str) -> Iterator[None]:
        """Count a password check around the block: a wrong password (:data:`PASSWORD_FAILURES`)
        stays counted, a block that ends normally is a success, anything else is uncounted."""
        made = self.attempt(email, client)
        try:
            yield
        except PASSWORD_FAILURES:
            raise
        except BaseException:
            self.release(made)
            raise
        self.succeeded(made)


def client_address(request: Request) -> str:
    """The address a request came from (the per-client counter's key)."""
    return request.client.host if request.client else "unknown"


def password_check(request: Request, email: str) -> AbstractContextManager[None]:
    """:meth:`LoginLimiter.guard` of the app's limiter for this request's client."""
    limiter: LoginLimiter = request.app.state.login_limiter
    return limiter.guard(email, client_address(request))
