from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrowalk.exchange.csv_export import (
    BOUT_HEADERS,
    FORMULA_PREFIXES,
    OUTCOME_HEADERS,
    SESSION_HEADERS,
    bouts_csv,
    escape_cell,
    outcomes_csv,
    sessions_csv,
)
from retrowalk.exchange.records import PatientRecord

from .samples import sample_outcomes, sample_sessions

ALEX = PatientRecord("pat-42", "Alex Example")
SAM = PatientRecord("pat-43", "Sam Example")


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_session_headers_carry_units() -> None:
    header = sessions_csv([]).splitlines()[0].split(",")
    assert header == list(SESSION_HEADERS)
    for expected in ("backward_min", "speed_m_s", "pain_before_nprs_0_10", "heart_rate_mean_bpm"):
        assert expected in header


def test_one_row_per_session_with_its_values() -> None:
    rows = rows_of(sessions_csv((ALEX, s) for s in sample_sessions()))
    assert len(rows) == 6
    first = rows[0]
    assert first["patient_id"] == "pat-42"
    assert first["backward_min"] == "5"
    assert first["duration_min"] == "15"
    assert first["started_at_iso8601"] == "2026-01-05T18:00:00+01:00"
    assert first["speed_m_s"] == ""
    assert rows[5]["measured_backward_min"] == "5.6"


def test_a_panel_export_holds_every_patients_sessions_without_names() -> None:
    sessions = sample_sessions()
    text = sessions_csv([(ALEX, sessions[0]), (SAM, sessions[1])])
    assert [row["patient_id"] for row in rows_of(text)] == ["pat-42", "pat-43"]
    assert "Example" not in text


def test_a_note_that_looks_like_a_formula_is_escaped() -> None:
    rows = rows_of(sessions_csv((ALEX, s) for s in sample_sessions()))
    assert rows[3]["notes"] == '\'=HYPERLINK("http://x")'


def test_every_formula_start_character_is_escaped_in_text_cells() -> None:
    session = sample_sessions()[0]
    for prefix in FORMULA_PREFIXES:
        row = rows_of(sessions_csv([(ALEX, replace(session, notes=prefix + "1+1"))]))[0]
        assert row["notes"] == "'" + prefix + "1+1"


@given(st.text())
def test_an_escaped_cell_never_starts_a_formula_and_keeps_its_text(text: str) -> None:
    escaped = escape_cell(text)
    plain_numbers = re.fullmatch(r"-?\d+(\.\d+)?(;-?\d+(\.\d+)?)*", escaped)
    assert not escaped.startswith(FORMULA_PREFIXES) or plain_numbers
    assert escaped.removeprefix("'") == text or escaped == text


@pytest.mark.parametrize("text", ["-5.5", "-5.5;3;-2", "-12"])
def test_negative_numbers_are_left_as_they_are(text: str) -> None:
    assert escape_cell(text) == text


@pytest.mark.parametrize("text", ["-1+2", "-5.5;=A1", "-HYPERLINK(1)", "-"])
def test_a_minus_sign_starting_anything_but_numbers_is_escaped(text: str) -> None:
    assert escape_cell(text) == "'" + text


def test_outcome_rows_carry_score_unit_subscore_and_items() -> None:
    text = outcomes_csv((ALEX, o) for o in sample_outcomes())
    assert text.splitlines()[0].split(",") == list(OUTCOME_HEADERS)
    rows = rows_of(text)
    odi = rows[3]
    assert (odi["instrument"], odi["score"], odi["score_unit"]) == ("odi", "40", "%")
    assert odi["item_values_in_published_order"] == "3;2;2;1;3;2;2;;2;1"
    start_back = rows[5]
    assert start_back["subscore_points"] == "4"


def test_lines_end_with_crlf() -> None:
    assert sessions_csv([(ALEX, sample_sessions()[0])]).endswith("\r\n")


def test_one_row_per_measured_bout_with_its_session_and_units() -> None:
    rows = rows_of(bouts_csv((ALEX, s) for s in sample_sessions()))
    assert list(rows[0]) == list(BOUT_HEADERS)
    assert len(rows) == 3  # only the sixth session has a recording, with three bouts
    first = rows[0]
    assert first["patient_id"] == "pat-42"
    assert first["session_log_id"] == sample_sessions()[5].log_id
    assert first["gait_algorithm_version"] == "gait-1.0"
    assert (first["bout_start_s"], first["bout_duration_s"]) == ("12.5", "287.5")
    assert (first["direction"], first["steps_count"], first["cadence_spm"]) == (
        "forward",
        "410",
        "82.1",
    )
    assert first["speed_m_s"] == ""  # not measured: empty, not zero


def test_a_bout_reason_that_looks_like_a_formula_is_escaped() -> None:
    third = rows_of(bouts_csv((ALEX, s) for s in sample_sessions()))[2]
    assert third["direction_reason"] == "'=weak direction evidence"


def test_sessions_without_a_recording_give_no_bout_rows() -> None:
    unmeasured = [replace(s, measured=None) for s in sample_sessions()]
    assert bouts_csv((ALEX, s) for s in unmeasured).splitlines() == [",".join(BOUT_HEADERS)]


def test_outcome_rows_name_the_band_or_risk_group() -> None:
    rows = rows_of(outcomes_csv((ALEX, o) for o in sample_outcomes()))
    by_instrument = {row["instrument"]: row["band_or_risk_group"] for row in rows}
    assert by_instrument["odi"] == "moderate disability"  # ODI 40 % (Fairbank 21-40 %)
    assert by_instrument["start_back"] in ("low", "medium", "high")


def test_session_rows_carry_the_patients_local_time_and_zone() -> None:
    berlin = replace(ALEX, time_zone="Europe/Berlin")
    session = sample_sessions()[0]
    row = rows_of(sessions_csv([(berlin, session)]))[0]
    local = dt.datetime.fromisoformat(row["started_at_local_iso8601"])
    assert local == session.started_at  # the same moment ...
    assert local.utcoffset() in (dt.timedelta(hours=1), dt.timedelta(hours=2))  # ... on its clock
    assert row["patient_time_zone"] == "Europe/Berlin"
