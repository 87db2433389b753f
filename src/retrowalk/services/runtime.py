"""What every use case receives: the database, the settings, the password hasher and a clock.

Built once per process by :func:`build_runtime` (the web app and the CLI do this) and passed in;
tests build their own with a fixed clock. Nothing here is global.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import argon2
from argon2 import PasswordHasher

from retrowalk.config import Settings
from retrowalk.storage.base import utcnow
from retrowalk.storage.database import Database

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class Actor:
    """The signed-in user on whose behalf a use case runs."""

    user_id: int
    role: str


@dataclass
class Runtime:
    """Dependencies of the services (one per process)."""

    settings: Settings
    db: Database
    hasher: PasswordHasher
    clock: Clock = field(default=utcnow)

    def now(self) -> dt.datetime:
        return self.clock()

    @cached_property
    def dummy_password_hash(self) -> str:
        """A hash of a random secret, checked when an email is unknown so that a login attempt
        takes as long for a missing account as for a real one (no account enumeration)."""
        return self.hasher.hash(secrets.token_hex(16))


def password_hasher(settings: Settings) -> PasswordHasher:
    """argon2id with the library's recommended parameters (RFC 9106 low-memory profile).

    ``fast_password_hashing`` (tests and demos only; refused in production) uses the cheapest
    profile so a test suite can create hundreds of accounts.
    """
    if settings.fast_password_hashing:
        return PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
    return PasswordHasher()


def build_runtime(settings: Settings, *, clock: Clock = utcnow) -> Runtime:
    """Create the runtime for ``settings``; no connection is opened yet."""
    return Runtime(settings, Database(settings.database_url), password_hasher(settings), clock)
