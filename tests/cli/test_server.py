"""``retrowalk db upgrade``, ``retrowalk user create`` and ``retrowalk serve --demo``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url, select

from retrowalk.services import accounts
from retrowalk.services.demo import DEMO_CLINICIAN, DEMO_PASSWORD
from retrowalk.services.runtime import Runtime
from retrowalk.storage.database import Database
from retrowalk.storage.migrate import current_revision, head_revision
from retrowalk.storage.users import User
from tests.conftest import RunCli
from tests.db_fixtures import PASSWORD, MakeUser, _new_postgres_database, schema_from_the_future
from tests.web.api.live_server import free_port


def test_db_upgrade_brings_an_empty_database_to_the_newest_schema(
    run_cli: RunCli, empty_database_url: str
) -> None:
    result = run_cli("db", "upgrade", "--database-url", empty_database_url)
    assert result.exit_code == 0, result.stderr
    assert "up to date" in result.stdout
    database = Database(empty_database_url)
    try:
        assert current_revision(database) == head_revision()
    finally:
        database.dispose()


def test_user_create_makes_an_admin_who_can_log_in(
    run_cli: RunCli, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETROWALK_FAST_PASSWORD_HASHING", "true")
    result = run_cli(
        "user",
        "create",
        "--email",
        "root@example.org",
        "--name",
        "Root",
        "--password-stdin",
        "--database-url",
        runtime.db.url,
        stdin="a long admin password\n",
    )
    assert result.exit_code == 0, result.stderr
    assert "Created admin root@example.org" in result.stdout
    login = accounts.login(runtime, "root@example.org", "a long admin password", kind="bearer")
    assert login.user.role == "admin"


def test_user_create_with_a_short_password_exits_2(run_cli: RunCli, runtime: Runtime) -> None:
    result = run_cli(
        "user",
        "create",
        "--email",
        "root@example.org",
        "--name",
        "Root",
        "--password-stdin",
        "--database-url",
        runtime.db.url,
        stdin="short\n",
    )
    assert result.exit_code == 2
    assert "Error:" in result.stderr
    assert "password" in result.stderr
    assert "Traceback" not in result.stderr


def test_user_set_password_gives_a_forgotten_password_a_new_one(
    run_cli: RunCli, runtime: Runtime, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETROWALK_FAST_PASSWORD_HASHING", "true")
    patient = make_user("patient")
    old_login = accounts.login(runtime, patient.email, PASSWORD, kind="bearer")
    result = run_cli(
        "user",
        "set-password",
        "--email",
        patient.email.upper(),
        "--password-stdin",
        "--database-url",
        runtime.db.url,
        stdin="a brand new passphrase\n",
    )
    assert result.exit_code == 0, result.stderr
    assert f"New password set for patient {patient.email}" in result.stdout
    assert accounts.login(runtime, patient.email, "a brand new passphrase", kind="bearer").token
    with pytest.raises(accounts.AuthenticationError):
        accounts.authenticate(runtime, old_login.token, kind="bearer")


@pytest.mark.parametrize(
    ("email", "password", "problem"),
    [("nobody@example.org", "a brand new passphrase", "no account"), (None, "short", "password")],
)
def test_user_set_password_for_no_such_account_or_a_short_password_exits_with_a_message(
    run_cli: RunCli,
    runtime: Runtime,
    make_user: MakeUser,
    email: str | None,
    password: str,
    problem: str,
) -> None:
    patient = make_user("patient")
    result = run_cli(
        "user",
        "set-password",
        "--email",
        email or patient.email,
        "--password-stdin",
        "--database-url",
        runtime.db.url,
        stdin=password + "\n",
    )
    assert result.exit_code in (1, 2)
    assert "Error:" in result.stderr
    assert problem in result.stderr
    assert "Traceback" not in result.stderr
    assert accounts.login(runtime, patient.email, PASSWORD, kind="bearer").token


def test_a_bad_database_url_exits_2_with_a_message(run_cli: RunCli) -> None:
    result = run_cli("db", "upgrade", "--database-url", "mysql://nope")
    assert result.exit_code == 2
    assert "field '--database-url'" in result.stderr


def test_a_file_that_is_not_a_database_exits_2_with_a_message(
    run_cli: RunCli, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.csv"
    notes.write_text("time_s,acc_x_m_s2\n" * 200)
    result = run_cli("db", "upgrade", "--database-url", f"sqlite:///{notes}")
    assert result.exit_code == 2
    assert "cannot open the database: file is not a database" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_demo_migrates_a_fresh_database_and_prints_how_to_log_in(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "RETROWALK_DATA_DIR": str(tmp_path),
        "RETROWALK_FAST_PASSWORD_HASHING": "true",
        "COLUMNS": "200",
    }
    env.pop("RETROWALK_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "retrowalk", "serve", "--demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.communicate()[1]
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.3)
        token = httpx.post(
            f"{base}/api/v1/auth/tokens",
            json={"email": DEMO_CLINICIAN, "password": DEMO_PASSWORD},
            timeout=10,
        ).json()["access_token"]
        overview = httpx.get(
            f"{base}/api/v1/clinician/overview",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).json()
        assert len(overview) == 2
        assert any(flag["kind"] == "safety_event" for line in overview for flag in line["flags"])
    finally:
        server.terminate()
        stdout, _ = server.communicate(timeout=30)
    assert DEMO_CLINICIAN in stdout
    assert DEMO_PASSWORD in stdout
    assert (tmp_path / "retrowalk.sqlite3").exists()
    # stopped, it closed its connections: SQLite folded the write-ahead log into the file
    assert not (tmp_path / "retrowalk.sqlite3-wal").exists()


def test_a_database_server_that_does_not_answer_exits_2_with_a_message(run_cli: RunCli) -> None:
    result = run_cli("db", "upgrade", "--database-url", "postgresql+psycopg://nobody@127.0.0.1:1/x")
    assert result.exit_code == 2
    assert "cannot open the database" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_db_status_says_whether_the_schema_is_current(
    run_cli: RunCli, database_url: str, empty_database_url: str
) -> None:
    current = run_cli("db", "status", "--database-url", database_url)
    assert current.exit_code == 0, current.stderr
    assert f"schema:   {head_revision()}" in current.stdout
    assert "up to date" in current.stdout
    if empty_database_url.startswith("sqlite"):
        Path(make_url(empty_database_url).database or "").touch()  # an empty file, no tables
    empty = run_cli("db", "status", "--database-url", empty_database_url)
    assert empty.exit_code == 0, empty.stderr
    assert "none (empty database)" in empty.stdout
    assert "run `retrowalk db upgrade`" in empty.stdout


@pytest.mark.parametrize("command", [("db", "upgrade"), ("db", "status"), ("report", "1")])
def test_a_database_from_a_newer_retrowalk_is_named_in_one_line(
    run_cli: RunCli, database_url: str, tmp_path: Path, command: tuple[str, ...]
) -> None:
    extra = ("--out", str(tmp_path / "r.pdf")) if command[0] == "report" else ()
    with schema_from_the_future(database_url):
        result = run_cli(*command, *extra, "--database-url", database_url)
    assert result.exit_code == 2
    assert "'0099_future', which this retrowalk does not know" in result.stderr
    assert "db upgrade" not in result.stderr  # upgrading cannot help
    assert "Traceback" not in result.stderr + result.stdout


def test_printed_database_urls_hide_the_password(run_cli: RunCli, postgres_server_url: str) -> None:
    with _new_postgres_database(postgres_server_url) as url:  # trust auth: any password works
        with_password = make_url(url).set(password="S3cretPW").render_as_string(False)
        result = run_cli("db", "upgrade", "--database-url", with_password)
    assert result.exit_code == 0, result.stderr
    assert "S3cretPW" not in result.stdout + result.stderr
    assert "***" in result.stdout


def test_db_backup_copies_the_sqlite_database_with_its_accounts(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETROWALK_FAST_PASSWORD_HASHING", "true")
    url = f"sqlite:///{tmp_path / 'retrowalk.sqlite3'}"
    made = run_cli(
        "user", "create", "--email", "root@example.org", "--name", "Root", "--password-stdin",
        "--database-url", url, stdin="a long admin password\n",
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    out = tmp_path / "copy dir" / "backup.sqlite3"
    out.parent.mkdir()
    result = run_cli("db", "backup", "--out", str(out), "--database-url", url)
    assert result.exit_code == 0, result.stderr
    copy = Database(f"sqlite:///{out}")
    try:
        assert current_revision(copy) == head_revision()
        with copy.read() as session:
            assert session.scalar(select(User.email)) == "root@example.org"
    finally:
        copy.dispose()
    assert out.stat().st_mode & 0o077 == 0  # a copy of health data: this account only
    again = run_cli("db", "backup", "--out", str(out), "--database-url", url)
    assert again.exit_code == 2
    assert "exists already" in again.stderr


def test_db_backup_of_postgresql_points_to_pg_dump(run_cli: RunCli, tmp_path: Path) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    result = run_cli("db", "backup", "--out", str(tmp_path / "b.sqlite3"), "--database-url", url)
    assert result.exit_code == 2
    assert "pg_dump" in result.stderr
    assert not (tmp_path / "b.sqlite3").exists()


def test_db_restore_puts_a_backup_back_after_asking(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETROWALK_FAST_PASSWORD_HASHING", "true")
    url = f"sqlite:///{tmp_path / 'retrowalk.sqlite3'}"
    copy = tmp_path / "copy.sqlite3"
    assert run_cli("db", "upgrade", "--database-url", url).exit_code == 0
    assert run_cli("db", "backup", "--out", str(copy), "--database-url", url).exit_code == 0
    made = run_cli(
        "user", "create", "--email", "late@example.org", "--name", "Late", "--password-stdin",
        "--database-url", url, stdin="a long admin password\n",
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    refused = run_cli("db", "restore", "--from", str(copy), "--database-url", url, stdin="n\n")
    assert refused.exit_code == 2
    assert "not restored" in refused.stderr
    done = run_cli("db", "restore", "--from", str(copy), "--database-url", url, stdin="y\n")
    assert done.exit_code == 0, done.stderr
    assert "kept in" in done.stdout
    database = Database(url)
    try:
        with database.read() as session:
            assert session.scalar(select(User.email)) is None  # the late account is gone
    finally:
        database.dispose()
