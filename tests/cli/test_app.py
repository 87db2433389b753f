from pathlib import Path

import pytest

from tests.conftest import RunCli


def test_version_prints_the_package_version(run_cli: RunCli) -> None:
    result = run_cli("version")
    assert result.exit_code == 0
    assert result.stdout.strip() == "retrowalk 0.1.0"


def test_an_unknown_command_exits_2_without_a_traceback(run_cli: RunCli) -> None:
    result = run_cli("no-such-command")
    assert result.exit_code == 2
    assert "Traceback" not in result.stdout + result.stderr


def test_every_module_command_is_mapped_to_the_module_that_registers_it() -> None:
    from retrowalk.cli import COMMANDS, build_app

    for command, module in COMMANDS.items():
        app = build_app(command)
        names = {info.name for info in app.registered_commands} | {
            group.name for group in app.registered_groups
        }
        assert command in names, f"{command} is not registered by retrowalk.cli.{module}"


def test_a_clinical_command_does_not_import_the_gait_or_server_code() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from retrowalk.cli import build_app; build_app('screen'); "
        "heavy = ('scipy', 'sqlalchemy', 'reportlab'); "
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_long_error_stays_on_one_line_when_stderr_is_not_a_terminal(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("COLUMNS")  # as in a log or a pipe: Rich would assume 80 columns
    missing = tmp_path / ("a-rather-long-folder-name-" * 4) / "recording.csv"
    result = run_cli("gait", "analyze", str(missing))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert str(missing) in lines[0]
