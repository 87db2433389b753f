"""How values read on a page: local dates, metric or imperial speeds, pain and effort lists."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any, Literal

from retrowalk.domain.prescription import plain_pace_text
from retrowalk.errors import NotFoundError
from retrowalk.evidence.loader import load_evidence
from retrowalk.gait.direction import (
    REASON_LOOP_MISMATCH,
    REASON_NO_MOVEMENT,
    REASON_NOT_PERIODIC,
    REASON_SENSOR_MOVED,
    REASON_TOO_SHORT,
    REASON_WEAK_EVIDENCE,
)
from retrowalk.gait.pipeline import DIRECTION_OFF_REASON

Units = Literal["metric", "imperial"]

KM_PER_MILE = 1.609344
"""International mile (exact by definition)."""

CR10_LABELS: dict[int, str] = {
    0: "nothing at all",
    1: "very weak",
    2: "weak (light)",
    3: "moderate",
    4: "somewhat strong",
    5: "strong (heavy)",
    7: "very strong",
    10: "extremely strong (almost maximal)",
}
"""Borg CR10 verbal anchors, evidence.md §4.7 [C-2nd] (Borg 1982)."""


def zone(name: str | None) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def local_date(moment: dt.datetime, tz: dt.tzinfo) -> dt.date:
    return moment.astimezone(tz).date()


def date_text(day: dt.date) -> str:
    """'Mon 3 Nov 2026': unambiguous in every locale."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def datetime_text(moment: dt.datetime, tz: dt.tzinfo) -> str:
    local = moment.astimezone(tz)
    return f"{date_text(local.date())}, {local:%H:%M}"


def speed_text(speed_kmh: float, units: Units) -> str:
    if units == "imperial":
        return f"{speed_kmh / KM_PER_MILE:.1f} mph"
    return f"{speed_kmh:.1f} km/h"


_DIRECTION_REASONS: tuple[tuple[str, str], ...] = (
    (REASON_NOT_PERIODIC, "no steady rhythm of steps (turning, stopping or shuffling)"),
    (REASON_NO_MOVEMENT, "too little movement to tell"),
    (REASON_TOO_SHORT, "too short to tell"),
    (REASON_WEAK_EVIDENCE, "the movement did not clearly show which way"),
    (REASON_LOOP_MISMATCH, "the movement matched neither forward nor backward walking clearly"),
    (
        REASON_SENSOR_MOVED,
        "the phone or sensor seems to have moved on the body since the warm-up",
    ),
    (DIRECTION_OFF_REASON, "direction was not estimated"),
)


def direction_reason_text(reason: str) -> str:
    """Why a bout's direction is unknown, in plain words for a page (the analysis's own
    wording, :mod:`retrowalk.gait.direction`, stays in the JSON); a reason without plain words
    is shown as it is."""
    return next((plain for start, plain in _DIRECTION_REASONS if reason.startswith(start)), reason)


def clock_text(seconds: float) -> str:
    """A time into a recording as ``m:ss`` (``h:mm:ss`` from an hour on), e.g. ``2:05``."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


_KMH = re.compile(r"(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))? km/h(?: \(\d+-\d+ mph(?:\)|(?:;|,) ?))?")


def _in_miles(text: str) -> str:
    """Every "3.2 km/h" or "1.6-3.2 km/h" in the plan's text in mph (the plan's own words stay;
    "(1-2 mph" after a range is dropped: it would say the same twice)."""

    def convert(match: re.Match[str]) -> str:
        low = float(match.group(1)) / KM_PER_MILE
        high = match.group(2)
        speed = f"{low:.1f}" if high is None else f"{low:.1f}-{float(high) / KM_PER_MILE:.1f}"
        return f"{speed} mph" + (" (" if match.group(0).endswith((";", "; ", ",", ", ")) else "")

    return _KMH.sub(convert, text)


def pace_text(pace: dict[str, Any], setting: str, units: Units) -> str:
    """The plan's pace guidance in the user's units, with its treadmill speed range."""
    text = plain_pace_text(str(pace.get("text", "")))
    if units == "imperial":
        text = _in_miles(text)
    low, high = pace.get("speed_kmh_min"), pace.get("speed_kmh_max")
    if setting == "treadmill" and isinstance(low, int | float) and isinstance(high, int | float):
        text += f" Treadmill speed: {speed_text(low, units)} to {speed_text(high, units)}."
    return text.strip()


def number_text(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    shown = str(int(value)) if float(value).is_integer() else f"{value:.1f}"
    return f"{shown} {unit}".strip()


def source_text(source_id: str) -> str:
    """A source id (a plan's, a screening rule's) as a citation with its confirmation status,
    from the evidence base; an id the evidence base does not know is shown as it is."""
    try:
        study = load_evidence().study(source_id)
    except NotFoundError:
        return source_id
    return f"{study.citation} [{study.status}]"
