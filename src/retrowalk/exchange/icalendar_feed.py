"""The program as an iCalendar (RFC 5545) feed a patient can subscribe to.

One ``VEVENT`` per planned session: a stable ``UID`` built from the program and session ids
(so a calendar app updates an event instead of duplicating it when the feed is fetched again),
``DTSTAMP`` at generation time (UTC), a start at the patient's preferred time of day in their
own time zone (with its ``VTIMEZONE``), the session's whole length as ``DURATION``, and the
dose and cues in ``DESCRIPTION``. A paused program keeps its events, marked ``CANCELLED``, so
subscribed calendars stop showing them as due; a completed program has no future sessions to
show, so it keeps the events as they were.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event

from retrowalk.errors import InputError
from retrowalk.exchange.records import (
    PatientRecord,
    PlannedSessionRecord,
    ProgramRecord,
    describe_dose,
    require_aware,
)

__all__ = ["NOT_MEDICAL_ADVICE", "calendar_for_program", "event_uid"]

PRODID = "-//retrowalk//retro-walking program//EN"
NOT_MEDICAL_ADVICE = (
    "retrowalk informs and supports; it is not medical advice. Stop and contact your clinician "
    "if you fall, nearly fall, or have new or worsening symptoms."
)


def event_uid(program: ProgramRecord, session: PlannedSessionRecord) -> str:
    """The stable UID of a planned session's event (same ids -> same UID, on every fetch)."""
    return f"{program.program_id}.{session.session_id}@retrowalk"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone '{name}'", field="time_zone") from None


def calendar_for_program(
    patient: PatientRecord,
    program: ProgramRecord | None,
    *,
    generated_at: datetime,
    session_time: time = time(18, 0),
    changed_at: datetime | None = None,
) -> bytes:
    """Render the program's planned sessions as an iCalendar document (UTF-8 bytes).

    Without a program (none prescribed yet) the calendar is valid and empty, so a subscription
    made early starts showing sessions once there is a plan. ``changed_at``: when the events
    last changed (a plan revision, the person's session time or time zone); their SEQUENCE
    grows with it, as RFC 5545 §3.8.7.4 asks for a changed start. Without it, the program's
    revision number is the SEQUENCE.
    """
    require_aware(generated_at, field_name="generated_at")
    zone = _zone(patient.time_zone)
    stamp = generated_at.astimezone(ZoneInfo("UTC"))
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    title = program.title if program is not None else "no program yet"
    calendar.add("x-wr-calname", f"retrowalk: {title}")
    calendar.add("x-wr-timezone", patient.time_zone)
    if program is not None:
        for session in program.sessions:
            event = _event(program, session, zone, stamp, session_time)
            event.add("sequence", _sequence(program, changed_at))
            calendar.add_component(event)
    calendar.add_missing_timezones()
    data: bytes = calendar.to_ical()
    return data


def _event(
    program: ProgramRecord,
    session: PlannedSessionRecord,
    zone: ZoneInfo,
    stamp: datetime,
    session_time: time,
) -> Event:
    event = Event()
    event.add("uid", event_uid(program, session))
    event.add("dtstamp", stamp)
    event.add("dtstart", datetime.combine(session.scheduled_on, session_time, tzinfo=zone))
    event.add("duration", timedelta(minutes=session.total_min))
    summary = f"Retro-walking: {session.backward_min:g} min backward"
    if program.status == "paused":
        summary = f"(paused) {summary}"
    event.add("summary", summary)
    lines = [describe_dose(session)]
    if session.cues:
        lines.append("Cues: " + "; ".join(session.cues) + ".")
    if program.status == "paused":
        lines.append("Your program is paused: talk to your clinician before walking backward.")
    lines.append(NOT_MEDICAL_ADVICE)
    event.add("description", "\n".join(lines))
    event.add("status", "CANCELLED" if program.status == "paused" else "CONFIRMED")
    event.add("categories", ["retrowalk"])
    return event


_SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=ZoneInfo("UTC"))


def _sequence(program: ProgramRecord, changed_at: datetime | None) -> int:
    """Minutes from 2020 to the last change: it only grows, and stays far below iCalendar's
    32-bit INTEGER for centuries."""
    if changed_at is None:
        return program.revision
    require_aware(changed_at, field_name="changed_at")
    return max(program.revision, int((changed_at - _SEQUENCE_EPOCH).total_seconds() // 60))
