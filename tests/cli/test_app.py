from tests.conftest import RunCli


def test_version_prints_the_package_version(run_cli: RunCli) -> None:
    result = run_cli("version")
    assert result.exit_code == 0
    assert result.stdout.strip() == "retrowalk 0.1.0"


def test_an_unknown_command_exits_2_without_a_traceback(run_cli: RunCli) -> None:
    result = run_cli("no-such-command")
    assert result.exit_code == 2
    assert "Traceback" not in result.stdout + result.stderr
