"""Passwords and accounts in a real browser: a patient changes theirs, an admin sets a
forgotten one; both pages pass axe-core and fit a phone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.browser.conftest import ADMIN_EMAIL, PASSWORD, PHONE, LiveServer, PageCheck
from tests.web.browser.flows import sign_in, sign_up

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def admin_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """The admin, signed in in a browser of their own."""
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, bypass_csp=False)
    context.set_default_timeout(15000)
    page = context.new_page()
    sign_in(page, ADMIN_EMAIL)
    yield page
    context.close()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def _sign_in_with(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_patient_changes_their_password_and_signs_in_with_the_new_one(
    page: Page, check_page: PageCheck
) -> None:
    email = sign_up(page, "Pia Password")
    page.goto("/app/profile")
    page.get_by_role("link", name="Change my password").click()
    check_page(page, "account-password")
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("This is not your current password.")).to_be_visible()
    expect(page.get_by_label("Current password")).to_be_focused()
    check_page(page, "account-password-wrong")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status").filter(has_text="Your password is changed")).to_be_visible()
    _sign_out(page)
    _sign_in_with(page, email, NEW_PASSWORD)


def test_an_admin_sets_a_forgotten_password_from_the_accounts_page(
    page: Page, admin_page: Page, check_page: PageCheck
) -> None:
    email = sign_up(page, "Fred Forgot")
    _sign_out(page)
    admin_page.goto("/")  # an admin's start page is the accounts page
    expect(admin_page.get_by_role("heading", name="Accounts")).to_be_visible()
    check_page(admin_page, "admin-accounts")
    admin_page.get_by_label(f"New password for {email}").fill(NEW_PASSWORD)
    row = admin_page.get_by_role("row").filter(has_text=email)
    row.get_by_role("button", name="Set").click()
    done = admin_page.get_by_role("status").filter(has_text="new password is set")
    expect(done).to_be_visible()
    page.goto("/login")
    _sign_in_with(page, email, NEW_PASSWORD)
