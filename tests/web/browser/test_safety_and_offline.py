"""Safety and connection loss in a real Chromium: a fall pauses the program and flags it for the
clinician; a session finished offline is kept and sent exactly once when the connection returns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.web.browser.conftest import CLINICIAN_EMAIL, PHONE, LiveServer, PageCheck
from tests.web.browser.flows import (
    answer_screening,
    fill_end_form,
    make_program,
    sign_in,
    sign_up,
    start_session,
    wait_for_phase,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def clinician_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context: BrowserContext = browser.new_context(
        base_url=live_server.url, viewport=PHONE, bypass_csp=False
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    sign_in(page, CLINICIAN_EMAIL)
    yield page
    context.close()


def _sessions(page: Page) -> list[dict[str, Any]]:
    me = page.request.get("/api/v1/me").json()
    response = page.request.get(f"/api/v1/patients/{me['id']}/sessions")
    assert response.ok, response.text()
    sessions: list[dict[str, Any]] = response.json()
    return sessions


def test_a_fall_ends_the_session_pauses_the_program_and_flags_it_for_the_clinician(
    page: Page, clinician_page: Page, check_page: PageCheck
) -> None:
    clinician_page.goto("/clinic/invite")
    check_page(clinician_page, "clinic-invite")
    clinician_page.get_by_label("Note for yourself (optional)").fill("F.F.")
    clinician_page.get_by_role("button", name="Make an invitation code").click()
    code = clinician_page.locator("[data-invitation-code]").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", code)
    check_page(clinician_page, "clinic-invite-code")

    sign_up(page, "Fay Faller", code=code)
    answer_screening(page)
    make_program(page)
    start_session(page, speed=60)
    wait_for_phase(page, "Walk backward")
    page.get_by_role("button", name="I lost my balance / I fell").click()
    expect(page.locator("[data-safety]")).to_be_visible()
    expect(page.locator("[data-end-summary]")).to_contain_text("If you are hurt, call for help")
    page.get_by_label("I fell", exact=True).check()
    fill_end_form(page, pain_after=4, effort=5, notes="tripped on the rug")
    check_page(page, "session-end-after-fall")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-done-status]")).to_contain_text("in your progress")

    page.goto("/app")
    expect(page.get_by_role("heading", name="Your program is paused")).to_be_visible()
    expect(page.get_by_role("link", name="Start guided session")).to_have_count(0)
    check_page(page, "program-paused")
    logged = _sessions(page)
    assert len(logged) == 1
    assert logged[0]["safety_events"] == ["fall"]

    clinician_page.goto("/clinic")
    row = clinician_page.locator("tr", has_text="Fay Faller")
    expect(row.locator(".flag", has_text="Safety event")).to_be_visible()
    expect(row).to_contain_text("paused")
    check_page(clinician_page, "clinic-patients")
    row.get_by_role("link", name="Fay Faller").click()
    expect(clinician_page.get_by_text("tripped on the rug")).to_be_visible()
    check_page(clinician_page, "clinic-patient")
    clinician_page.get_by_label("Note (e.g. what you discussed)").fill("reviewed by phone")
    clinician_page.get_by_role("button", name="Resume program").click()
    expect(clinician_page.get_by_text("The program is active again.")).to_be_visible()

    page.goto("/app")
    expect(page.get_by_role("link", name="Start guided session")).to_be_visible()


def test_a_session_finished_offline_is_sent_exactly_once_when_back_online(
    page: Page, context: BrowserContext, check_page: PageCheck
) -> None:
    sign_up(page, "Otto Offline")
    answer_screening(page)
    make_program(page)
    start_session(page, speed=600)
    fill_end_form(page, pain_after=2, effort=2, notes="offline walk")

    context.set_offline(True)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-done-status]")).to_contain_text("You are offline")
    expect(page.locator("[data-outbox-status]")).to_contain_text(
        "1 session is saved on this device"
    )
    check_page(page, "session-saved-offline")
    waiting = page.evaluate("() => window.retrowalkOutbox.items()")
    assert len(waiting) == 1
    key = waiting[0]["key"]

    context.set_offline(False)
    expect(page.locator("[data-done-status]")).to_contain_text("Sent.", timeout=20000)
    assert page.evaluate("() => window.retrowalkOutbox.items()") == []
    assert len(_sessions(page)) == 1

    # A client that never heard the answer sends the same session again: still one record.
    page.evaluate(
        "([key, item]) => window.retrowalkOutbox.enqueue(key, item.url, item.body)",
        [key, waiting[0]],
    )
    expect(page.locator("html")).to_have_attribute("data-outbox-waiting", "0")
    logged = _sessions(page)
    assert len(logged) == 1
    assert logged[0]["notes"] == "offline walk"
    page.goto("/app/progress")
    expect(page.get_by_text("1 session logged.")).to_be_visible()

    # On a shared device, a session waiting for another account is neither shown nor sent.
    other = [
        {
            "key": "k-other",
            "url": "/api/v1/patients/999999/sessions",
            "body": {},
            "user": "999999",
            "status": "pending",
        }
    ]
    page.evaluate(
        "(items) => localStorage.setItem('retrowalk.outbox.v1', JSON.stringify(items))", other
    )
    sent_elsewhere: list[str] = []
    page.on("request", lambda r: sent_elsewhere.append(r.url) if "999999" in r.url else None)
    page.goto("/app")
    expect(page.locator("[data-outbox-status]")).to_be_hidden()
    assert page.evaluate("() => window.retrowalkOutbox.items()") == []
    assert page.evaluate("() => JSON.parse(localStorage.getItem('retrowalk.outbox.v1'))") == other
    assert sent_elsewhere == []


def test_a_session_survives_a_reload_and_continues_where_it_was(page: Page) -> None:
    sign_up(page, "Rita Reload")
    answer_screening(page)
    make_program(page)
    start_session(page, speed=60)
    wait_for_phase(page, "Walk backward")
    page.get_by_role("button", name="Pause").click()
    phase = page.locator("[data-phase-name]").inner_text()
    left = page.locator("[data-countdown]").inner_text()
    page.reload()
    expect(page.locator("[data-resume]")).to_be_visible()
    page.get_by_role("button", name="Continue that session").click()
    expect(page.locator("[data-step=running]")).to_be_visible()
    expect(page.locator("[data-phase-name]")).to_have_text(phase)
    expect(page.locator("[data-countdown]")).to_have_text(left)
    page.get_by_role("button", name="Resume").click()
    fill_end_form(page, pain_after=3, effort=4)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-done-status]")).to_contain_text("in your progress")
    logged = _sessions(page)
    assert len(logged) == 1
    assert logged[0]["pain_before"] == 3
    assert logged[0]["backward_min"] > 0
    page.goto("/app/session")
    expect(page.locator("#guided-session[data-ready=true]")).to_be_attached()
    expect(page.locator("[data-resume]")).to_be_hidden()


def test_a_mistaken_tap_on_the_fall_button_can_be_taken_back_and_the_session_goes_on(
    page: Page,
) -> None:
    sign_up(page, "Milo Mistake")
    answer_screening(page)
    make_program(page)
    start_session(page, speed=60)
    wait_for_phase(page, "Walk backward")
    page.get_by_role("button", name="Pause").click()
    phase = page.locator("[data-phase-name]").inner_text()
    left = page.locator("[data-countdown]").inner_text()
    page.get_by_role("button", name="I lost my balance / I fell").click()
    expect(page.locator("[data-safety]")).to_be_visible()
    page.get_by_role("button", name="I pressed it by mistake: continue the session").click()
    expect(page.locator("[data-step=running]")).to_be_visible()
    expect(page.locator("[data-phase-name]")).to_have_text(phase)
    expect(page.locator("[data-countdown]")).to_have_text(left)
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    page.get_by_role("button", name="Resume").click()
    fill_end_form(page, pain_after=2, effort=3)
    expect(page.locator("[data-safety]")).to_be_hidden()  # it completed: no fall question
    expect(page.locator("[data-undo-end]")).to_be_hidden()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-done-status]")).to_contain_text("in your progress")
    logged = _sessions(page)
    assert len(logged) == 1
    assert logged[0]["safety_events"] == []
    planned = logged[0]["planned_session"]
    assert planned is not None
    assert logged[0]["backward_min"] == pytest.approx(planned["backward_min"], abs=0.1)
    page.goto("/app")
    expect(page.get_by_role("heading", name="Your program is paused")).to_have_count(0)
