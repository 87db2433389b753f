from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from retrowalk.domain.plan import Plan
from retrowalk.domain.screening_questions import QUESTIONS
from tests.conftest import RunCli
from tests.domain.clinical_samples import clear_answers_json, profile_json


def _write(tmp_path: Path, name: str, data: Any) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def _assert_clean_error(result: Any, *needles: str) -> None:
    assert result.exit_code == 2
    assert "Traceback" not in result.stdout + result.stderr
    assert "Error:" in result.stderr
    message = " ".join(result.stderr.split())
    for needle in needles:
        assert needle in message


def _interactive_answers(**changes: str) -> list[str]:
    """One line per screening question; defaults describe a person who is cleared."""
    defaults = {"age_years": "45", "pain_now_nprs": "4", "pain_duration_weeks": "20"}
    lines = []
    for question in QUESTIONS:
        key = question.key
        if key in changes:
            lines.append(changes[key])
        elif question.kind == "yes_no":
            lines.append("y" if key == "walked_backward_before" else "n")
        elif question.optional:
            lines.append("")
        else:
            lines.append(defaults[key])
    return lines


def test_screen_reads_answers_from_a_file_as_json(run_cli: RunCli, tmp_path: Path) -> None:
    path = _write(tmp_path, "answers.json", clear_answers_json(cancer_history=True))
    result = run_cli("screen", "--answers", path, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["decision"] == "see_clinician"
    assert data["reasons"][0]["rule"] == "red_flag.cancer_history"
    assert data["precautions"] == []


def test_screen_reads_answers_from_standard_input(run_cli: RunCli) -> None:
    result = run_cli(
        "screen", "--answers", "-", "--format", "json", stdin=json.dumps(clear_answers_json())
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["decision"] == "cleared"
    assert {p["id"] for p in data["precautions"]} >= {"warm_up", "when_to_stop"}


def test_screen_text_output_names_the_decision_rule_and_source(run_cli: RunCli) -> None:
    answers = json.dumps(clear_answers_json(saddle_numbness=True))
    result = run_cli("screen", "--answers", "-", stdin=answers)
    assert result.exit_code == 0
    assert "URGENT" in result.stdout
    assert "[urgent.saddle_numbness]" in result.stdout
    assert "ahcpr1994" in result.stdout
    assert "does not diagnose" in result.stdout


def test_interactive_screen_asks_each_question_and_offers_a_plan(run_cli: RunCli) -> None:
    lines = [*_interactive_answers(), "y", "3", "treadmill", "20", "2026-12-07", "5", ""]
    result = run_cli("screen", stdin="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.stderr
    assert "CLEARED" in result.stdout
    assert "Retro-walking plan" in result.stdout
    assert "Mon 2026-12-07" in result.stdout
    assert "1.8-2.5 km/h" in result.stdout
    assert "Do you worry about falling?" in result.stderr
    assert "Would you like a plan now?" in result.stderr


def test_interactive_screen_asks_again_after_an_invalid_answer(run_cli: RunCli) -> None:
    lines = ["forty", *_interactive_answers(), "n"]
    result = run_cli("screen", "--format", "json", stdin="\n".join(lines) + "\n")
    assert result.exit_code == 0
    assert "Please type a whole number" in result.stderr
    data = json.loads(result.stdout)
    assert data["decision"] == "cleared"
    assert "plan" not in data
    assert [a["answer"] for a in data["assumptions"]] == ["tug_seconds"]


def test_interactive_json_includes_the_plan_and_can_save_it(
    run_cli: RunCli, tmp_path: Path
) -> None:
    saved = tmp_path / "plan.json"
    lines = [*_interactive_answers(), "", "4", "overground", "", "2026-12-07", str(saved)]
    result = run_cli("screen", "--format", "json", stdin="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["plan"]["sessions_per_week"] == 4
    assert data["plan"]["goal_backward_min"] == 15
    assert Plan.from_json(json.loads(saved.read_text())) == Plan.from_json(data["plan"])


def test_interactive_screen_with_a_red_flag_offers_no_plan(run_cli: RunCli) -> None:
    lines = _interactive_answers(bladder_bowel_change="y")
    result = run_cli("screen", stdin="\n".join(lines) + "\n")
    assert result.exit_code == 0
    assert "URGENT" in result.stdout
    assert "Would you like a plan" not in result.stderr


def test_interactive_input_that_ends_early_is_a_clean_error(run_cli: RunCli) -> None:
    result = run_cli("screen", stdin="45\n4\n")
    _assert_clean_error(result, "input ended before every question was answered")


def test_plan_prints_dated_sessions_and_sources_as_json(run_cli: RunCli, tmp_path: Path) -> None:
    path = _write(tmp_path, "profile.json", profile_json(goal_backward_min=20))
    result = run_cli("plan", "--profile", path, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    first = data["sessions"][0]
    assert first["date"] == "2026-12-07"
    assert first["week"] == 1
    assert first["warmup_forward_min"] == 5
    assert first["backward_min"] == 5
    assert "ansari2020" in data["sources"]


def test_plan_text_names_the_protocol_and_extrapolations(run_cli: RunCli, tmp_path: Path) -> None:
    path = _write(tmp_path, "profile.json", profile_json())
    result = run_cli("plan", "--profile", path)
    assert result.exit_code == 0
    assert "Dose follows" in result.stdout
    assert "Ansari S" in result.stdout
    assert "Where this plan extrapolates" in result.stdout


def test_plan_is_refused_when_the_screening_is_not_cleared(run_cli: RunCli, tmp_path: Path) -> None:
    profile = profile_json(screening_answers=clear_answers_json(fell_past_year=True))
    result = run_cli("plan", "--profile", _write(tmp_path, "p.json", profile))
    _assert_clean_error(result, "No plan", "see_clinician", "fell in the past year")


@pytest.mark.parametrize(
    ("profile", "needles"),
    [
        (profile_json(start_date="2026-02-30"), ("start_date", "not a real date")),
        (profile_json(weeks=-3), ("weeks", "greater than or equal to 1")),
        (
            profile_json(screening_answers=clear_answers_json(pain_now_nprs=11)),
            ("screening_answers.pain_now_nprs", "less than or equal to 10"),
        ),
        (profile_json(colour="red"), ("colour", "unknown key")),
        (profile_json(sessions_per_week="3"), ("sessions_per_week",)),
    ],
)
def test_bad_profiles_exit_2_naming_field_and_problem(
    run_cli: RunCli, tmp_path: Path, profile: dict[str, Any], needles: tuple[str, ...]
) -> None:
    result = run_cli("plan", "--profile", _write(tmp_path, "p.json", profile))
    _assert_clean_error(result, *needles)


def test_missing_required_answers_exit_2_naming_the_answer(run_cli: RunCli) -> None:
    answers = clear_answers_json()
    del answers["pregnant"]
    result = run_cli("screen", "--answers", "-", stdin=json.dumps(answers))
    _assert_clean_error(result, "pregnant", "Field required")


def test_malformed_json_exits_2_with_line_and_column(run_cli: RunCli, tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.json", '{\n  "age_years": 45,\n  oops\n}')
    result = run_cli("screen", "--answers", path)
    _assert_clean_error(result, "line 3", "column 3", "not valid JSON")


def test_a_missing_file_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("plan", "--profile", str(tmp_path / "nope.json"))
    _assert_clean_error(result, "field 'profile': file not found")


def test_an_unknown_format_is_a_usage_error(run_cli: RunCli) -> None:
    result = run_cli("screen", "--answers", "-", "--format", "xml", stdin="{}")
    assert result.exit_code == 2
    assert "Traceback" not in result.stdout + result.stderr


def _plan_file(run_cli: RunCli, tmp_path: Path) -> str:
    profile = _write(tmp_path, "profile.json", profile_json(goal_backward_min=30))
    result = run_cli("plan", "--profile", profile, "--format", "json")
    assert result.exit_code == 0
    return _write(tmp_path, "plan.json", result.stdout)


def _log_entry(day: str, **changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "date": day,
        "backward_min_done": 5,
        "pain_before": 3,
        "pain_max": 4,
        "pain_after": 3,
        "pain_next_morning": 3,
        "rpe": 3,
        "events": [],
    }
    entry.update(changes)
    return entry


def test_progress_reads_the_plan_that_plan_wrote(run_cli: RunCli, tmp_path: Path) -> None:
    plan = _plan_file(run_cli, tmp_path)
    log = _write(tmp_path, "log.json", [_log_entry(f"2026-12-{d:02d}") for d in (7, 9, 11)])
    result = run_cli("progress", "--plan", plan, "--log", log, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["action"] == "progress"
    assert data["next_backward_min"] == 10
    assert data["reasons"][0]["rule"] == "all_clear"


def test_progress_after_a_fall_pauses_and_writes_a_paused_revision(
    run_cli: RunCli, tmp_path: Path
) -> None:
    plan = _plan_file(run_cli, tmp_path)
    log = _write(tmp_path, "log.json", [_log_entry("2026-12-07", events=["fall"])])
    revised = tmp_path / "revised.json"
    result = run_cli("progress", "--plan", plan, "--log", log, "--revised-plan", str(revised))
    assert result.exit_code == 0
    assert "PAUSE" in result.stdout
    assert "clinician" in result.stdout
    data = json.loads(revised.read_text())
    assert data["status"] == "paused"
    assert data["revision"] == 2


def test_progress_with_a_bad_log_entry_names_the_entry_and_field(
    run_cli: RunCli, tmp_path: Path
) -> None:
    plan = _plan_file(run_cli, tmp_path)
    entries = [_log_entry("2026-12-07"), _log_entry("2026-12-09", pain_max=11)]
    result = run_cli("progress", "--plan", plan, "--log", _write(tmp_path, "l.json", entries))
    _assert_clean_error(result, "1.pain_max", "less than or equal to 10")


def test_progress_with_an_empty_log_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    plan = _plan_file(run_cli, tmp_path)
    result = run_cli("progress", "--plan", plan, "--log", _write(tmp_path, "l.json", []))
    _assert_clean_error(result, "no entries")


def test_progress_with_an_edited_plan_names_the_bad_field(run_cli: RunCli, tmp_path: Path) -> None:
    plan_path = Path(_plan_file(run_cli, tmp_path))
    data = json.loads(plan_path.read_text())
    data["sessions"][2]["date"] = "2026-02-30"
    plan_path.write_text(json.dumps(data))
    log = _write(tmp_path, "log.json", [_log_entry("2026-12-07")])
    result = run_cli("progress", "--plan", str(plan_path), "--log", log)
    _assert_clean_error(result, "sessions.2.date", "not a valid date")


def test_progress_rejects_a_profile_given_as_the_plan(run_cli: RunCli, tmp_path: Path) -> None:
    plan = _write(tmp_path, "profile.json", profile_json())
    log = _write(tmp_path, "log.json", [_log_entry("2026-12-07")])
    result = run_cli("progress", "--plan", plan, "--log", log)
    _assert_clean_error(result, "unknown key")


def test_interactive_screen_asks_again_for_a_value_out_of_the_questions_range(
    run_cli: RunCli,
) -> None:
    lines = _interactive_answers(tug_seconds="0\n9.5")
    result = run_cli("screen", "--format", "json", stdin="\n".join([*lines, "n"]) + "\n")
    assert result.exit_code == 0, result.stderr
    assert "Please type a number from 1 to 300." in result.stderr
    assert json.loads(result.stdout)["assumptions"] == []


def test_interactive_save_to_a_bad_path_asks_again(run_cli: RunCli, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    bad = tmp_path / "no-such-folder" / "plan.json"
    lines = [*_interactive_answers(), "", "3", "overground", "", "2026-12-07", str(bad), str(saved)]
    result = run_cli("screen", stdin="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.stderr
    assert "Not saved: cannot write file" in result.stderr
    assert Plan.from_json(json.loads(saved.read_text())).sessions_per_week == 3


class _InterruptedStdin:
    """Standard input on which the person presses Ctrl-C after the given lines."""

    def __init__(self, text: str) -> None:
        self._lines = io.StringIO(text)

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        line = self._lines.readline()
        if not line:
            raise KeyboardInterrupt
        return line


def test_ctrl_c_in_the_interactive_screen_stops_cleanly(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", _InterruptedStdin("45\n4\n"))
    result = run_cli("screen")
    assert result.exit_code == 130
    assert "Traceback" not in result.stderr
    assert "Stopped: no answers were kept" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "line 1, column 1: not valid JSON"),
        (b'{"age_years": \xff}', "not UTF-8 text (byte 0xff at offset 14)"),
        (b"[1, 2]", "expected a JSON object, got a list"),
    ],
)
@pytest.mark.parametrize("command", [("screen", "--answers"), ("plan", "--profile")])
def test_hostile_files_exit_2_with_a_plain_message(
    run_cli: RunCli, tmp_path: Path, content: bytes, needle: str, command: tuple[str, str]
) -> None:
    path = tmp_path / "input.json"
    path.write_bytes(content)
    _assert_clean_error(run_cli(*command, str(path)), needle)


def test_nan_in_the_answers_exits_2_naming_the_field(run_cli: RunCli) -> None:
    answers = json.dumps(clear_answers_json(pain_duration_weeks=float("nan")))
    result = run_cli("screen", "--answers", "-", stdin=answers)
    _assert_clean_error(result, "field 'pain_duration_weeks': Input should be a finite number")


def test_a_directory_given_as_a_file_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("progress", "--plan", str(tmp_path), "--log", "-", stdin="[]")
    _assert_clean_error(result, "field 'plan': is a directory, not a file")


def test_progress_keeps_an_earlier_reduction_without_a_revised_plan_file(
    run_cli: RunCli, tmp_path: Path
) -> None:
    plan = _plan_file(run_cli, tmp_path)
    entries = [_log_entry("2026-12-07", pain_next_morning=6), _log_entry("2026-12-09")]
    log = _write(tmp_path, "log.json", entries)
    revised = tmp_path / "plan-r2.json"
    result = run_cli("progress", "--plan", plan, "--log", log, "--revised-plan", str(revised))
    assert result.exit_code == 0, result.stderr
    assert "Session 3: 3 backward minutes." in result.stdout
    assert "Carried over: after session 1 the dose was reduced" in result.stdout
    written = Plan.from_json(json.loads(revised.read_text()))
    assert [(h.after_session, h.change) for h in written.history] == [
        (1, "reduce"),
        (2, "progress"),
    ]
    again = run_cli("progress", "--plan", str(revised), "--log", log, "--format", "json")
    assert json.loads(again.stdout)["next_backward_min"] == 3


def test_progress_refuses_a_session_dated_before_the_plan_starts(
    run_cli: RunCli, tmp_path: Path
) -> None:
    plan = _plan_file(run_cli, tmp_path)
    log = _write(tmp_path, "log.json", [_log_entry("2026-11-30")])
    result = run_cli("progress", "--plan", plan, "--log", log)
    _assert_clean_error(result, "log.json", "field '0.date'", "before the plan's start date")


def test_screen_text_marks_provisional_sources(run_cli: RunCli) -> None:
    answers = json.dumps(clear_answers_json(tug_seconds=12, pain_now_nprs=7))
    result = run_cli("screen", "--answers", "-", stdin=answers)
    assert "steadi_tug [C-2nd, provisional]" in result.stdout
    assert "retrowalk_rules [our choice]" in result.stdout
