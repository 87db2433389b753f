from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from retrowalk.errors import InputError
from retrowalk.exchange.icalendar_feed import calendar_for_program
from retrowalk.exchange.records import PatientRecord

from .samples import sample_program

PATIENT = PatientRecord("pat-42", "Alex Example", time_zone="Europe/Berlin")
AT = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


def parsed(**changes: object) -> Calendar:
    program = replace(sample_program(), **changes)  # type: ignore[arg-type]
    return Calendar.from_ical(calendar_for_program(PATIENT, program, generated_at=AT))


def test_the_feed_is_icalendar_version_2_with_one_event_per_planned_session() -> None:
    calendar = parsed()
    assert str(calendar["VERSION"]) == "2.0"
    assert len(calendar.events) == len(sample_program().sessions)
    assert calendar.walk("VTIMEZONE")


def test_every_event_has_a_uid_and_a_utc_dtstamp() -> None:
    for event in parsed().events:
        assert str(event["UID"]).endswith("@retrowalk")
        assert event.decoded("DTSTAMP") == AT


def test_uids_are_stable_between_fetches_and_unique() -> None:
    program = sample_program()
    first = Calendar.from_ical(calendar_for_program(PATIENT, program, generated_at=AT))
    later = Calendar.from_ical(
        calendar_for_program(PATIENT, program, generated_at=AT + timedelta(days=3))
    )
    uids = [str(e["UID"]) for e in first.events]
    assert uids == [str(e["UID"]) for e in later.events]
    assert len(set(uids)) == len(uids)


def test_an_event_starts_at_the_session_time_in_the_patients_zone_and_lasts_the_dose() -> None:
    event = parsed().events[0]
    start = event.decoded("DTSTART")
    assert start == datetime(2026, 1, 5, 18, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert event.decoded("DURATION") == timedelta(minutes=5 + 5 + 2 + 3)


def test_the_description_gives_the_dose_and_the_cues() -> None:
    description = str(parsed().events[0]["DESCRIPTION"])
    assert "backward walking 5 min" in description
    assert "Glance over your shoulder; Stand tall" in description
    assert "not medical advice" in description


def test_a_paused_program_marks_its_events_cancelled() -> None:
    events = parsed(status="paused").events
    assert {str(e["STATUS"]) for e in events} == {"CANCELLED"}
    assert str(events[0]["SUMMARY"]).startswith("(paused)")


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(InputError, match="unknown time zone 'Mars/Olympus'"):
        calendar_for_program(
            replace(PATIENT, time_zone="Mars/Olympus"), sample_program(), generated_at=AT
        )


def test_a_naive_generation_time_is_refused() -> None:
    with pytest.raises(InputError, match="no timezone"):
        calendar_for_program(PATIENT, sample_program(), generated_at=datetime(2026, 1, 1))


def test_without_a_program_the_calendar_is_valid_and_empty() -> None:
    calendar = Calendar.from_ical(calendar_for_program(PATIENT, None, generated_at=AT))
    assert str(calendar["VERSION"]) == "2.0"
    assert calendar.events == []
