"""Progression after each session: the next session's dose and an action, with reasons.

Pain-monitoring model (evidence.md §6, all [C-2nd], provisional): pain during a session may reach
but not exceed 5/10; pain must settle to its usual level by the next morning; the 24-hour
response matters most (worse next day -> reduce; settled -> repeat or increase slightly).
Completion and effort (Borg CR10) are our additions. Rules, most serious first:

- ``pause``: a fall, near-fall or new red-flag symptom in any logged session, dizziness in
  2 sessions, or a plan already paused. Always: see a clinician before going on.
- ``reduce``: pain during above 5/10; next-morning pain above the usual (pre-session) level;
  dizziness once; less than half the planned backward minutes done; RPE 7 ("very strong") or
  more. Next dose = 75 % of the last planned one, rounded down, at least 1 min [choice].
- ``repeat``: next-morning pain not logged yet; planned minutes not all done; RPE 5-6; usual
  (pre-session) pain 2 points or more above its lowest in the 28 days before
  (:mod:`retrowalk.domain.pain_trend`, also the overview's "pain rising" flag) [choice; the
  2 points are the NPRS MDC/MCID, Childs 2005].
  Next dose = the last planned dose.
- ``progress``: otherwise. Next dose = the plan's next session, at most 5 min above the last.

A flare (pain above 5/10 or not settled by the next morning) or a fall never increases the dose.
Session ``n`` of the log is matched to planned session ``n`` (sessions are done in order).

Earlier sessions count too: before judging the latest session, :func:`catch_up` applies the
decision after every earlier logged session that the plan's ``history`` does not hold yet. So a
reduction after session 3 (say, pain not settled the next morning) still holds when the next
decision is made from the original plan file and the whole log, and the dose builds up again
from the reduced level, at most 5 min a week. A plan whose history already records those
decisions (``progress --revised-plan`` each time, or the service) is not changed again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from retrowalk.domain.json_reader import MAX_TEXT_CHARS
from retrowalk.domain.pain_trend import usual_pain_rise_in_log
from retrowalk.domain.plan import Plan, PlannedSession, Revision
from retrowalk.domain.prescription import build_blocks
from retrowalk.domain.session_log import STOP_EVENTS, SessionLogEntry
from retrowalk.domain.thresholds import (
    COMPLETION_REDUCE_BELOW,
    DIZZINESS_PAUSE_COUNT,
    MAX_BACKWARD_MIN,
    MIN_BACKWARD_MIN,
    PAIN_DURING_MAX_NPRS,
    REDUCE_FACTOR,
    RPE_HOLD_FROM,
    RPE_REDUCE_FROM,
    USUAL_PAIN_WINDOW_DAYS,
    WEEKLY_STEP_MAX_MIN,
)
from retrowalk.errors import InputError

Action = Literal["progress", "repeat", "reduce", "pause"]
ACTION_ORDER: tuple[Action, ...] = ("progress", "repeat", "reduce", "pause")
"""Actions from least to most cautious; the most cautious one any rule reaches wins."""

_PAIN = ("silbernagel2007", "pain_zones_goom", "pain_24h_response")
_OURS = ("retrowalk_rules",)


@dataclass(frozen=True)
class ProgressionReason:
    """One rule that shaped the decision: its id, the action it asks for, text and sources."""

    rule: str
    action: Action
    text: str
    sources: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "action": self.action,
            "text": self.text,
            "sources": [*self.sources],
        }


@dataclass(frozen=True)
class ProgressionDecision:
    """What to do next: the action, the next session's backward minutes, and why."""

    action: Action
    next_backward_min: int
    reasons: tuple[ProgressionReason, ...]
    based_on_session: int
    next_session: int | None
    see_clinician: bool
    earlier_changes: tuple[Revision, ...] = ()
    """Decisions after earlier sessions (other than ``progress``) carried into this one."""

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "next_backward_min": self.next_backward_min,
            "next_session": self.next_session,
            "based_on_session": self.based_on_session,
            "see_clinician": self.see_clinician,
            "reasons": [reason.to_json() for reason in self.reasons],
            "earlier_changes": [
                {"after_session": change.after_session, "action": change.change}
                for change in self.earlier_changes
            ],
        }


def _more_cautious(first: Action, second: Action) -> Action:
    return max(first, second, key=ACTION_ORDER.index)


def _rules(plan: Plan, log: Sequence[SessionLogEntry], planned_min: int) -> list[ProgressionReason]:
    last = log[-1]
    found: list[ProgressionReason] = []

    def add(rule: str, action: Action, text: str, sources: tuple[str, ...]) -> None:
        found.append(ProgressionReason(rule, action, text, sources))

    if plan.status == "paused":
        add(
            "plan_paused",
            "pause",
            "The program is paused. See a clinician; start again only with a new screening "
            "and plan.",
            _OURS,
        )
    for number, entry in enumerate(log, start=1):
        for event in sorted(STOP_EVENTS.intersection(entry.events)):
            add(
                f"event.{event}",
                "pause",
                f"A {event.replace('_', '-').replace('new-red-flag', 'new red-flag symptom')} "
                f"was logged in session {number}: stop the program and see a clinician before "
                "walking backward again.",
                ("practitioner_stop_rules", *_OURS),
            )
    dizzy = sum(1 for entry in log if "dizziness" in entry.events)
    if dizzy >= DIZZINESS_PAUSE_COUNT:
        add(
            "event.dizziness_repeated",
            "pause",
            f"Dizziness was logged in {dizzy} sessions: pause and see a clinician.",
            ("practitioner_stop_rules", *_OURS),
        )
    elif "dizziness" in last.events:
        add(
            "event.dizziness",
            "reduce",
            "You felt dizzy: the next session is shorter. If it happens again, the program "
            "pauses and you should see a clinician.",
            ("practitioner_stop_rules", *_OURS),
        )
    if last.pain_max > PAIN_DURING_MAX_NPRS:
        add(
            "pain.during_above_limit",
            "reduce",
            f"Pain during the session reached {last.pain_max}/10, above the acceptable "
            f"{PAIN_DURING_MAX_NPRS}/10: the next session is shorter.",
            _PAIN,
        )
    if last.pain_next_morning is None:
        add(
            "pain.next_morning_unknown",
            "repeat",
            "Next-morning pain is not logged yet, so the 24-hour response is unknown: repeat "
            "the same dose (log it to allow progress).",
            _PAIN,
        )
    elif last.pain_next_morning > last.pain_before:
        add(
            "pain.not_settled_next_morning",
            "reduce",
            f"Pain the next morning ({last.pain_next_morning}/10) had not settled to your usual "
            f"level ({last.pain_before}/10): the next session is shorter.",
            _PAIN,
        )
    rise = usual_pain_rise_in_log(log)
    if rise is not None:
        add(
            "pain.usual_level_rising",
            "repeat",
            f"Your usual pain before a session has risen from {rise[0]:g}/10 (your lowest in "
            f"the {USUAL_PAIN_WINDOW_DAYS} days before) to {rise[1]:g}/10: the dose is held. If "
            "it keeps rising, talk to a clinician.",
            ("childs2005", "pain_24h_response", *_OURS),
        )
    completion = last.backward_min_done / planned_min if planned_min > 0 else 1.0
    if completion < COMPLETION_REDUCE_BELOW:
        add(
            "completion.under_half",
            "reduce",
            f"You walked backward {last.backward_min_done:g} of {planned_min} planned minutes "
            "(less than half): the next session is shorter.",
            _OURS,
        )
    elif completion < 1:
        add(
            "completion.partial",
            "repeat",
            f"You walked backward {last.backward_min_done:g} of {planned_min} planned minutes: "
            "repeat the same dose.",
            _OURS,
        )
    if last.rpe is not None and last.rpe >= RPE_REDUCE_FROM:
        add(
            "effort.very_strong",
            "reduce",
            f"Effort was {last.rpe:g}/10 (very strong or more): the next session is shorter.",
            ("borg_cr10", *_OURS),
        )
    elif last.rpe is not None and last.rpe >= RPE_HOLD_FROM:
        add(
            "effort.strong",
            "repeat",
            f"Effort was {last.rpe:g}/10 (strong): repeat the same dose.",
            ("borg_cr10", *_OURS),
        )
    return found


def catch_up(plan: Plan, log: Sequence[SessionLogEntry]) -> Plan:
    """The plan with the decision after each earlier logged session applied.

    Sessions up to the last ``after_session`` in the plan's history are taken as already
    applied; the latest session is left for :func:`decide_progression`.
    """
    ordered = sorted(log, key=lambda entry: entry.date)
    applied = max((change.after_session for change in plan.history), default=0)
    current = plan
    for count in range(applied + 1, len(ordered)):
        current = apply_decision(current, _decide(current, ordered[:count]))
    return current


def decide_progression(plan: Plan, log: Sequence[SessionLogEntry]) -> ProgressionDecision:
    """Decide the next session's action and dose from the plan and the log so far.

    Log entries are taken in date order; entry ``n`` is planned session ``n`` (past the end of
    the plan, the last planned dose). Earlier sessions' decisions are applied first
    (:func:`catch_up`). An empty log raises :class:`InputError`.
    """
    if not log:
        raise InputError("no session logged yet: nothing to decide", field="log")
    for index, entry in enumerate(log):
        if entry.date < plan.start_date:
            raise InputError(
                f"{entry.date.isoformat()} is before the plan's start date "
                f"{plan.start_date.isoformat()}",
                field=f"{index}.date",
            )
    ordered = sorted(log, key=lambda entry: entry.date)
    current = catch_up(plan, ordered)
    carried = tuple(
        change for change in current.history[len(plan.history) :] if change.change != "progress"
    )
    return replace(_decide(current, ordered), earlier_changes=carried)


def _decide(plan: Plan, ordered: Sequence[SessionLogEntry]) -> ProgressionDecision:
    done = len(ordered)
    last_planned = plan.session(done) or plan.sessions[-1]
    planned_min = last_planned.backward_min
    reasons = _rules(plan, ordered, planned_min)
    action: Action = "progress"
    for reason in reasons:
        action = _more_cautious(action, reason.action)
    upcoming = plan.session(done + 1)
    if action == "pause":
        next_min = 0
    elif action == "reduce":
        next_min = max(MIN_BACKWARD_MIN, math.floor(planned_min * REDUCE_FACTOR))
        next_min = min(next_min, planned_min)
    elif action == "repeat":
        next_min = planned_min
    else:
        target = upcoming.backward_min if upcoming is not None else planned_min
        next_min = min(target, planned_min + WEEKLY_STEP_MAX_MIN, MAX_BACKWARD_MIN)
        next_min = max(next_min, MIN_BACKWARD_MIN)
        reasons.append(
            ProgressionReason(
                "all_clear",
                "progress",
                f"Pain stayed at or below {PAIN_DURING_MAX_NPRS}/10 and settled by the next "
                "morning, and you completed the session: go on with the plan "
                f"({next_min} backward min next).",
                _PAIN,
            )
        )
    return ProgressionDecision(
        action=action,
        next_backward_min=next_min,
        reasons=tuple(reasons),
        based_on_session=done,
        next_session=upcoming.number if upcoming is not None else None,
        see_clinician=action == "pause",
    )


def _adjust(session: PlannedSession, backward_min: int) -> PlannedSession:
    return replace(
        session, backward_min=backward_min, blocks=build_blocks(session.week, backward_min)
    )


def apply_decision(plan: Plan, decision: ProgressionDecision) -> Plan:
    """A new plan revision with the decision applied.

    The next session gets ``next_backward_min`` and later sessions are capped so the dose again
    rises by at most 5 min a week from there, never above what the plan had before. ``pause``
    also marks the plan paused, and the sessions it resumes with are set as if the pause had
    not been needed: shorter when another rule asked for less (a flare with the near-fall),
    otherwise the dose of the session just done, never more (a fall never raises the dose).
    """
    revision = plan.revision + 1
    note = f"{decision.action}: " + " ".join(reason.text for reason in decision.reasons)
    if len(note) > MAX_TEXT_CHARS:  # every reason is in the decision itself; the note sums up
        note = note[: MAX_TEXT_CHARS - 1] + "…"
    entry = Revision(revision, decision.action, decision.based_on_session, note)
    history = (*plan.history, entry)
    status = "paused" if decision.action == "pause" else plan.status
    if decision.next_session is None:
        return replace(plan, revision=revision, status=status, history=history)
    next_min = decision.next_backward_min
    if decision.action == "pause":
        next_min = _resume_min(plan, decision)
    sessions = list(plan.sessions)
    nxt = sessions[decision.next_session - 1]
    for index in range(decision.next_session - 1, len(sessions)):
        session = sessions[index]
        if index != nxt.number - 1:
            ramp = next_min + WEEKLY_STEP_MAX_MIN * (session.week - nxt.week)
            dose = min(session.backward_min, ramp)
        elif decision.action == "pause":
            dose = min(next_min, session.backward_min)
        else:
            dose = next_min
        if dose != session.backward_min:
            sessions[index] = _adjust(session, dose)
    return replace(
        plan, revision=revision, status=status, sessions=tuple(sessions), history=history
    )


def _resume_min(plan: Plan, decision: ProgressionDecision) -> int:
    """The backward minutes a paused plan resumes with: the session just done, or less when a
    rule other than the pause asked for a shorter session."""
    done = plan.session(decision.based_on_session) or plan.sessions[-1]
    if any(reason.action == "reduce" for reason in decision.reasons):
        return min(
            done.backward_min, max(MIN_BACKWARD_MIN, math.floor(done.backward_min * REDUCE_FACTOR))
        )
    return done.backward_min
