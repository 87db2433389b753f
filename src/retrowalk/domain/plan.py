"""A retro-walking plan: dated sessions week by week, with its sources and revision history.

A plan is a frozen value. :func:`retrowalk.domain.prescription.prescribe` makes revision 1;
:func:`retrowalk.domain.progression.apply_decision` makes later revisions. ``to_json`` and
``from_json`` round-trip exactly, so ``retrowalk progress --plan FILE`` reads what
``retrowalk plan --format json`` wrote (shape in docs/clinical.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Literal, cast

from retrowalk.domain.json_reader import JsonReader
from retrowalk.domain.thresholds import MAX_BACKWARD_MIN, WEEK1_MAX_BACKWARD_MIN

Setting = Literal["treadmill", "overground"]
SETTINGS: tuple[Setting, ...] = ("treadmill", "overground")
Direction = Literal["backward", "forward"]
PlanStatus = Literal["active", "paused"]
PLAN_FORMAT = "retrowalk-plan/1"


@dataclass(frozen=True)
class Block:
    """One stretch of the main part of a session, walked in one direction."""

    direction: Direction
    duration_min: int

    def to_json(self) -> dict[str, Any]:
        return {"direction": self.direction, "duration_min": self.duration_min}

    @classmethod
    def from_reader(cls, reader: JsonReader) -> Block:
        reader.reject_unknown({"direction", "duration_min"})
        direction = cast(Direction, reader.choice("direction", ("backward", "forward")))
        return cls(direction, reader.integer("duration_min", minimum=1, maximum=MAX_BACKWARD_MIN))


MAX_PACE_KMH = 10.0
"""Our input limit for a planned pace: a walking, not a running, speed (as the prescription's
forward speed, ``domain.prescription.MAX_FORWARD_SPEED_KMH``)."""


@dataclass(frozen=True)
class Pace:
    """How fast to walk backward: plain guidance and, on a treadmill, a speed range in km/h."""

    text: str
    speed_kmh_min: float | None
    speed_kmh_max: float | None
    sources: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "speed_kmh_min": self.speed_kmh_min,
            "speed_kmh_max": self.speed_kmh_max,
            "sources": [*self.sources],
        }

    @classmethod
    def from_reader(cls, reader: JsonReader) -> Pace:
        reader.reject_unknown({"text", "speed_kmh_min", "speed_kmh_max", "sources"})
        pace = cls(
            reader.string("text"),
            reader.optional_float("speed_kmh_min"),
            reader.optional_float("speed_kmh_max"),
            reader.strings("sources"),
        )
        for key in ("speed_kmh_min", "speed_kmh_max"):
            speed = getattr(pace, key)
            if speed is not None and speed > MAX_PACE_KMH:
                raise reader.fail(key, f"must be at most {MAX_PACE_KMH:g} km/h (a walking pace)")
        low, high = pace.speed_kmh_min, pace.speed_kmh_max
        if low is not None and high is not None and low > high:
            raise reader.fail("speed_kmh_min", "must not be above speed_kmh_max")
        return pace


@dataclass(frozen=True)
class PlannedSession:
    """One dated session: forward warm-up, backward blocks (with forward breaks), cool-down."""

    number: int
    date: dt.date
    week: int
    warmup_forward_min: int
    backward_min: int
    blocks: tuple[Block, ...]
    cooldown_forward_min: int
    pace: Pace
    cues: tuple[str, ...]

    @property
    def total_min(self) -> int:
        """Whole session length: warm-up, every block, cool-down."""
        blocks_min = sum(block.duration_min for block in self.blocks)
        return self.warmup_forward_min + blocks_min + self.cooldown_forward_min

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "date": self.date.isoformat(),
            "week": self.week,
            "warmup_forward_min": self.warmup_forward_min,
            "backward_min": self.backward_min,
            "blocks": [block.to_json() for block in self.blocks],
            "cooldown_forward_min": self.cooldown_forward_min,
            "total_min": self.total_min,
            "pace": self.pace.to_json(),
            "cues": [*self.cues],
        }

    @classmethod
    def from_reader(cls, reader: JsonReader) -> PlannedSession:
        reader.reject_unknown(
            {
                "number",
                "date",
                "week",
                "warmup_forward_min",
                "backward_min",
                "blocks",
                "cooldown_forward_min",
                "total_min",
                "pace",
                "cues",
            }
        )
        session = cls(
            number=reader.integer("number", minimum=1, maximum=10_000),
            date=reader.date("date"),
            week=reader.integer("week", minimum=1, maximum=1_000),
            warmup_forward_min=reader.integer("warmup_forward_min", minimum=0, maximum=60),
            backward_min=reader.integer("backward_min", minimum=0, maximum=MAX_BACKWARD_MIN),
            blocks=tuple(Block.from_reader(block) for block in reader.objects("blocks")),
            cooldown_forward_min=reader.integer("cooldown_forward_min", minimum=0, maximum=60),
            pace=Pace.from_reader(reader.object("pace")),
            cues=reader.strings("cues"),
        )
        backward = sum(b.duration_min for b in session.blocks if b.direction == "backward")
        if backward != session.backward_min:
            raise reader.fail("blocks", "backward blocks do not add up to backward_min")
        if reader.raw("total_min", optional=True) not in (None, session.total_min):
            raise reader.fail("total_min", "does not match the warm-up, blocks and cool-down")
        return session


@dataclass(frozen=True)
class Revision:
    """One entry of a plan's history: what changed, after which logged session, and why."""

    revision: int
    change: str
    after_session: int
    note: str

    def to_json(self) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "change": self.change,
            "after_session": self.after_session,
            "note": self.note,
        }

    @classmethod
    def from_reader(cls, reader: JsonReader) -> Revision:
        reader.reject_unknown({"revision", "change", "after_session", "note"})
        return cls(
            reader.integer("revision", minimum=1, maximum=100_000),
            reader.string("change"),
            reader.integer("after_session", minimum=0, maximum=10_000),
            reader.string("note"),
        )


@dataclass(frozen=True)
class Plan:
    """A dated, week-by-week retro-walking plan and where its dose comes from."""

    start_date: dt.date
    weeks: int
    sessions_per_week: int
    setting: Setting
    goal_backward_min: int
    forward_speed_kmh: float | None
    template: str
    follows: tuple[str, ...]
    extrapolations: tuple[str, ...]
    schedule_rule: str
    sources: tuple[str, ...]
    sessions: tuple[PlannedSession, ...]
    rules_version: str
    revision: int = 1
    status: PlanStatus = "active"
    history: tuple[Revision, ...] = ()

    @property
    def end_date(self) -> dt.date:
        return self.sessions[-1].date if self.sessions else self.start_date

    def session(self, number: int) -> PlannedSession | None:
        """The session with this 1-based number, or ``None`` past the end of the plan."""
        return self.sessions[number - 1] if 1 <= number <= len(self.sessions) else None

    def with_changes(self, **changes: Any) -> Plan:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """The plan as JSON (``sessions`` and ``sources`` among the keys; see docs/clinical.md)."""
        return {
            "format": PLAN_FORMAT,
            "revision": self.revision,
            "status": self.status,
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
            "weeks": self.weeks,
            "sessions_per_week": self.sessions_per_week,
            "setting": self.setting,
            "goal_backward_min": self.goal_backward_min,
            "forward_speed_kmh": self.forward_speed_kmh,
            "template": self.template,
            "follows": [*self.follows],
            "extrapolations": [*self.extrapolations],
            "schedule_rule": self.schedule_rule,
            "sources": [*self.sources],
            "sessions": [session.to_json() for session in self.sessions],
            "history": [entry.to_json() for entry in self.history],
            "rules_version": self.rules_version,
        }

    @classmethod
    def from_json(cls, data: Any, *, source: str | None = None) -> Plan:
        """Read a plan written by :meth:`to_json`; anything else raises ``InputError``."""
        reader = JsonReader(data, source=source)
        reader.reject_unknown(
            {
                "format",
                "revision",
                "status",
                "start_date",
                "end_date",
                "weeks",
                "sessions_per_week",
                "setting",
                "goal_backward_min",
                "forward_speed_kmh",
                "template",
                "follows",
                "extrapolations",
                "schedule_rule",
                "sources",
                "sessions",
                "history",
                "rules_version",
            }
        )
        if reader.string("format") != PLAN_FORMAT:
            raise reader.fail("format", f"expected {PLAN_FORMAT!r} (a plan written by retrowalk)")
        sessions = tuple(PlannedSession.from_reader(s) for s in reader.objects("sessions"))
        if not sessions:
            raise reader.fail("sessions", "a plan needs at least one session")
        for index, session in enumerate(sessions, start=1):
            if session.number != index:
                raise reader.fail(f"sessions.{index - 1}.number", f"expected {index}")
            if session.week == 1 and session.backward_min > WEEK1_MAX_BACKWARD_MIN:
                raise reader.fail(
                    f"sessions.{index - 1}.backward_min",
                    f"week 1 allows at most {WEEK1_MAX_BACKWARD_MIN} backward minutes",
                )
            if index > 1 and session.date <= sessions[index - 2].date:
                raise reader.fail(f"sessions.{index - 1}.date", "must be after the previous one")
        start_date = reader.date("start_date")
        weeks = reader.integer("weeks", minimum=1, maximum=52)
        for index, session in enumerate(sessions):
            if session.date < start_date:
                raise reader.fail(f"sessions.{index}.date", "must not be before start_date")
            if session.week > weeks:
                raise reader.fail(f"sessions.{index}.week", f"the plan has {weeks} weeks")
        plan = cls(
            start_date=start_date,
            weeks=weeks,
            sessions_per_week=reader.integer("sessions_per_week", minimum=3, maximum=4),
            setting=cast(Setting, reader.choice("setting", SETTINGS)),
            goal_backward_min=reader.integer(
                "goal_backward_min", minimum=1, maximum=MAX_BACKWARD_MIN
            ),
            forward_speed_kmh=reader.optional_float("forward_speed_kmh"),
            template=reader.string("template"),
            follows=reader.strings("follows"),
            extrapolations=reader.strings("extrapolations"),
            schedule_rule=reader.string("schedule_rule"),
            sources=reader.strings("sources"),
            sessions=sessions,
            rules_version=reader.string("rules_version"),
            revision=reader.integer("revision", minimum=1, maximum=100_000),
            status=cast(PlanStatus, reader.choice("status", ("active", "paused"))),
            history=tuple(Revision.from_reader(r) for r in reader.objects("history")),
        )
        end = reader.raw("end_date", optional=True)
        if end is not None and reader.date("end_date") != plan.end_date:
            raise reader.fail("end_date", "does not match the last session's date")
        return plan
