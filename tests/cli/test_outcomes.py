import json
from pathlib import Path

import pytest

from tests.conftest import RunCli

ODI_16_OF_45 = '{"items": [2, 2, 2, 2, 2, 2, 2, 2, 0, null]}'


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _odi_text_file(tmp_path: Path) -> str:
    data = {
        "version": "2.1a",
        "licence": "Example Clinic, licence 42",
        "sections": [
            {"title": f"Section {s}", "statements": [f"Statement {s + 1}.{n}" for n in range(6)]}
            for s in range(10)
        ],
    }
    return _write(tmp_path, "odi-text.json", json.dumps(data))


def test_score_odi_from_stdin_as_json(run_cli: RunCli) -> None:
    result = run_cli("score", "odi", "--answers", "-", "--format", "json", stdin=ODI_16_OF_45)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["score"] == 35.6
    assert data["band"] == "moderate disability"
    assert data["missing_items"] == 1
    assert data["sources"]


def test_score_start_back_json_has_risk_group_and_subscore(run_cli: RunCli) -> None:
    result = run_cli(
        "score",
        "start_back",
        "--answers",
        "-",
        "--format",
        "json",
        stdin='{"items": [0, 0, 0, 0, 1, 1, 1, 0, 3]}',
    )
    data = json.loads(result.stdout)
    assert (data["score"], data["subscore"], data["risk_group"]) == (4, 4, "high")


def test_score_text_shows_score_band_section_names_and_sources(run_cli: RunCli) -> None:
    result = run_cli("score", "odi", "--answers", "-", stdin=ODI_16_OF_45)
    assert result.exit_code == 0
    assert "35.6 %" in result.stdout
    assert "moderate disability" in result.stdout
    assert "Sex life (if applicable)" in result.stdout
    assert "Item text not shown" in result.stdout
    assert "Fairbank" in result.stdout


def test_score_reads_an_answers_file(run_cli: RunCli, tmp_path: Path) -> None:
    path = _write(tmp_path, "tug.json", '{"items": [12.0]}')
    result = run_cli("score", "tug", "--answers", path, "--format", "json")
    assert json.loads(result.stdout)["band"] == "at risk of falling"


def test_a_licensed_odi_text_shows_the_chosen_statements(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(
        "score",
        "odi",
        "--answers",
        "-",
        "--odi-text",
        _odi_text_file(tmp_path),
        stdin=ODI_16_OF_45,
    )
    assert result.exit_code == 0, result.stderr
    assert "Statement 3.2" in result.stdout
    assert "Example Clinic, licence 42" in result.stdout


def test_the_odi_text_may_come_from_the_environment(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETROWALK_ODI_TEXT", _odi_text_file(tmp_path))
    result = run_cli("score", "odi", "--answers", "-", stdin=ODI_16_OF_45)
    assert "Statement 1.2" in result.stdout


def test_a_malformed_odi_text_file_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    path = _write(tmp_path, "odi-text.json", '{"version": "2.1a", "licence": "x", "sections": []}')
    result = run_cli("score", "odi", "--answers", "-", "--odi-text", path, stdin=ODI_16_OF_45)
    assert result.exit_code == 2
    assert "the text has 0" in result.stderr


def test_score_list_json_has_every_instrument(run_cli: RunCli) -> None:
    result = run_cli("score", "--list", "--format", "json")
    ids = [entry["id"] for entry in json.loads(result.stdout)]
    assert len(ids) == 13
    assert "backward_walk_3m" in ids


def test_score_list_text_shows_ids_and_thresholds(run_cli: RunCli) -> None:
    result = run_cli("score", "--list")
    assert result.exit_code == 0
    assert "stay_independent" in result.stdout
    assert "MIC 10 pts or 30 %" in result.stdout
    assert "MDC 90 % 2 points (provisional)" in result.stdout
    assert "--format json" in result.stdout  # where the LOINC codes and sources are


def test_compare_json_reports_change_and_meaningful_change(run_cli: RunCli, tmp_path: Path) -> None:
    baseline = _write(tmp_path, "b.json", '{"items": [4, 4, 4, 4, 4, 0, 0, 0, 0, 0]}')
    follow_up = _write(tmp_path, "f.json", '{"items": [3, 3, 3, 3, 3, 0, 0, 0, 0, 0]}')
    result = run_cli(
        "compare", "odi", "--baseline", baseline, "--follow-up", follow_up, "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["baseline"], data["follow_up"], data["change"]) == (40.0, 30.0, -10.0)
    assert data["outcome"] == "improved"
    assert data["meaningful_change_met"] is True
    assert data["baseline_result"]["band"] == "moderate disability"


def test_compare_text_says_direction_only_without_a_threshold(
    run_cli: RunCli, tmp_path: Path
) -> None:
    baseline = _write(tmp_path, "b.json", '{"items": [2.0]}')
    result = run_cli(
        "compare",
        "sit_and_reach",
        "--baseline",
        baseline,
        "--follow-up",
        "-",
        stdin='{"items": [5.5]}',
    )
    assert result.exit_code == 0, result.stderr
    assert "improved" in result.stdout
    assert "not defined" in result.stdout


def test_energy_backward_json_has_the_issue_keys(run_cli: RunCli) -> None:
    result = run_cli(
        "energy",
        "--speed-kmh",
        "5.6327",
        "--grade-percent",
        "0",
        "--minutes",
        "60",
        "--weight-kg",
        "70",
        "--direction",
        "backward",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["met"] == 6.0
    assert (data["kcal_gross"], data["kcal_net"], data["extrapolated"]) == (420.0, 350.0, False)
    assert data["sources"]


def test_energy_side_by_side_text_marks_the_extrapolation(run_cli: RunCli) -> None:
    result = run_cli("energy", "--speed-kmh", "3", "--minutes", "20", "--weight-kg", "70")
    assert result.exit_code == 0, result.stderr
    assert "forward" in result.stdout
    assert "backward" in result.stdout
    assert "yes" in result.stdout
    assert "No published backward-walking MET" in result.stdout


# -- bad input: exit 2 and a message naming the item and problem ----------------------------


@pytest.mark.parametrize(
    ("instrument", "stdin", "message"),
    [
        ("odi", '{"items": [0, 0, 7, 0, 0, 0, 0, 0, 0, 0]}', "item 3 (Lifting): 7 is not allowed"),
        ("odi", '{"items": [0, 0, 0]}', "odi needs 10 item values in the published order, got 3"),
        ("odi", '{"items": [0, 0, 0, 0, 0, 0, 0, 0, null, null]}', "too many unanswered items"),
        ("tug", '{"items": [-4]}', "a time cannot be negative"),
        ("start_back", '{"items": [0, 0, 0, 0, 0, 0, 0, 0, 5]}', "item 9 (Overall bothersomeness)"),
        ("nprs", '{"items": ["7"]}', "items.0"),
        ("nprs", '{"items": [7', "not valid JSON"),
        ("rmdq", '{"items": [1]}', "rmdq needs 24 item values"),
    ],
)
def test_bad_answers_exit_2_naming_the_item_and_problem(
    run_cli: RunCli, instrument: str, stdin: str, message: str
) -> None:
    result = run_cli("score", instrument, "--answers", "-", stdin=stdin)
    assert result.exit_code == 2
    assert "Error:" in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_an_unknown_instrument_exits_2_listing_the_ids(run_cli: RunCli) -> None:
    result = run_cli("score", "oswestry", "--answers", "-", stdin='{"items": [1]}')
    assert result.exit_code == 2
    assert "valid ids: nprs, odi" in result.stderr


def test_a_missing_answers_file_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("score", "nprs", "--answers", str(tmp_path / "nope.json"))
    assert result.exit_code == 2
    assert "file not found" in result.stderr


def test_score_without_answers_exits_2(run_cli: RunCli) -> None:
    result = run_cli("score", "nprs")
    assert result.exit_code == 2
    assert "--answers" in result.stderr


def test_compare_without_a_baseline_exits_2(run_cli: RunCli) -> None:
    result = run_cli("compare", "nprs", "--follow-up", "-", stdin='{"items": [3]}')
    assert result.exit_code == 2
    assert "--baseline" in result.stderr


def test_compare_with_a_bad_baseline_names_it(run_cli: RunCli, tmp_path: Path) -> None:
    baseline = _write(tmp_path, "b.json", '{"items": [12]}')
    result = run_cli(
        "compare", "nprs", "--baseline", baseline, "--follow-up", "-", stdin='{"items": [3]}'
    )
    assert result.exit_code == 2
    assert "baseline" in result.stderr
    assert "item 1 (Pain intensity): 12 is not allowed" in result.stderr


def test_compare_cannot_read_both_files_from_stdin(run_cli: RunCli) -> None:
    result = run_cli("compare", "nprs", "--baseline", "-", "--follow-up", "-", stdin="{}")
    assert result.exit_code == 2
    assert "standard input" in result.stderr


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--minutes", "-20", "a time cannot be negative"),
        ("--speed-kmh", "0", "speed_kmh"),
        ("--grade-percent", "-3", "downhill"),
        ("--weight-kg", "5", "weight_kg"),
    ],
)
def test_bad_energy_values_exit_2(run_cli: RunCli, option: str, value: str, message: str) -> None:
    args = {"--speed-kmh": "4", "--minutes": "20", "--weight-kg": "70", "--grade-percent": "0"}
    args[option] = value
    flat = [part for pair in args.items() for part in pair]
    result = run_cli("energy", *flat)
    assert result.exit_code == 2
    assert message in result.stderr


def test_an_unknown_direction_exits_2(run_cli: RunCli) -> None:
    result = run_cli(
        "energy",
        "--speed-kmh",
        "4",
        "--minutes",
        "20",
        "--weight-kg",
        "70",
        "--direction",
        "sideways",
    )
    assert result.exit_code == 2
    assert "sideways" in result.stderr


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "line 1, column 1: not valid JSON"),
        (b'{"items": [\xff]}', "field 'answers': not UTF-8 text (byte 0xff at offset 11)"),
        (b"[7]", "expected a JSON object, got a list"),
        (b'{"items": [Infinity]}', "field 'items.0': Input should be a finite number"),
        (b'{"items": [true]}', "field 'items.0': Input should be a valid number"),
    ],
)
def test_hostile_answer_files_exit_2_with_a_plain_message(
    run_cli: RunCli, tmp_path: Path, content: bytes, needle: str
) -> None:
    path = tmp_path / "answers.json"
    path.write_bytes(content)
    result = run_cli("score", "nprs", "--answers", str(path))
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert needle in " ".join(result.stderr.split())


def test_a_directory_as_the_answers_file_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("score", "nprs", "--answers", str(tmp_path))
    assert result.exit_code == 2
    assert "is a directory, not a file" in result.stderr


def test_compare_reports_odi_change_in_percentage_points_rounded_like_the_change(
    run_cli: RunCli, tmp_path: Path
) -> None:
    baseline = _write(tmp_path, "b.json", '{"items": [3, 3, 3, 3, 3, 3, 3, 3, 3, 3]}')
    follow_up = _write(tmp_path, "f.json", '{"items": [1, 2, 1, 2, 1, 2, 1, 2, 1, null]}')
    text = run_cli("compare", "odi", "--baseline", baseline, "--follow-up", follow_up)
    assert "change -31.11 percentage points (-51.9 % relative)" in text.stdout
    result = run_cli(
        "compare", "odi", "--baseline", baseline, "--follow-up", follow_up, "--format", "json"
    )
    data = json.loads(result.stdout)
    assert (data["baseline"], data["follow_up"], data["change"]) == (60.0, 28.89, -31.11)
