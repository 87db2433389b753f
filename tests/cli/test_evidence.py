from __future__ import annotations

import json

from tests.conftest import RunCli


def test_evidence_list_shows_studies_and_thresholds(run_cli: RunCli) -> None:
    result = run_cli("evidence", "list")
    assert result.exit_code == 0
    assert "ansari2020" in result.stdout
    assert "screening.tug_fall_risk_s" in result.stdout


def test_evidence_list_as_json_has_version_studies_and_thresholds(run_cli: RunCli) -> None:
    data = json.loads(run_cli("evidence", "list", "--format", "json").stdout)
    assert data["version"] == "1.3.0"
    assert any(s["id"] == "chitkara2725" for s in data["studies"])
    tug = next(t for t in data["thresholds"] if t["id"] == "screening.tug_fall_risk_s")
    assert tug == {
        "id": tug["id"],
        "value": 12.0,
        "unit": "s",
        "source": "steadi_tug",
        "status": "C-2nd",
    }


def test_evidence_show_prints_a_study_protocol(run_cli: RunCli) -> None:
    result = run_cli("evidence", "show", "whitley2011")
    assert result.exit_code == 0
    assert "Sessions per week: 4" in result.stdout
    assert "Minutes per session: 10-15" in result.stdout


def test_evidence_show_prints_a_threshold_as_json(run_cli: RunCli) -> None:
    result = run_cli("evidence", "show", "progression.pain_during_max_nprs", "--format", "json")
    data = json.loads(result.stdout)
    assert data["value"] == 5
    assert data["source"] == "silbernagel2007"


def test_evidence_show_of_an_unknown_id_is_a_clean_error(run_cli: RunCli) -> None:
    result = run_cli("evidence", "show", "nobody2099")
    assert result.exit_code == 1
    assert "Error: no study or source with id 'nobody2099'" in result.stderr
    assert "Traceback" not in result.stderr


def test_evidence_show_says_when_a_threshold_is_provisional(run_cli: RunCli) -> None:
    result = run_cli("evidence", "show", "screening.tug_fall_risk_s")
    assert result.exit_code == 0
    assert "steadi_tug (status C-2nd, provisional)" in result.stdout
    ours = run_cli("evidence", "show", "retrowalk_rules")
    assert "status our choice" in ours.stdout
