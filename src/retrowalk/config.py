"""Typed settings for the service, built once by a factory and injected everywhere.

Nothing here connects to anything: :func:`load_settings` only reads ``RETROWALK_*`` environment
variables (or a mapping passed in) and checks them. ``create_app(settings)`` and the CLI take the
resulting :class:`Settings`; there is no module-level engine or app.

Defaults give a working single-user install: SQLite in the user's data folder
(``$XDG_DATA_HOME/retrowalk`` or ``~/.local/share/retrowalk``, overridable with
``RETROWALK_DATA_DIR``). A clinic sets ``RETROWALK_DATABASE_URL`` to a PostgreSQL URL
(``postgresql+psycopg://user:pass@host/db``). In production (``RETROWALK_ENV=production``) the
default secret key is refused and cookies are always ``Secure``.

Variables: ``RETROWALK_ENV`` (development|production), ``RETROWALK_DATA_DIR``,
``RETROWALK_DATABASE_URL``, ``RETROWALK_SECRET_KEY``, ``RETROWALK_COOKIE_SECURE`` (true|false),
``RETROWALK_SESSION_TTL_HOURS``, ``RETROWALK_TOKEN_TTL_DAYS``, ``RETROWALK_INVITATION_TTL_DAYS``,
``RETROWALK_LOGIN_MAX_FAILURES``, ``RETROWALK_LOGIN_WINDOW_S``,
``RETROWALK_FAST_PASSWORD_HASHING`` (tests and demos only; refused in production).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal, TypeVar

from retrowalk.errors import InputError

DEFAULT_SECRET_KEY = "retrowalk-development-secret-do-not-use-in-production"
MIN_SECRET_KEY_CHARS = 32
ENV_PREFIX = "RETROWALK_"

Environment = Literal["development", "production"]
T = TypeVar("T")


def default_data_dir(env: Mapping[str, str]) -> Path:
    """The user's data folder for retrowalk (XDG base directory convention)."""
    xdg = env.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path(env.get("HOME", str(Path.home()))) / ".local" / "share"
    return base / "retrowalk"


def sqlite_url(path: Path) -> str:
    """SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class Settings:
    """Everything the service needs to run; build it with :func:`load_settings`."""

    database_url: str
    data_dir: Path
    environment: Environment = "development"
    secret_key: str = DEFAULT_SECRET_KEY
    cookie_secure: bool = False
    session_ttl_hours: int = 12
    token_ttl_days: int = 30
    invitation_ttl_days: int = 14
    login_max_failures: int = 5
    login_window_s: int = 900
    fast_password_hashing: bool = False

    def __post_init__(self) -> None:
        if self.environment not in ("development", "production"):
            raise InputError(
                f"must be 'development' or 'production', not {self.environment!r}",
                field=f"{ENV_PREFIX}ENV",
            )
        for name in (
            "session_ttl_hours",
            "token_ttl_days",
            "invitation_ttl_days",
            "login_max_failures",
            "login_window_s",
        ):
            if getattr(self, name) < 1:
                raise InputError("must be at least 1", field=f"{ENV_PREFIX}{name.upper()}")
        if not (
            self.database_url.startswith("sqlite") or self.database_url.startswith("postgresql")
        ):
            raise InputError(
                "must be a sqlite:/// or postgresql+psycopg:// URL",
                field=f"{ENV_PREFIX}DATABASE_URL",
            )
        _check_database_url(self.database_url)
        if self.environment == "production":
            if self.secret_key == DEFAULT_SECRET_KEY:
                raise InputError(
                    "the default secret key is refused in production; set a random value",
                    field=f"{ENV_PREFIX}SECRET_KEY",
                )
            if len(self.secret_key) < MIN_SECRET_KEY_CHARS:
                raise InputError(
                    f"must be at least {MIN_SECRET_KEY_CHARS} characters in production",
                    field=f"{ENV_PREFIX}SECRET_KEY",
                )
            if self.fast_password_hashing:
                raise InputError(
                    "fast (weak) password hashing is for tests only and refused in production",
                    field=f"{ENV_PREFIX}FAST_PASSWORD_HASHING",
                )
            if not self.cookie_secure:
                object.__setattr__(self, "cookie_secure", True)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def with_changes(self, **changes: Any) -> Settings:
        """A copy with some values replaced (checked again)."""
        return replace(self, **changes)


def _check_database_url(url: str) -> None:
    """A URL SQLAlchemy can use (a port that is a number, a driver that is installed), said
    as an ``InputError`` instead of SQLAlchemy's traceback. SQLAlchemy is imported here only,
    so commands that never open a database do not load it."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        make_url(url).get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as error:
        raise InputError(
            f"not a usable database URL: {error}", field=f"{ENV_PREFIX}DATABASE_URL"
        ) from None


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false")


def _cast(env: Mapping[str, str], name: str, cast: Callable[[str], T]) -> T | None:
    raw = env.get(ENV_PREFIX + name)
    if raw is None or raw == "":
        return None
    try:
        return cast(raw)
    except ValueError as error:
        raise InputError(f"cannot use {raw!r}: {error}", field=ENV_PREFIX + name) from None


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build :class:`Settings` from ``RETROWALK_*`` variables (``os.environ`` by default).

    Keyword ``overrides`` (e.g. from CLI options) win over the environment. A value that cannot
    be used raises :class:`InputError` naming the variable.
    """
    source = os.environ if env is None else env
    values: dict[str, Any] = {}
    data_dir = _cast(source, "DATA_DIR", Path) or default_data_dir(source)
    values["data_dir"] = Path(overrides.pop("data_dir", data_dir))
    database_url = _cast(source, "DATABASE_URL", str)
    values["database_url"] = database_url or sqlite_url(values["data_dir"] / "retrowalk.sqlite3")
    environment = _cast(source, "ENV", str)
    if environment is not None:
        values["environment"] = environment
    secret = _cast(source, "SECRET_KEY", str)
    if secret is not None:
        values["secret_key"] = secret
    for flag in ("cookie_secure", "fast_password_hashing"):
        parsed = _cast(source, flag.upper(), _parse_bool)
        if parsed is not None:
            values[flag] = parsed
    for name in (
        "session_ttl_hours",
        "token_ttl_days",
        "invitation_ttl_days",
        "login_max_failures",
        "login_window_s",
    ):
        number = _cast(source, name.upper(), int)
        if number is not None:
            values[name] = number
    known = {f.name for f in fields(Settings)}
    for key, value in overrides.items():
        if key not in known:
            raise InputError("unknown setting", field=key)
        if value is not None:
            values[key] = value
    return Settings(**values)
