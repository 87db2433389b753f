"""Is a person's usual pain rising? One definition for the progression rule and the clinician's
overview, so the dose is never raised while the overview flags "pain rising".

Usual pain is the pain before a session (NPRS 0-10), read from the current program's log by
local calendar date (:func:`usual_pain_rise_in_log`). It is rising when the latest value is at
least ``USUAL_PAIN_RISE_HOLD_NPRS`` (2) points above the LOWEST value of the sessions in the
``USUAL_PAIN_WINDOW_DAYS`` (28) days before it. 2 points is the NPRS minimal detectable and
clinically important change in low back pain (Childs et al. Spine 2005; Ostelo et al. Spine 2008,
evidence.md §4.1); the 28-day window is our choice (about the length of the studied programs,
3-4 weeks). Comparing with the recent low rather than the first session also catches a rise
after an improvement (5, 3, 5), and an old low does not count for ever.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from retrowalk.domain.session_log import SessionLogEntry
from retrowalk.domain.thresholds import USUAL_PAIN_RISE_HOLD_NPRS, USUAL_PAIN_WINDOW_DAYS

WINDOW = dt.timedelta(days=USUAL_PAIN_WINDOW_DAYS)


def usual_pain_rise(
    latest: tuple[dt.date, float], earlier: Sequence[tuple[dt.date, float]]
) -> tuple[float, float] | None:
    """``(lowest, latest)`` pain when ``latest`` is at least 2 points above the lowest of the
    ``earlier`` values dated within the 28 days before it (and not after it), else ``None``."""
    latest_at, latest_pain = latest
    recent = [pain for at, pain in earlier if dt.timedelta(0) <= latest_at - at <= WINDOW]
    if not recent:
        return None
    lowest = min(recent)
    return (lowest, latest_pain) if latest_pain - lowest >= USUAL_PAIN_RISE_HOLD_NPRS else None


def usual_pain_rise_in_log(log: Sequence[SessionLogEntry]) -> tuple[float, float] | None:
    """The rule on a program's log as the progression reads it: entries in date order (the
    person's local calendar dates), the latest judged against the ones before it. The
    overview's flag calls this with the same log (the current program's sessions), so the two
    cannot disagree over dates, time zones or which sessions count."""
    if not log:
        return None
    ordered = sorted(log, key=lambda entry: entry.date)
    last = ordered[-1]
    return usual_pain_rise(
        (last.date, last.pain_before), [(entry.date, entry.pain_before) for entry in ordered[:-1]]
    )
