"""Values on pages: speeds in the person's units, unambiguous dates."""

from __future__ import annotations

import datetime as dt

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
        "text": "Treadmill at 1.6-3.2 km/h (1-2 mph; practitioner advice, provisional). "
        "Start at the low end.",
        "speed_kmh_min": 1.6,
        "speed_kmh_max": 3.2,
    }
    text = pace_text(pace, "treadmill", "imperial")
    assert "km/h" not in text
    assert text.startswith("Treadmill at 1.0-2.0 mph (practitioner advice, provisional).")
    assert pace_text(pace, "treadmill", "metric").startswith("Treadmill at 1.6-3.2 km/h (1-2 mph;")


def test_a_forward_pace_in_the_text_is_converted_too() -> None:
    pace = {"text": "Treadmill at 1.8-2.5 km/h, well below your forward pace of 5 km/h."}
    assert pace_text(pace, "overground", "imperial") == (
        "Treadmill at 1.1-1.6 mph, well below your forward pace of 3.1 mph."
    )
