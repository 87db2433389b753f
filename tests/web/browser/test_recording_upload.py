"""A patient attaches a recording to a session in a real Chromium and sees what it measured."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from retrowalk.config import load_settings
from retrowalk.services.runtime import Runtime, build_runtime
from tests.services.exchange_setup import PASSWORD, History, imu_csv_bytes, small_history
from tests.web.browser.conftest import LiveServer, PageCheck

pytestmark = pytest.mark.browser


@pytest.fixture
def live_runtime(live_server: LiveServer) -> Iterator[Runtime]:
    """Services on the live server's own database, to give the patient a history."""
    settings = load_settings(
        {},
        database_url=f"sqlite:///{live_server.data_dir / 'retrowalk.sqlite3'}",
        data_dir=live_server.data_dir,
        fast_password_hashing=True,
    )
    runtime = build_runtime(settings)
    yield runtime
    runtime.db.dispose()


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def measured_by_api(live_server: LiveServer, history: History, session_id: int) -> dict[str, float]:
    token = httpx.post(
        f"{live_server.url}/api/v1/auth/tokens",
        json={"email": history.patient.email, "password": PASSWORD},
    ).json()["access_token"]
    found = httpx.get(
        f"{live_server.url}/api/v1/patients/{history.patient.id}/sessions/{session_id}/recordings",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert len(found) == 1
    return {"backward_min": found[0]["backward_min"], "backward_steps": found[0]["backward_steps"]}


def test_a_patient_uploads_a_recording_and_sees_the_measured_minutes(
    page: Page,
    live_server: LiveServer,
    live_runtime: Runtime,
    check_page: PageCheck,
    tmp_path: Path,
) -> None:
    history = small_history(live_runtime)
    session = history.sessions[0]
    recording = tmp_path / "lower-back.csv"
    recording.write_bytes(imu_csv_bytes(tmp_path))

    sign_in(page, history.patient.email)
    page.goto("/app/recordings")
    expect(page.get_by_role("heading", name="My recordings")).to_be_visible()
    check_page(page, "recordings")
    row = page.locator(f"tr[data-session-id='{session.id}']")
    expect(row.locator("[data-measured-backward]")).to_have_text("no recording")
    row.get_by_role("link", name="Attach a recording").click()

    expect(page.locator("[data-measured]")).to_have_text("no recording yet")
    check_page(page, "session-recording-before")
    page.get_by_label("Recording file").set_input_files(str(recording))
    page.get_by_role("button", name="Analyse and save").click()
    expect(page.get_by_text("The recording was analysed and saved.")).to_be_visible()

    measured = measured_by_api(live_server, history, session.id)
    assert measured["backward_min"] > 0.9
    minutes = f"{measured['backward_min']:.1f} min backward ({measured['backward_steps']} steps)"
    expect(page.locator("[data-measured]")).to_contain_text(minutes)
    planned = f"{session.planned_session['backward_min']:g} min" if session.planned_session else ""
    expect(page.locator("dl.summary")).to_contain_text(planned)
    bouts = page.get_by_role("region", name="Walking bouts of the recording")
    expect(bouts.locator("tbody tr").last).to_contain_text("backward")
    check_page(page, "session-recording-after")

    page.goto("/app/recordings")
    expect(row.locator("[data-measured-backward]")).to_have_text(
        f"{measured['backward_min']:.1f} min, {measured['backward_steps']} steps"
    )

    page.goto("/app/progress")
    expect(page.get_by_text("Measured backward walking speed (km/h)").first).to_be_visible()
    check_page(page, "progress-measured")

    page.goto("/app/watch-import")
    expect(page.get_by_role("heading", name="Add a session from a watch")).to_be_visible()
    check_page(page, "watch-import")
    page.goto("/app/data")
    expect(page.get_by_role("heading", name="My data")).to_be_visible()
    page.get_by_role("button", name="Make a new calendar link").click()
    expect(page.get_by_label("Your calendar link (shown once)")).to_have_value(
        re.compile(r"/api/v1/calendar/[\w-]+\.ics$")
    )
    check_page(page, "my-data")

    # the patient's clinician opens the same recording from the patient's data page
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, history.clinician.email)
    page.goto(f"/clinic/patients/{history.patient.id}/data")
    page.get_by_role("link", name=re.compile(r"^Details")).click()
    expect(page.locator("dl.summary")).to_contain_text("Logged by the patient")
    bouts = page.get_by_role("region", name="Walking bouts of the recording")
    expect(bouts.locator("tbody tr").last).to_contain_text("backward")
    check_page(page, "clinician-session-recording")
    page.get_by_role("link", name="Back to the patient's reports and recordings").click()
    expect(page.get_by_role("heading", name="Reports and recordings")).to_be_visible()
