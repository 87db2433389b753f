"""Database, app and client fixtures, each test on SQLite and on a real PostgreSQL.

Registered as a pytest plugin in ``tests/conftest.py``. Every test that uses ``database_url``
(directly or through ``runtime``, ``app``, ``client``, ``client_for`` ...) runs twice: once on a
fresh copy of a migrated SQLite file and once on PostgreSQL, in a database created and migrated
for the test session (``retrowalk_test_<random>``, dropped at the end) whose tables are emptied
(``DELETE FROM`` every table) before each test. No state is shared between tests.
``empty_database_url`` gives a brand-new database with no tables (for migration tests).

PostgreSQL comes from ``RETROWALK_TEST_POSTGRES_URL``; when unset, the local default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres`` is used if it answers, else the
PostgreSQL variants are skipped with a message. ``RETROWALK_REQUIRE_POSTGRES=1`` (CI) turns that
skip into a failure.

Fixtures for other test modules (e.g. the web pages):

- ``settings``, ``runtime`` (services' dependencies; ``clock`` is a settable :class:`TestClock`)
- ``app`` (``create_app(settings, runtime=runtime)``) and ``client`` (anonymous TestClient)
- ``make_user(role, email=None, name=None) -> UserView`` (password ``PASSWORD``)
- ``client_for(user_or_role, auth="bearer"|"cookie") -> TestClient`` signed in; a cookie client
  sends the CSRF header on every request
- ``actor(user) -> Actor`` for calling services directly
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from retrowalk.config import Settings, load_settings
from retrowalk.domain.screening import LATER_RED_FLAGS, REQUIRED_ANSWERS
from retrowalk.schemas.clinical import ScreeningAnswersIn
from retrowalk.services import accounts, invitations, programs, screenings, session_logs
from retrowalk.services.inputs import PrescriptionIn, SessionLogIn
from retrowalk.services.runtime import Actor, Runtime, password_hasher
from retrowalk.services.views import LoggedSessionView, UserView
from retrowalk.storage.database import Database
from retrowalk.storage.migrate import head_revision, upgrade
from retrowalk.storage.models import Base
from retrowalk.web.app import create_app
from retrowalk.web.security import CSRF_HEADER

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PASSWORD = "correct horse battery"
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


class TestClock:
    """A settable clock for the services (starts at the real time, moves only when told)."""

    __test__ = False

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.current = start or dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)

    def set(self, when: dt.datetime) -> None:
        self.current = when


def _libpq(url: str) -> str:
    """A psycopg connection string from a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _postgres_unavailable(message: str) -> None:
    if os.environ.get("RETROWALK_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{message} (RETROWALK_REQUIRE_POSTGRES=1 makes this a failure)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """SQLAlchemy URL of a PostgreSQL maintenance database we may create databases from."""
    url = os.environ.get("RETROWALK_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    try:
        with psycopg.connect(_libpq(url), connect_timeout=3):
            pass
    except psycopg.Error as error:
        _postgres_unavailable(
            f"PostgreSQL is not reachable at {make_url(url).render_as_string()} ({error}); "
            "start it or set RETROWALK_TEST_POSTGRES_URL to run the PostgreSQL variants"
        )
    return url


def _admin(url: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(_libpq(url), autocommit=True)


def _database_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


@contextmanager
def _new_postgres_database(server: str) -> Iterator[str]:
    name = f"retrowalk_test_{secrets.token_hex(6)}"
    with _admin(server) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _database_url(server, name)
    finally:
        with _admin(server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_session_database(postgres_server_url: str) -> Iterator[str]:
    """A migrated PostgreSQL database for this test session (emptied before each test)."""
    with _new_postgres_database(postgres_server_url) as url:
        database = Database(url)
        upgrade(database)
        database.dispose()
        yield url


def _empty_postgres_tables(url: str) -> None:
    # DELETE, not TRUNCATE: on small tables it avoids new files and fsyncs, so it is much faster.
    with psycopg.connect(_libpq(url)) as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(f'DELETE FROM "{table.name}"')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file copied for each test."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    database = Database(f"sqlite:///{path}")
    upgrade(database)
    database.dispose()
    return path


def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path, kind: str) -> Iterator[str]:
    """Yield the URL of a fresh, migrated, empty database of ``kind``; drop it afterwards."""
    if kind == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "retrowalk.sqlite3"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("postgres_session_database")
    _empty_postgres_tables(url)
    yield url


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh migrated database, once on SQLite and once on PostgreSQL."""
    yield from fresh_database_url(request, tmp_path, request.param)


@pytest.fixture(params=DATABASES)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A brand-new database without any table, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    with _new_postgres_database(request.getfixturevalue("postgres_server_url")) as url:
        yield url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        {},
        database_url=database_url,
        data_dir=tmp_path,
        fast_password_hashing=True,
    )


@pytest.fixture
def clock() -> TestClock:
    return TestClock()


@pytest.fixture
def runtime(settings: Settings, clock: TestClock) -> Iterator[Runtime]:
    rt = Runtime(settings, Database(settings.database_url), password_hasher(settings), clock)
    yield rt
    rt.db.dispose()


@pytest.fixture
def app(settings: Settings, runtime: Runtime) -> FastAPI:
    return create_app(settings, runtime=runtime)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as anonymous:
        yield anonymous


MakeUser = Callable[..., UserView]
ClientFor = Callable[..., TestClient]


@pytest.fixture
def make_user(runtime: Runtime) -> MakeUser:
    counter = itertools.count(1)

    def make(role: str = "patient", email: str | None = None, name: str | None = None) -> UserView:
        number = next(counter)
        address = email or f"{role}{number}@example.org"
        return accounts.create_user(
            runtime, None, address, PASSWORD, name or f"{role.title()} {number}", role
        )

    return make


@pytest.fixture
def actor() -> Callable[[UserView], Actor]:
    return lambda user: Actor(user.id, user.role)


@pytest.fixture
def client_for(app: FastAPI, make_user: MakeUser) -> Iterator[ClientFor]:
    opened: list[TestClient] = []

    def sign_in(user: UserView | str, auth: str = "bearer") -> TestClient:
        account = make_user(user) if isinstance(user, str) else user
        signed_in = TestClient(app, raise_server_exceptions=False)
        opened.append(signed_in)
        credentials = {"email": account.email, "password": PASSWORD}
        if auth == "bearer":
            response = signed_in.post("/api/v1/auth/tokens", json=credentials)
            assert response.status_code == 201, response.text
            signed_in.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        else:
            response = signed_in.post("/api/v1/auth/login", json=credentials)
            assert response.status_code == 200, response.text
            signed_in.headers[CSRF_HEADER] = response.json()["csrf_token"]
        signed_in.user = account  # type: ignore[attr-defined]
        return signed_in

    yield sign_in
    for each in opened:
        each.close()


# --- Record factories shared by the service and API tests ------------------------------------


def screening_answers(**changes: object) -> dict[str, object]:
    """Screening answers (JSON) of a person the rules clear; ``changes`` override answers."""
    answers: dict[str, object] = dict.fromkeys((*REQUIRED_ANSWERS, *LATER_RED_FLAGS), False)
    answers.update(age_years=45, pain_now_nprs=4, pain_duration_weeks=20.0)
    answers.update(changes)
    return answers


def prescription_json(start: dt.date, **changes: object) -> dict[str, object]:
    choices: dict[str, object] = {
        "sessions_per_week": 3,
        "setting": "overground",
        "goal_backward_min": 20,
        "start_date": start.isoformat(),
    }
    choices.update(changes)
    return choices


def session_json(started_at: dt.datetime, **changes: object) -> dict[str, object]:
    """A completed, uneventful session log (JSON) starting at ``started_at``."""
    entry: dict[str, object] = {
        "started_at": started_at.isoformat(),
        "ended_at": (started_at + dt.timedelta(minutes=25)).isoformat(),
        "backward_min": 5.0,
        "forward_min": 10.0,
        "setting": "overground",
        "pain_before": 4,
        "pain_max": 4,
        "pain_after": 3,
        "pain_next_morning": 3,
        "rpe": 3.0,
        "steps": 500,
        "notes": "felt fine",
        "safety_events": [],
    }
    entry.update(changes)
    return entry


def link(runtime: Runtime, clinician: UserView, patient: UserView) -> None:
    """Link ``patient`` with ``clinician`` through an invitation code, as the pages do."""
    code = invitations.create_invitation(runtime, Actor(clinician.id, "clinician")).code
    invitations.accept_invitation(runtime, Actor(patient.id, "patient"), code)


def start_program(runtime: Runtime, patient: UserView, start: dt.date | None = None) -> None:
    """Screen (cleared) and prescribe a program for ``patient`` through the services."""
    who = Actor(patient.id, patient.role)
    screenings.screen_patient(
        runtime, who, patient.id, ScreeningAnswersIn.model_validate(screening_answers()).to_domain()
    )
    day = start or runtime.now().date()
    programs.prescribe_program(
        runtime, who, patient.id, PrescriptionIn.model_validate(prescription_json(day))
    )


def log(
    runtime: Runtime,
    patient: UserView,
    started_at: dt.datetime,
    key: str | None = None,
    **changes: object,
) -> LoggedSessionView:
    """Log one session for ``patient`` through the service."""
    data = SessionLogIn.model_validate(session_json(started_at, **changes))
    return session_logs.log_session(
        runtime, Actor(patient.id, patient.role), patient.id, data, idempotency_key=key
    )


@contextmanager
def schema_from_the_future(url: str, revision: str = "0099_future") -> Iterator[None]:
    """The database marked as migrated by a newer retrowalk (an unknown revision), restored
    afterwards (the PostgreSQL database is shared by the session's tests)."""
    database = Database(url)
    try:
        with database.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})
        yield
    finally:
        with database.engine.begin() as connection:
            connection.execute(
                text("UPDATE alembic_version SET version_num = :v"), {"v": head_revision()}
            )
        database.dispose()
