"""Which questionnaires are due for a patient today (a schedule rule of the web app).

- NPRS (pain, 0-10): weekly, so the pain chart has one point a week.
- A disability questionnaire (ODI or RMDQ; either one fills the slot) and the STarT Back tool:
  at baseline (never done yet) and again every 4 weeks.

The weekly and 4-weekly rhythm is the one issue 5 asks for; it matches the follow-ups in the
retro-walking trials (3-6 week programs, evidence.md §1, §6) but is our schedule, not a
published rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

NPRS_EVERY_DAYS = 7
FOUR_WEEKLY_DAYS = 28


@dataclass(frozen=True)
class Slot:
    """A schedule slot: the instruments that fill it, how often, and why it is asked."""

    name: str
    instruments: tuple[str, ...]
    every_days: int
    why: str


SLOTS: tuple[Slot, ...] = (
    Slot("Pain this week (NPRS)", ("nprs",), NPRS_EVERY_DAYS, "every week"),
    Slot(
        "Back pain and daily life (ODI or RMDQ)",
        ("odi", "rmdq"),
        FOUR_WEEKLY_DAYS,
        "at the start and every 4 weeks",
    ),
    Slot("STarT Back", ("start_back",), FOUR_WEEKLY_DAYS, "at the start and every 4 weeks"),
)


@dataclass(frozen=True)
class Due:
    slot: Slot
    last_done: dt.date | None


def due_today(done: Sequence[tuple[str, dt.date]], today: dt.date) -> list[Due]:
    """The slots due on ``today`` given ``(instrument id, local date)`` of past assessments."""
    result: list[Due] = []
    for slot in SLOTS:
        dates = [day for instrument, day in done if instrument in slot.instruments]
        last = max(dates) if dates else None
        if last is None or (today - last).days >= slot.every_days:
            result.append(Due(slot, last))
    return result
