"""Program prescription: a cleared profile in, a dated week-by-week retro-walking plan out.

Dose rules (constants and sources in :mod:`retrowalk.domain.thresholds`):

- Week 1: at most 5 backward min/session — 5 min for someone who has walked backward before,
  3 min otherwise, or the person's current tolerance if lower ([C-2nd] + our choice).
- Then the dose rises by at most 5 min per week up to the goal (15-30 min), never above 30 min.
  No validated weekly progression rate exists (evidence.md §6 [NC]); the step is our choice,
  close to Chitkara's 10 -> 30 min over 6 weeks.
- Early weeks interleave 1-minute backward blocks with 1 minute forward (Dufek 2025 news
  [C-2nd]); weeks 3-4 use blocks up to 5 min; from week 5 the backward bout is continuous.
- Spacing: 3 sessions a week on days 1, 3, 5 of each 7-day week (never two days in a row);
  4 a week on days 1, 2, 4, 6 (at most one pair of consecutive days a week, never three in a
  row, a rest day after the pair) — our rule; 4x/week follows Whitley 2011, which gave no days.
- Each plan names the study protocol it follows and every way it departs from it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from retrowalk.domain.plan import Block, Pace, Plan, PlannedSession, Setting
from retrowalk.domain.protocols import TEMPLATES, ProtocolTemplate, default_template
from retrowalk.domain.screening import ScreeningAnswers, screen
from retrowalk.domain.thresholds import (
    CONTINUOUS_FROM_WEEK,
    COOLDOWN_FORWARD_MIN,
    EARLY_BLOCK_MIN,
    EXPERIENCED_START_MIN,
    FORWARD_BETWEEN_BLOCKS_MIN,
    GOAL_MAX_BACKWARD_MIN,
    GOAL_MIN_BACKWARD_MIN,
    INTERLEAVED_WEEKS,
    MAX_BACKWARD_MIN,
    MIDDLE_BLOCK_MIN,
    MIN_BACKWARD_MIN,
    NOVICE_START_MIN,
    PAIN_DURING_MAX_NPRS,
    RULES_VERSION,
    TREADMILL_FRACTION_OF_FORWARD_MAX,
    TREADMILL_FRACTION_OF_FORWARD_MIN,
    TREADMILL_START_KMH_MAX,
    TREADMILL_START_KMH_MIN,
    WARMUP_FORWARD_MIN,
    WEEK1_MAX_BACKWARD_MIN,
    WEEKLY_STEP_MAX_MIN,
)
from retrowalk.errors import InputError, NotAllowedError

MAX_WEEKS = 52
SESSION_DAYS: dict[int, tuple[int, ...]] = {3: (0, 2, 4), 4: (0, 1, 3, 5)}
"""Day offsets of the sessions within each 7-day week, by sessions per week."""
SCHEDULE_RULES: dict[int, str] = {
    3: "3 sessions a week on days 1, 3 and 5 of each week: a rest day after every session.",
    4: (
        "4 sessions a week on days 1, 2, 4 and 6 of each week: never three days in a row, at "
        "most one pair of consecutive days a week, always a rest day after it (our rule)."
    ),
}


@dataclass(frozen=True)
class Profile:
    """What a plan is built from: the screening answers and the person's choices."""

    screening_answers: ScreeningAnswers
    sessions_per_week: int
    setting: Setting
    goal_backward_min: int
    start_date: dt.date
    current_backward_min: int | None = None
    forward_speed_kmh: float | None = None
    template: str | None = None
    weeks: int | None = None

    def __post_init__(self) -> None:
        if self.sessions_per_week not in SESSION_DAYS:
            raise InputError("must be 3 or 4", field="sessions_per_week")
        if not GOAL_MIN_BACKWARD_MIN <= self.goal_backward_min <= GOAL_MAX_BACKWARD_MIN:
            raise InputError(
                f"must be between {GOAL_MIN_BACKWARD_MIN} and {GOAL_MAX_BACKWARD_MIN}",
                field="goal_backward_min",
            )
        if self.current_backward_min is not None and not (
            0 <= self.current_backward_min <= MAX_BACKWARD_MIN
        ):
            raise InputError(
                f"must be between 0 and {MAX_BACKWARD_MIN}", field="current_backward_min"
            )
        if self.weeks is not None and not 1 <= self.weeks <= MAX_WEEKS:
            raise InputError(f"must be between 1 and {MAX_WEEKS}", field="weeks")
        speed = self.forward_speed_kmh
        if speed is not None and not MIN_FORWARD_SPEED_KMH <= speed <= MAX_FORWARD_SPEED_KMH:
            raise InputError(
                f"must be from {MIN_FORWARD_SPEED_KMH:g} to {MAX_FORWARD_SPEED_KMH:g} km/h",
                field="forward_speed_kmh",
            )
        if self.template is not None and self.template not in TEMPLATES:
            raise InputError(f"expected one of {', '.join(TEMPLATES)}", field="template")


def start_backward_min(profile: Profile) -> int:
    """Week-1 backward minutes per session (never above :data:`WEEK1_MAX_BACKWARD_MIN`)."""
    if profile.current_backward_min is not None:
        start = max(MIN_BACKWARD_MIN, profile.current_backward_min)
    elif profile.screening_answers.walked_backward_before:
        start = EXPERIENCED_START_MIN
    else:
        start = NOVICE_START_MIN
    return min(start, WEEK1_MAX_BACKWARD_MIN)


MIN_FORWARD_SPEED_KMH = 1.0
"""Our input limit, not a clinical threshold: below 1 km/h forward the treadmill range (35-50 %
of it) would round to nothing."""
MAX_FORWARD_SPEED_KMH = 10.0
"""Our input limit: a walking, not a running, pace."""


def weekly_dose_min(week: int, start_min: int, goal_min: int) -> int:
    """Backward minutes per session in ``week``: start, +5 min a week, capped at goal and 30."""
    return min(goal_min, MAX_BACKWARD_MIN, start_min + WEEKLY_STEP_MAX_MIN * (week - 1))


def _weeks_text(weeks: int) -> str:
    return "1 week" if weeks == 1 else f"{weeks} weeks"


def weeks_to_reach(start_min: int, goal_min: int) -> int:
    """The first week in which :func:`weekly_dose_min` reaches the goal."""
    return 1 + math.ceil(max(0, goal_min - start_min) / WEEKLY_STEP_MAX_MIN)


def build_blocks(week: int, backward_min: int) -> tuple[Block, ...]:
    """Split the backward minutes into blocks with forward walking between them.

    Weeks 1-2: 1-minute backward blocks; weeks 3-4: blocks up to 5 min; from week 5 one bout.
    """
    if week <= INTERLEAVED_WEEKS:
        block_min = EARLY_BLOCK_MIN
    elif week < CONTINUOUS_FROM_WEEK:
        block_min = MIDDLE_BLOCK_MIN
    else:
        block_min = max(backward_min, 1)
    blocks: list[Block] = []
    remaining = backward_min
    while remaining > 0:
        if blocks:
            blocks.append(Block("forward", FORWARD_BETWEEN_BLOCKS_MIN))
        length = min(block_min, remaining)
        blocks.append(Block("backward", length))
        remaining -= length
    return tuple(blocks)


def pace_guidance(setting: Setting, forward_speed_kmh: float | None) -> Pace:
    """Slow pace guidance; on a treadmill a km/h range well below the forward pace.

    Half the forward pace as the upper end is practitioner advice [C-2nd, provisional]; the
    lower end (35 %) is our choice. Without a known forward pace, or when half of it would be
    faster than the usual start of 1-2 mph: 1.6-3.2 km/h (1-2 mph) [C-2nd] (a fast forward
    walker, 8 km/h say, would otherwise start backward at up to 4 km/h).

    The text is what the person reads, so it names no evidence grades; where each number comes
    from is in ``sources`` and the plan's notes.
    """
    sources = ("practitioner_treadmill", "retrowalk_rules")
    if setting == "treadmill":
        fast = (
            forward_speed_kmh is not None
            and forward_speed_kmh * TREADMILL_FRACTION_OF_FORWARD_MAX > TREADMILL_START_KMH_MAX
        )
        if forward_speed_kmh is not None and fast:
            low, high = TREADMILL_START_KMH_MIN, TREADMILL_START_KMH_MAX
            text = (
                f"Treadmill at {low:g}-{high:g} km/h, the usual start for walking backward: half "
                f"your forward pace of {forward_speed_kmh:g} km/h would be faster than that. "
                "Start at the low end, hold the handrails, clip on the safety key and do not "
                "change speed during a backward block."
            )
        elif forward_speed_kmh is not None:
            low = round(forward_speed_kmh * TREADMILL_FRACTION_OF_FORWARD_MIN, 1)
            high = round(forward_speed_kmh * TREADMILL_FRACTION_OF_FORWARD_MAX, 1)
            text = (
                f"Treadmill at {low:g}-{high:g} km/h, well below your forward pace of "
                f"{forward_speed_kmh:g} km/h (about half of it at most). Start at the low end, "
                "hold the handrails, clip on the safety key and do not change speed during a "
                "backward block."
            )
        else:
            low, high = TREADMILL_START_KMH_MIN, TREADMILL_START_KMH_MAX
            text = (
                f"Treadmill at {low:g}-{high:g} km/h, the usual start for walking backward. "
                "Start at the low end, hold the handrails, clip on the safety key and do not "
                "change speed during a backward block."
            )
        return Pace(text, low, high, sources)
    text = (
        "Slow and controlled: short steps at a pace at which you could stop at any moment, "
        "about half your forward walking pace or slower."
    )
    return Pace(text, None, None, ("practitioner_treadmill", "practitioner_overground"))


_GRADE_NOTE = re.compile(
    r" ?\(practitioner advice, provisional\)|; practitioner advice, provisional"
)


def plain_pace_text(text: str) -> str:
    """A plan's pace text as a person reads it: without the evidence grade that plans made
    before rules 1.2.1 wrote into it ("(1-2 mph; practitioner advice, provisional)"). Used
    wherever the text is shown (pages, calendar, PDF, FHIR); the plan's sources keep the
    grade."""
    return _GRADE_NOTE.sub("", text)


def session_cues(setting: Setting) -> tuple[str, ...]:
    """Cues for every session (posture, looking back, foot contact, when to stop)."""
    where = (
        "Hold the handrails lightly; keep to the middle of the belt."
        if setting == "treadmill"
        else "Use a clear, flat path you know; walk toward a wall or open space, not toward steps."
    )
    return (
        "Stand tall, trunk upright, eyes ahead.",
        "Glance over your shoulder now and then.",
        "Short steps: toe first, then roll onto the heel.",
        where,
        "Pain during the session may reach but not go above "
        f"{PAIN_DURING_MAX_NPRS}/10; stop at once if you lose balance or feel dizzy.",
    )


def _extrapolations(
    template: ProtocolTemplate, profile: Profile, weeks: int, start: int
) -> tuple[str, ...]:
    study_start = (
        "gave its dose from the first session"
        if template.backward_min_low == template.backward_min_high
        else f"started at {template.backward_min_low} min"
    )
    notes = [
        f"The plan starts at {start} backward min in week 1 and adds at most "
        f"{WEEKLY_STEP_MAX_MIN} min a week; the study {study_start}. This build-up is our "
        "choice: no validated progression rate for backward walking exists.",
        f"The study population was {template.population}; results may differ for you.",
    ]
    if not template.backward_min_low <= profile.goal_backward_min <= template.backward_min_high:
        notes.append(
            f"Your goal of {profile.goal_backward_min} min per session differs from the "
            f"study's dose ({template.dose_text})."
        )
    if profile.sessions_per_week != template.sessions_per_week:
        notes.append(
            f"{profile.sessions_per_week} sessions a week instead of the study's "
            f"{template.sessions_per_week}."
        )
    if weeks != template.weeks:
        notes.append(f"{_weeks_text(weeks)} instead of the study's {template.weeks}.")
    if template.setting is None:
        notes.append("The study did not report treadmill or overground walking.")
    elif template.setting != profile.setting:
        notes.append(f"{profile.setting.capitalize()} instead of the study's {template.setting}.")
    if template.combined_with.startswith("conventional"):
        notes.append(
            f"In the study, backward walking was added to {template.combined_with}; this plan "
            "covers the backward walking only."
        )
    notes.append(
        "Interleaved 1-minute blocks, the forward warm-up and cool-down, and the pace range "
        "follow practitioner advice (provisional) rather than the study."
    )
    return tuple(notes)


def prescribe(profile: Profile) -> Plan:
    """Build a plan for ``profile``; refuse with :class:`NotAllowedError` unless cleared."""
    result = screen(profile.screening_answers)
    if not result.cleared:
        why = " ".join(reason.text for reason in result.reasons)
        raise NotAllowedError(
            f"No plan: the screening decision is '{result.decision}', not 'cleared'. "
            f"{why} {result.next_step}"
        )
    template = (
        TEMPLATES[profile.template]
        if profile.template is not None
        else default_template(profile.setting, profile.sessions_per_week)
    )
    start = start_backward_min(profile)
    goal = min(profile.goal_backward_min, MAX_BACKWARD_MIN)
    weeks = profile.weeks or min(MAX_WEEKS, max(template.weeks, weeks_to_reach(start, goal) + 1))
    pace = pace_guidance(profile.setting, profile.forward_speed_kmh)
    cues = session_cues(profile.setting)
    sessions: list[PlannedSession] = []
    for week in range(1, weeks + 1):
        dose = weekly_dose_min(week, start, goal)
        for offset in SESSION_DAYS[profile.sessions_per_week]:
            sessions.append(
                PlannedSession(
                    number=len(sessions) + 1,
                    date=profile.start_date + dt.timedelta(days=7 * (week - 1) + offset),
                    week=week,
                    warmup_forward_min=WARMUP_FORWARD_MIN,
                    backward_min=dose,
                    blocks=build_blocks(week, dose),
                    cooldown_forward_min=COOLDOWN_FORWARD_MIN,
                    pace=pace,
                    cues=cues,
                )
            )
    reached = weekly_dose_min(weeks, start, goal)
    follows = [f"{template.citation}: {template.dose_text}."]
    longer = TEMPLATES["chitkara2725"]
    extra_sources: set[str] = set()
    if goal > template.backward_min_high and template is not longer:
        follows.append(
            f"The build-up beyond {template.backward_min_high} min follows {longer.citation}: "
            f"{longer.dose_text}."
        )
        extra_sources.add(longer.id)
    if reached < goal:
        follows.append(
            f"Within {_weeks_text(weeks)} the dose reaches {reached} min, not your goal of "
            f"{goal} min; a longer plan would reach it."
        )
    sources = sorted(
        {
            template.id,
            "practitioner_dose",
            "practitioner_interleave",
            "practitioner_treadmill",
            "practitioner_overground",
            "hadfield2017",
            "whitley2011",
            "silbernagel2007",
            "retrowalk_rules",
            *extra_sources,
        }
    )
    return Plan(
        start_date=profile.start_date,
        weeks=weeks,
        sessions_per_week=profile.sessions_per_week,
        setting=profile.setting,
        goal_backward_min=goal,
        forward_speed_kmh=profile.forward_speed_kmh,
        template=template.id,
        follows=tuple(follows),
        extrapolations=_extrapolations(template, profile, weeks, start),
        schedule_rule=SCHEDULE_RULES[profile.sessions_per_week],
        sources=tuple(sources),
        sessions=tuple(sessions),
        rules_version=RULES_VERSION,
    )
