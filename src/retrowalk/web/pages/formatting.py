"""How values read on a page: local dates, metric or imperial speeds, pain and effort lists."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any, Literal

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


def clock_text(seconds: float) -> str:
    """A time into a recording as ``m:ss`` (``h:mm:ss`` from an hour on), e.g. ``2:05``."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def pace_text(pace: dict[str, Any], setting: str, units: Units) -> str:
    """The plan's pace guidance with its treadmill speed range in the user's units."""
    text = str(pace.get("text", ""))
    low, high = pace.get("speed_kmh_min"), pace.get("speed_kmh_max")
    if setting == "treadmill" and isinstance(low, int | float) and isinstance(high, int | float):
        text += f" Treadmill speed: {speed_text(low, units)} to {speed_text(high, units)}."
    return text.strip()


def number_text(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    shown = str(int(value)) if float(value).is_integer() else f"{value:.1f}"
    return f"{shown} {unit}".strip()
