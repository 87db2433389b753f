"""A patient's way through the app in a real Chromium: sign-up to a logged, charted session."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.web.browser.conftest import PageCheck
from tests.web.browser.flows import (
    answer_screening,
    fill_end_form,
    make_program,
    record_phases,
    seen_phases,
    sign_up,
    start_session,
    wait_for_phase,
)

pytestmark = pytest.mark.browser


def test_a_new_patient_walks_a_whole_guided_session_and_sees_it_in_progress(
    page: Page, check_page: PageCheck
) -> None:
    sign_up(page, "Nora Newcomer", check=check_page)
    check_page(page, "program-before-screening")
    answer_screening(page, check=check_page)
    check_page(page, "screening-result-cleared")
    make_program(page)
    check_page(page, "program")

    page.goto("/app/session?speed=120")
    expect(page.locator("#guided-session[data-ready=true]")).to_be_attached()
    check_page(page, "session-before")
    record_phases(page)
    page.locator("#pain_before-3").check()
    page.get_by_role("button", name="Start the session").click()
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    check_page(page, "session-running")
    page.get_by_role("button", name="Resume").click()

    fill_end_form(page, pain_after=2, effort=3, notes="first walk")
    expect(page.locator("[data-end-summary]")).to_contain_text("you finished the session")
    assert seen_phases(page) == [
        "Warm-up: walk forward",
        "Walk backward (1 of 3)",
        "Recover: walk forward",
        "Walk backward (2 of 3)",
        "Recover: walk forward",
        "Walk backward (3 of 3)",
        "Cool-down: walk forward",
    ]
    check_page(page, "session-end")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-done-status]")).to_contain_text("Your session is in your progress")
    check_page(page, "session-saved")

    page.get_by_role("link", name="See my progress").click()
    expect(page.get_by_text("1 session logged.")).to_be_visible()
    expect(page.get_by_text("first walk")).to_be_visible()
    assert page.locator("figure.chart svg circle").count() >= 1
    assert page.locator("figure.chart svg rect").count() >= 1
    check_page(page, "progress")

    page.goto("/app")
    expect(page.get_by_role("heading", name=re.compile("^Next session: "))).to_be_visible()
    page.goto("/app/questionnaires")
    check_page(page, "questionnaires")
    page.goto("/app/questionnaires/odi")
    check_page(page, "questionnaire-odi")
    page.goto("/app/profile")
    check_page(page, "profile")
    page.goto("/app/recordings")
    check_page(page, "recordings")
    page.goto("/app/data")
    check_page(page, "my-data")


def _assert_on_screen(page: Page, buttons: tuple[str, ...]) -> None:
    assert page.evaluate("() => window.scrollY") == 0
    height = page.viewport_size["height"] if page.viewport_size else 0
    countdown = page.locator("[data-countdown]").bounding_box()
    assert countdown is not None
    assert countdown["y"] >= 0
    for name in buttons:
        box = page.get_by_role("button", name=name, exact=True).bounding_box()
        assert box is not None, name
        assert box["y"] >= 0, (name, box)
        assert box["y"] + box["height"] <= height, (name, box, height)


def test_the_session_page_fits_a_360_px_screen_and_a_mistaken_fall_tap_is_harmless(
    page: Page,
) -> None:
    sign_up(page, "Sam Small")
    answer_screening(page)
    make_program(page)
    start_session(page, speed=1)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360
    for name in ("Pause", "Stop early", "I lost my balance / I fell"):
        box = page.get_by_role("button", name=name).bounding_box()
        assert box is not None
        assert box["height"] >= 24
        assert box["width"] >= 24
    # Everything needed mid-walk is on the 360 x 740 screen without scrolling, also paused
    # (when the paused notice takes three more lines).
    _assert_on_screen(page, ("Pause", "Stop early", "I lost my balance / I fell"))
    page.get_by_role("button", name="Pause").click()
    _assert_on_screen(page, ("Resume", "Stop early", "I lost my balance / I fell"))
    page.get_by_role("button", name="Resume").click()
    # The fall button pressed by mistake: the session ends, nothing is recorded as an event.
    page.get_by_role("button", name="I lost my balance / I fell").click()
    page.get_by_label("Nothing happened: I pressed the button by mistake").check()
    fill_end_form(page)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-done-status]")).to_contain_text("in your progress")
    page.goto("/app")
    expect(page.get_by_role("link", name="Start guided session")).to_be_visible()


def test_paused_in_a_backward_block_every_control_is_still_on_a_360_px_screen(
    page: Page,
) -> None:
    # The backward phase's name and instruction are the longest, and the paused notice adds
    # three lines: the fall button once ended below a 740 px screen there.
    sign_up(page, "Bea Backward")
    answer_screening(page)
    make_program(page)
    start_session(page, speed=120)
    wait_for_phase(page, "Walk backward")
    page.get_by_role("button", name="Pause").click()
    expect(page.locator("[data-reminder]")).to_contain_text("Paused.")
    _assert_on_screen(page, ("Resume", "Stop early", "I lost my balance / I fell"))
    page.reload()
    page.get_by_role("button", name="Continue that session").click()
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    _assert_on_screen(page, ("Resume", "Stop early", "I lost my balance / I fell"))


def test_a_patient_who_should_see_a_clinician_cannot_start_a_program(
    page: Page, check_page: PageCheck
) -> None:
    sign_up(page, "Cal Careful")
    answer_screening(page, pain_duration_weeks="2")
    expect(
        page.get_by_role("heading", name="Talk to a doctor or physical therapist first")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Make my program")).to_have_count(0)
    check_page(page, "screening-result-see-clinician")
    page.goto("/app")
    expect(page.get_by_text("retrowalk cannot start a program for you")).to_be_visible()
    expect(page.get_by_role("link", name="Start guided session")).to_have_count(0)
    page.goto("/app/session")
    expect(page).to_have_url(re.compile(r"/app$"))


def test_the_public_pages_pass_axe(page: Page, check_page: PageCheck) -> None:
    page.goto("/")
    check_page(page, "welcome")
    page.goto("/login")
    check_page(page, "login")
    page.get_by_label("Email").fill("nobody@example.org")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong email or password")
    check_page(page, "login-failed")
