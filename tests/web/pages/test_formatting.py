"""Values on pages: speeds in the person's units, unambiguous dates."""

from __future__ import annotations

import datetime as dt

import pytest

from retrowalk.web.pages.formatting import date_text, pace_text, speed_text

PACE = {"text": "Walk slowly.", "speed_kmh_min": 1.6, "speed_kmh_max": 3.2, "sources": []}


def test_speeds_follow_the_persons_units() -> None:
    assert speed_text(3.2, "metric") == "3.2 km/h"
    assert speed_text(3.218688, "imperial") == "2.0 mph"


def test_a_treadmill_pace_names_its_speed_range() -> None:
    assert pace_text(PACE, "treadmill", "imperial") == (
        "Walk slowly. Treadmill speed: 1.0 mph to 2.0 mph."
    )


def test_an_overground_pace_has_no_treadmill_speed() -> None:
    assert pace_text(PACE, "overground", "metric") == "Walk slowly."


def test_dates_name_the_weekday_and_month() -> None:
    assert date_text(dt.date(2026, 11, 2)) == "Mon 2 Nov 2026"


def test_an_imperial_user_reads_the_plans_own_pace_in_mph() -> None:
    pace = {
        "text": "Treadmill at 1.6-3.2 km/h, the usual start for walking backward. "
        "Start at the low end.",
        "speed_kmh_min": 1.6,
        "speed_kmh_max": 3.2,
    }
    text = pace_text(pace, "treadmill", "imperial")
    assert "km/h" not in text
    assert text.startswith("Treadmill at 1.0-2.0 mph, the usual start for walking backward.")
    assert pace_text(pace, "treadmill", "metric").startswith("Treadmill at 1.6-3.2 km/h, the")


@pytest.mark.parametrize(
    ("stored", "metric", "imperial"),
    [
        (
            "Treadmill at 1.6-3.2 km/h (1-2 mph; practitioner advice, provisional). Start.",
            "Treadmill at 1.6-3.2 km/h (1-2 mph). Start.",
            "Treadmill at 1.0-2.0 mph. Start.",
        ),
        (
            "Treadmill at 1.6-3.2 km/h (1-2 mph, the usual start; practitioner advice, "
            "provisional): half your forward pace of 8 km/h would be faster than that.",
            "Treadmill at 1.6-3.2 km/h (1-2 mph, the usual start): half your forward pace of "
            "8 km/h would be faster than that.",
            "Treadmill at 1.0-2.0 mph (the usual start): half your forward pace of 5.0 mph "
            "would be faster than that.",
        ),
        (
            "Treadmill at 1.8-2.5 km/h, well below your forward pace of 5 km/h (about half of "
            "it at most; practitioner advice, provisional). Start.",
            "Treadmill at 1.8-2.5 km/h, well below your forward pace of 5 km/h (about half of "
            "it at most). Start.",
            "Treadmill at 1.1-1.6 mph, well below your forward pace of 3.1 mph (about half of "
            "it at most). Start.",
        ),
        (
            "Slow and controlled: about half your forward walking pace or slower (practitioner "
            "advice, provisional).",
            "Slow and controlled: about half your forward walking pace or slower.",
            "Slow and controlled: about half your forward walking pace or slower.",
        ),
    ],
)
def test_a_plan_stored_with_evidence_grades_in_its_pace_reads_without_them(
    stored: str, metric: str, imperial: str
) -> None:
    assert pace_text({"text": stored}, "overground", "metric") == metric
    assert pace_text({"text": stored}, "overground", "imperial") == imperial


def test_a_forward_pace_in_the_text_is_converted_too() -> None:
    pace = {"text": "Treadmill at 1.8-2.5 km/h, well below your forward pace of 5 km/h."}
    assert pace_text(pace, "overground", "imperial") == (
        "Treadmill at 1.1-1.6 mph, well below your forward pace of 3.1 mph."
    )
