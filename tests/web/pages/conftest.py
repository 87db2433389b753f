"""Helpers for the page tests: a signed-in browser-like client and a finished safety check.

The app and user fixtures come from ``tests/db_fixtures.py``. Page tests run on SQLite only:
the pages add no SQL of their own, and the services they call are tested on both databases.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from retrowalk.web.pages.screening_questions import QUESTIONS
from retrowalk.web.security import CSRF_COOKIE
from tests.db_fixtures import fresh_database_url

CLEAR_ANSWERS: dict[str, str] = {
    "age_years": "45",
    "pain_now_nprs": "4",
    "pain_duration_weeks": "20",
    "bladder_bowel_change": "no",
    "saddle_numbness": "no",
    "progressive_leg_weakness": "no",
    "both_legs_symptoms": "no",
    "recent_bacterial_infection": "no",
    "thoracic_pain": "no",
    "inflammatory_disease": "no",
    "recent_major_trauma": "no",
    "cancer_history": "no",
    "unexplained_weight_loss": "no",
    "fever_or_unwell": "no",
    "night_pain_unrelieved": "no",
    "iv_drug_use_or_immunosuppressed": "no",
    "long_term_corticosteroids": "no",
    "osteoporosis_or_fracture_risk": "no",
    "fell_past_year": "no",
    "unsteady_when_walking": "no",
    "worried_about_falling": "no",
    "balance_or_vestibular_disorder": "no",
    "neurological_condition": "no",
    "chest_pain_or_heart_condition": "no",
    "dizziness_or_fainting": "no",
    "told_not_to_exercise": "no",
    "pregnant": "no",
    "vision_impairment": "no",
    "walked_backward_before": "no",
    "tug_seconds": "8",
}
"""Answers that the screening rules clear (no red flag, chronic pain, no fall risk)."""


def csrf(client: TestClient) -> str:
    token = client.cookies.get(CSRF_COOKIE)
    assert token, "the client is not signed in with a cookie"
    return token


def finish_screening(client: TestClient, **overrides: str) -> Any:
    """Post the last question with every earlier answer carried, as the pages do."""
    answers = {**CLEAR_ANSWERS, **overrides}
    form = {"csrf_token": csrf(client), "step": str(len(QUESTIONS) - 1), "go": "next", **answers}
    return client.post("/app/screening", data=form, follow_redirects=False)


def start_program(client: TestClient) -> Any:
    finish_screening(client)
    return client.post(
        "/app/program/start",
        data={
            "csrf_token": csrf(client),
            "setting": "overground",
            "sessions_per_week": "3",
            "goal_backward_min": "15",
        },
        follow_redirects=False,
    )


def session_plan(html: str) -> Any:

    found = re.search(
        r'<script type="application/json" id="session-plan">(.*?)</script>', html, re.S
    )
    assert found, "no session plan on the page"
    return json.loads(found.group(1))


def log_body(started_at: dt.datetime, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "started_at": started_at.isoformat(),
        "ended_at": (started_at + dt.timedelta(minutes=13)).isoformat(),
        "backward_min": 3,
        "forward_min": 10,
        "pain_before": 4,
        "pain_max": 4,
        "pain_after": 3,
        "rpe": 3,
        "notes": "",
        "safety_events": [],
    }
    body.update(overrides)
    return body


PatientClient = Callable[..., TestClient]


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh migrated SQLite database (overrides the SQLite + PostgreSQL parametrization)."""
    yield from fresh_database_url(request, tmp_path, "sqlite")


@pytest.fixture
def patient_client(client_for: Callable[..., TestClient]) -> PatientClient:
    """A patient signed in with the session cookie (as a browser is)."""

    def make(user: Any = "patient") -> TestClient:
        return client_for(user, auth="cookie")

    return make
