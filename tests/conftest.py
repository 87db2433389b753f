"""Fixtures shared by the whole test suite.

- ``run_cli``: runs the real ``retrowalk`` entry point in-process and returns exit code, stdout
  and stderr (so error mapping and exit codes are tested exactly as a user meets them).
- ``shared_data_dir``: ``../shared/data`` beside the checkout; tests that need it skip with a
  message when it is absent (a user's clone has no shared folder).

Every test runs with ``RETROWALK_DATA_DIR`` set to an empty folder of its own, so none reads
or writes the machine's default database (a ``retrowalk serve --demo`` run on the same machine
once made a test fail).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from retrowalk.cli import main

pytest_plugins = ["tests.db_fixtures"]

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _own_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    monkeypatch.setenv("RETROWALK_DATA_DIR", str(tmp_path_factory.mktemp("data")))


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


RunCli = Callable[..., CliResult]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> RunCli:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")

    def run(*args: str, stdin: str | None = None) -> CliResult:
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = 0
        try:
            main(list(args))
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def _shared_data_dir() -> Path | None:
    configured = os.environ.get("RETROWALK_SHARED_DATA")
    candidates = [Path(configured)] if configured else []
    candidates += [
        REPO_ROOT.parent / "shared" / "data",
        REPO_ROOT.parent.parent / "shared" / "data",
    ]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    found = _shared_data_dir()
    if found is None:
        pytest.skip(
            "../shared/data is not beside this checkout (set RETROWALK_SHARED_DATA to its path "
            "to run the tests on the real recordings)"
        )
    return found
