"""The end-of-session form in a real Chromium: problems next to each question, one save."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.web.browser.flows import (
    answer_screening,
    fill_end_form,
    make_program,
    sign_up,
    start_session,
)

pytestmark = pytest.mark.browser


def _sessions(page: Page) -> list[dict[str, Any]]:
    me = page.request.get("/api/v1/me").json()
    response = page.request.get(f"/api/v1/patients/{me['id']}/sessions")
    assert response.ok, response.text()
    sessions: list[dict[str, Any]] = response.json()
    return sessions


def test_an_empty_end_form_names_each_missing_answer_beside_it_and_a_double_save_stores_one(
    page: Page,
) -> None:
    sign_up(page, "Erin Empty")
    answer_screening(page)
    make_program(page)
    start_session(page, speed=1)
    page.get_by_role("button", name="I lost my balance / I fell").click()
    expect(page.locator("[data-step=end]")).to_be_visible()

    page.get_by_role("button", name="Save").click()
    for name, text in (
        ("safety_event", "Choose what happened."),
        ("pain_after", "Choose how much your back hurts now"),
        ("effort_cr10", "Choose how hard the session felt"),
    ):
        slot = page.locator(f"#{name}-error")
        expect(slot).to_be_visible()
        expect(slot).to_contain_text(text)
        group = page.locator(f"fieldset:has(#{name}-error)")
        expect(group).to_have_attribute("aria-describedby", f"{name}-error")
    expect(page.locator("#safety-fall")).to_be_focused()
    assert _sessions(page) == []

    page.get_by_label("Nothing happened: I pressed the button by mistake").check()
    fill_end_form(page)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#pain_after-error")).to_be_hidden()
    expect(page.locator("#effort_cr10-error")).to_be_hidden()
    expect(page.locator("[data-done-status]")).to_contain_text("in your progress")
    # A second submit (a double tap, Enter, a script) neither queues nor stores anything.
    queued = page.evaluate(
        """() => {
            document.querySelector('[data-step=end] form').requestSubmit();
            return window.retrowalkOutbox.items().length;
        }"""
    )
    assert queued == 0  # nothing queued again (with new times under the same key)
    assert len(_sessions(page)) == 1


def test_a_highest_pain_below_the_pain_before_is_named_beside_it_before_anything_is_sent(
    page: Page,
) -> None:
    sign_up(page, "Hilda Highest")
    answer_screening(page)
    make_program(page)
    start_session(page, speed=1)  # pain before: 3
    page.get_by_role("button", name="Stop early").click()
    fill_end_form(page, pain_after=2)
    page.locator("#pain_max-1").check()
    page.get_by_role("button", name="Save").click()
    slot = page.locator("#pain_max-error")
    expect(slot).to_contain_text("cannot be lower than your pain before the session (3)")
    expect(page.locator("#pain_max-0")).to_be_focused()
    assert window_outbox(page) == 0
    page.locator("#pain_max-4").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-done-status]")).to_contain_text("in your progress")
    (stored,) = _sessions(page)
    assert (stored["pain_before"], stored["pain_max"], stored["pain_after"]) == (3, 4, 2)


def window_outbox(page: Page) -> int:
    items: int = page.evaluate("() => window.retrowalkOutbox.items().length")
    return items
