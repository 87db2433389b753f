"""Demo data for ``retrowalk serve --demo``: a clinician and two patients with weeks of history.

Everything goes through the real use cases (screen, prescribe, log, record outcomes, attach
recordings), with the clock set back so the history is dated in the past. Anna is doing well
(pain falling, most sessions done) and her last three sessions have a lower-back recording
(synthetic, :mod:`retrowalk.services.demo_recordings`; her backward cadence rising), so the
measured gait shows; Ben's pain is rising and he reported a near-fall last week, so his program
is paused and flagged for the clinician.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace

from retrowalk.domain.screening import LATER_RED_FLAGS, REQUIRED_ANSWERS, ScreeningAnswers
from retrowalk.domain.session_log import SessionEvent
from retrowalk.services import (
    accounts,
    invitations,
    outcomes,
    profiles,
    programs,
    recordings,
    screenings,
)
from retrowalk.services.demo_recordings import demo_session_csv
from retrowalk.services.inputs import OutcomeIn, PatientProfileIn, PrescriptionIn, SessionLogIn
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.session_logs import log_session
from retrowalk.services.views import UserView

DEMO_PASSWORD = "retrowalk-demo"
DEMO_CLINICIAN = "clinician@demo.retrowalk"
DEMO_PATIENTS = ("anna@demo.retrowalk", "ben@demo.retrowalk")


@dataclass(frozen=True)
class DemoAccounts:
    password: str
    clinician: UserView
    patients: tuple[UserView, ...]


def _cleared_answers(age_years: int, pain: int) -> ScreeningAnswers:
    answers: dict[str, object] = dict.fromkeys((*REQUIRED_ANSWERS, *LATER_RED_FLAGS), False)
    answers.update(age_years=age_years, pain_now_nprs=pain, pain_duration_weeks=30.0)
    return ScreeningAnswers(**answers)  # type: ignore[arg-type]


def _history(
    rt: Runtime,
    patient: Actor,
    *,
    weeks: int,
    start_pain: int,
    trend_per_week: float,
    skip_rate: float,
    near_fall_last_week: bool,
    seed: int,
    recorded_sessions: int = 0,
) -> None:
    rng = random.Random(seed)
    today = rt.now().date()
    start = today - dt.timedelta(days=7 * weeks)
    at = [dt.datetime.combine(start, dt.time(8, 0), dt.UTC)]
    past = replace(rt, clock=lambda: at[0])
    programs.prescribe_program(
        past,
        patient,
        patient.user_id,
        PrescriptionIn(
            sessions_per_week=3, setting="overground", goal_backward_min=20, start_date=start
        ),
    )
    view = programs.get_program(past, patient, patient.user_id)
    # Each session follows the dose of the plan as it stands after the previous session (the
    # progression rules revise it), as a person using the guided timer would.
    current = view.plan["sessions"]
    logged: list[tuple[int, dict[str, object], dt.datetime]] = []  # id, plan, when
    # A missed day leaves the session for the next planned day: the person does the plan's
    # sessions in order (as the guided timer offers them), on the plan's days they walk.
    number = 0
    for slot in view.plan["sessions"]:
        day = dt.date.fromisoformat(slot["date"])
        if day >= today:
            break
        if rng.random() < skip_rate:
            continue
        number += 1
        planned = view.plan["sessions"][number - 1]
        week = (day - start).days / 7
        pain = max(
            0, min(10, round(start_pain + trend_per_week * week + rng.choice((-1, 0, 0, 1))))
        )
        began = dt.datetime.combine(day, dt.time(17, 30), dt.UTC)
        at[0] = began + dt.timedelta(minutes=40)
        backward = float(current[planned["number"] - 1]["backward_min"])
        last_week = (today - day).days <= 7
        events: list[SessionEvent] = ["near_fall"] if near_fall_last_week and last_week else []
        result = log_session(
            past,
            patient,
            patient.user_id,
            SessionLogIn(
                planned_session_number=planned["number"],
                started_at=began,
                ended_at=began + dt.timedelta(minutes=backward + 10),
                backward_min=backward,
                forward_min=10.0,
                setting="overground",
                pain_before=pain,
                # Pain during rises a little but stays within the 5/10 limit unless it was
                # already above it (evidence.md §6), as for someone the program suits.
                pain_max=max(pain, min(5, pain + 1)),
                pain_after=pain,
                pain_next_morning=pain,
                rpe=float(rng.choice((3, 4, 4, 5))),
                heart_rate_bpm=rng.randint(95, 120),
                steps=int(backward * 95),
                notes="demo session",
                safety_events=events,
            ),
            idempotency_key=f"demo-{patient.user_id}-{planned['number']}",
        )
        if result.session.planned_session is not None:
            logged.append((result.session.id, result.session.planned_session, at[0]))
        if events or (result.program is not None and result.program.status != "active"):
            break
        if result.program is not None:
            current = result.program.plan["sessions"]
    # the last sessions measured with a phone at the lower back, backward cadence rising
    last = logged[-recorded_sessions:] if recorded_sessions else []
    for index, (session_id, planned_json, when) in enumerate(last):
        at[0] = when + dt.timedelta(minutes=5)
        recordings.attach_recording(
            past,
            patient,
            patient.user_id,
            session_id,
            filename=f"demo-synthetic-session-{planned_json['number']}.csv",
            data=demo_session_csv(
                planned_json, backward_step_hz=1.45 + 0.1 * index, seed=seed * 100 + index
            ),
        )
    for weeks_ago, pain in (
        (weeks, start_pain),
        (0, max(0, round(start_pain + trend_per_week * weeks))),
    ):
        # 09:00 UTC on that day, but never later than now (the outcome of "today" in the small
        # hours would lie in the future, and an export of it could not be imported again)
        at[0] = min(
            dt.datetime.combine(today - dt.timedelta(days=7 * weeks_ago), dt.time(9), dt.UTC),
            rt.now(),
        )
        outcomes.record_outcome(
            past, patient, patient.user_id, OutcomeIn(instrument="nprs", items=[float(pain)])
        )


def create_demo(rt: Runtime) -> DemoAccounts:
    """Create the demo accounts and history (once; later calls just return the accounts)."""
    existing = {user.email: user for user in accounts.all_users(rt)}
    if DEMO_CLINICIAN in existing:
        return DemoAccounts(
            DEMO_PASSWORD,
            existing[DEMO_CLINICIAN],
            tuple(existing[email] for email in DEMO_PATIENTS if email in existing),
        )
    clinician = accounts.create_user(
        rt, None, DEMO_CLINICIAN, DEMO_PASSWORD, "Dr. Demo Clinician", "clinician"
    )
    clinician_actor = Actor(clinician.id, "clinician")
    made: list[UserView] = []
    plans = (
        ("Anna Demo", 46, 5, -0.6, 0.1, False, 1),
        ("Ben Demo", 58, 4, 0.7, 0.35, True, 2),
    )
    for email, (name, age, pain, trend, skip, near_fall, seed) in zip(
        DEMO_PATIENTS, plans, strict=True
    ):
        code = invitations.create_invitation(rt, clinician_actor, f"for {name}").code
        user = accounts.sign_up_patient(rt, email, DEMO_PASSWORD, name, code)
        actor = Actor(user.id, "patient")
        profiles.put_profile(
            rt,
            actor,
            user.id,
            PatientProfileIn(
                birth_year=rt.now().year - age, height_m=1.7, weight_kg=72.0, sensor_height_m=0.95
            ),
        )
        screenings.screen_patient(rt, actor, user.id, _cleared_answers(age, pain))
        _history(
            rt,
            actor,
            weeks=5 if seed == 1 else 3,
            start_pain=pain,
            trend_per_week=trend,
            skip_rate=skip,
            near_fall_last_week=near_fall,
            seed=seed,
            recorded_sessions=3 if seed == 1 else 0,
        )
        made.append(user)
    return DemoAccounts(DEMO_PASSWORD, clinician, tuple(made))
