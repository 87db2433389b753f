"""What a person does in the browser, step by step (used by several browser tests)."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from retrowalk.web.pages.screening_questions import QUESTIONS
from tests.web.browser.conftest import PASSWORD, PageCheck
from tests.web.pages.conftest import CLEAR_ANSWERS


def new_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.org"


def sign_up(page: Page, name: str, *, code: str = "", check: PageCheck | None = None) -> str:
    email = new_email(name.split()[0].lower())
    page.goto("/signup")
    if check is not None:
        check(page, "signup")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    if code:
        page.get_by_label("Invitation code from your clinician (optional)").fill(code)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="My program", exact=True)).to_be_visible()
    return email


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def answer_screening(page: Page, check: PageCheck | None = None, **overrides: str) -> None:
    """Answer every question of the safety check, one page at a time, by keyboard and mouse."""
    answers = {**CLEAR_ANSWERS, **overrides}
    page.goto("/app/screening")
    for index, question in enumerate(QUESTIONS):
        expect(page.get_by_text(question.text)).to_be_visible()
        if check is not None and index in (0, 1, 3):
            check(page, f"screening-question-{index + 1}")
        value = answers[question.key]
        if question.kind == "yes_no":
            page.get_by_label("Yes" if value == "yes" else "No", exact=True).check()
        elif question.kind == "scale":
            page.locator(f"#answer-{value}").check()
        else:
            page.get_by_label(question.text).fill(value)
        last = index == len(QUESTIONS) - 1
        page.get_by_role("button", name="See the result" if last else "Next").click()
    expect(page.get_by_role("heading", name="Your safety check")).to_be_visible()


def make_program(page: Page) -> None:
    page.get_by_role("button", name="Make my program").click()
    expect(page.get_by_role("heading", name=re.compile("^Next session: "))).to_be_visible()


def start_session(
    page: Page, speed: int, pain_before: int = 3, check: PageCheck | None = None
) -> None:
    page.goto(f"/app/session?speed={speed}")
    expect(page.locator("#guided-session[data-ready=true]")).to_be_attached()
    if check is not None:
        check(page, "session-before")
    page.locator(f"#pain_before-{pain_before}").check()
    page.get_by_role("button", name="Start the session").click()
    expect(page.locator("[data-step=running]")).to_be_visible()


def wait_for_phase(page: Page, prefix: str) -> None:
    """Wait, checking every animation frame, until the current phase's name starts with prefix.

    Fast sessions pass through short phases quickly; frame-by-frame polling never misses one.
    """
    page.wait_for_function(
        "(prefix) => document.querySelector('[data-phase-name]').textContent.startsWith(prefix)",
        arg=prefix,
        polling="raf",
        timeout=30000,
    )


def record_phases(page: Page) -> None:
    """Keep every phase name the page shows in ``window.seenPhases`` (read with seen_phases)."""
    page.evaluate(
        """() => {
            window.seenPhases = [];
            const node = document.querySelector('[data-phase-name]');
            new MutationObserver(() => {
                const text = node.textContent;
                if (text && window.seenPhases[window.seenPhases.length - 1] !== text) {
                    window.seenPhases.push(text);
                }
            }).observe(node, {childList: true, characterData: true, subtree: true});
        }"""
    )


def seen_phases(page: Page) -> list[str]:
    phases: list[str] = page.evaluate("() => window.seenPhases")
    return phases


def fill_end_form(page: Page, pain_after: int = 2, effort: int = 3, notes: str = "") -> None:
    expect(page.locator("[data-step=end]")).to_be_visible(timeout=60000)
    page.locator(f"#pain_after-{pain_after}").check()
    page.locator(f"#effort_cr10-{effort}").check()
    if notes:
        page.get_by_label("Notes (optional)").fill(notes)
