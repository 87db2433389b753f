"""One logged retro-walking session: minutes done, pain before/during/after, effort, events.

Pain is the 0-10 numeric rating (NPRS); effort is Borg CR10 (0-10). ``pain_next_morning`` is the
24-hour response of the pain-monitoring model (evidence.md §6) and may be logged later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

SessionEvent = Literal["fall", "near_fall", "dizziness", "new_red_flag"]
SESSION_EVENTS: tuple[SessionEvent, ...] = ("fall", "near_fall", "dizziness", "new_red_flag")
STOP_EVENTS: frozenset[SessionEvent] = frozenset({"fall", "near_fall", "new_red_flag"})
"""Events that always pause the program and send the person to a clinician."""


@dataclass(frozen=True)
class SessionLogEntry:
    """What happened in one session (values already validated at the boundary)."""

    date: dt.date
    backward_min_done: float
    pain_before: int
    pain_max: int
    pain_after: int
    pain_next_morning: int | None = None
    rpe: float | None = None
    events: tuple[SessionEvent, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "date": self.date.isoformat(),
            "backward_min_done": self.backward_min_done,
            "pain_before": self.pain_before,
            "pain_max": self.pain_max,
            "pain_after": self.pain_after,
            "events": [*self.events],
        }
        if self.pain_next_morning is not None:
            data["pain_next_morning"] = self.pain_next_morning
        if self.rpe is not None:
            data["rpe"] = self.rpe
        return data
