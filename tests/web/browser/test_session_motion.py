"""A guided session measured by the phone's own motion sensor, in a real Chromium.

The test plays a synthetic lower-back walking signal into the page as DeviceMotionEvents at
50 Hz in real time (Chromium has no motion sensor of its own), stops the session, saves it, and
checks that the page sends the samples to the stored session and shows what was measured.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.gait.synthetic import walking_signal
from tests.web.browser.conftest import PageCheck
from tests.web.browser.flows import answer_screening, fill_end_form, make_program, sign_up

pytestmark = pytest.mark.browser

RATE_HZ = 50.0

PLAY = """(samples) => new Promise((done) => {
    let next = 0;
    const timer = setInterval(() => {
        if (next >= samples.length) { clearInterval(timer); done(next); return; }
        const s = samples[next++];
        window.dispatchEvent(new DeviceMotionEvent("devicemotion", {
            accelerationIncludingGravity: {x: s[0], y: s[1], z: s[2]},
            rotationRate: {alpha: s[5], beta: s[3], gamma: s[4]},
            interval: 20,
        }));
    }, 20);
})"""


def _samples(walk_s: float) -> list[list[float]]:
    """acc x, y, z (m/s²) and rotation rate about x, y, z (deg/s) of a walk, 50 Hz."""
    acc, gyr, _ = walking_signal(walk_s=walk_s, stand_s=1.0, fs=RATE_HZ)
    deg = 180.0 / math.pi
    return [[*map(float, a), *(float(g) * deg for g in w)] for a, w in zip(acc, gyr, strict=True)]


def _recordings(page: Page) -> list[dict[str, Any]]:
    me = page.request.get("/api/v1/me").json()
    sessions = page.request.get(f"/api/v1/patients/{me['id']}/sessions").json()
    assert len(sessions) == 1
    url = f"/api/v1/patients/{me['id']}/sessions/{sessions[0]['id']}/recordings"
    found: list[dict[str, Any]] = page.request.get(url).json()
    return found


STORED_ON_DEVICE = """() => new Promise((done) => {
    const open = indexedDB.open("retrowalk-motion", 1);
    open.onsuccess = () => {
        const tx = open.result.transaction(["recordings", "chunks"], "readonly");
        const counts = {};
        const count = (name) => {
            tx.objectStore(name).count().onsuccess = (e) => { counts[name] = e.target.result; };
        };
        count("recordings");
        count("chunks");
        tx.oncomplete = () => { open.result.close(); done(counts); };
    };
    open.onerror = () => done(null);
})"""


def _start_measured_session(page: Page, name: str, check: PageCheck | None = None) -> None:
    """A new patient's first session started with "Measure my walking" ticked."""
    sign_up(page, name)
    answer_screening(page)
    make_program(page)
    page.goto("/app/session")
    expect(page.locator("#guided-session[data-ready=true]")).to_be_attached()
    page.get_by_label("Measure my walking with this phone's motion sensor").check()
    if check is not None:
        check(page, "session-before-motion")
    page.locator("#pain_before-3").check()
    page.get_by_role("button", name="Start the session").click()
    expect(page.locator("[data-motion-status]")).to_have_text(
        "Measuring your walking with the phone's motion sensor."
    )


def _continue_after_reload(page: Page) -> None:
    page.reload()
    expect(page.locator("#guided-session[data-ready=true]")).to_be_attached()
    page.get_by_role("button", name="Continue that session").click()
    expect(page.locator("[data-motion-status]")).to_have_text(
        "Measuring your walking with the phone's motion sensor."
    )
    page.get_by_role("button", name="Resume").click()


def test_a_session_measured_with_the_phones_motion_sensor_shows_what_was_walked(
    page: Page, check_page: PageCheck
) -> None:
    _start_measured_session(page, "Moritz Motion", check=check_page)
    played = page.evaluate(PLAY, _samples(walk_s=14.0))
    assert played == 800
    page.get_by_role("button", name="Stop early").click()
    fill_end_form(page)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-done-status]")).to_contain_text("in your progress")
    done = page.locator("[data-motion-done]")
    expect(done).to_contain_text("Measured by your phone:", timeout=20000)
    check_page(page, "session-done-motion")

    recordings = _recordings(page)
    assert len(recordings) == 1
    measured = recordings[0]
    assert measured["filename"] == "phone-motion.csv"
    walked_steps = measured["forward_steps"] + measured["backward_steps"]
    assert walked_steps >= 15  # 14 s at 110 steps/min: about 25 steps
    assert f"{measured['forward_steps']} steps" in done.inner_text()

    # the choice is remembered on this device for the next session
    page.goto("/app/session")
    expect(page.locator("#guided-session[data-ready=true]")).to_be_attached()
    expect(page.get_by_label("Measure my walking with this phone's motion sensor")).to_be_checked()


def test_without_consent_nothing_is_recorded_or_sent(page: Page) -> None:
    sign_up(page, "Nora Nomotion")
    answer_screening(page)
    make_program(page)
    page.goto("/app/session")
    expect(page.locator("#guided-session[data-ready=true]")).to_be_attached()
    expect(
        page.get_by_label("Measure my walking with this phone's motion sensor")
    ).not_to_be_checked()
    page.locator("#pain_before-3").check()
    page.get_by_role("button", name="Start the session").click()
    page.evaluate(PLAY, _samples(walk_s=2.0))
    page.get_by_role("button", name="Stop early").click()
    fill_end_form(page)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-done-status]")).to_contain_text("in your progress")
    expect(page.locator("[data-motion-done]")).to_have_text("")
    assert _recordings(page) == []


def _measure_and_save_offline(page: Page, context: BrowserContext, name: str) -> None:
    """A measured session of 12 s of walking, stopped and saved while offline."""
    _start_measured_session(page, name)
    page.evaluate(PLAY, _samples(walk_s=12.0))
    page.get_by_role("button", name="Stop early").click()
    fill_end_form(page)
    context.set_offline(True)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-done-status]")).to_contain_text("You are offline")


def test_a_session_saved_offline_is_measured_once_it_is_sent(
    page: Page, context: BrowserContext
) -> None:
    _measure_and_save_offline(page, context, "Olga Offline")
    expect(page.locator("[data-motion-done]")).to_have_text("")
    context.set_offline(False)
    expect(page.locator("[data-motion-done]")).to_contain_text(
        "Measured by your phone:", timeout=30000
    )
    assert len(_recordings(page)) == 1


def test_a_session_continued_after_a_reload_is_measured_from_its_start(page: Page) -> None:
    _start_measured_session(page, "Rita Reload")
    page.evaluate(PLAY, _samples(walk_s=8.0))
    _continue_after_reload(page)
    page.evaluate(PLAY, _samples(walk_s=8.0))
    page.get_by_role("button", name="Stop early").click()
    fill_end_form(page)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-motion-done]")).to_contain_text(
        "Measured by your phone:", timeout=20000
    )
    measured = _recordings(page)[0]
    # both halves (9 s of samples each) and the reload between them; the half after the reload
    # alone is under the 10 s that are measured at all
    assert measured["duration_min"] * 60 > 18.0
    assert measured["forward_steps"] + measured["backward_steps"] >= 20
    assert page.evaluate(STORED_ON_DEVICE) == {"recordings": 0, "chunks": 0}


FEED_FROM_LOAD = """(() => { let k = 0; setInterval(() => { k++;
    window.dispatchEvent(new DeviceMotionEvent("devicemotion", {
        accelerationIncludingGravity: {x: Math.sin(k / 5), y: 9.81 + Math.cos(k / 7), z: 0.3},
        rotationRate: {alpha: 1, beta: 2, gamma: 3}, interval: 5}));
}, 5); })();"""
"""A phone's sensor: events from the moment the page loads, through the Continue tap."""


def test_motion_events_around_the_continue_tap_keep_the_recordings_times_in_order(
    page: Page,
) -> None:
    _start_measured_session(page, "Rae Race")
    page.evaluate(PLAY, _samples(walk_s=8.0))
    posted: list[bytes] = []
    page.route(
        "**/recordings",
        lambda route: (posted.append(route.request.post_data_buffer or b""), route.continue_()),
    )
    page.add_init_script(FEED_FROM_LOAD)
    page.reload()
    expect(page.locator("#guided-session[data-ready=true]")).to_be_attached()
    page.wait_for_timeout(300)
    page.get_by_role("button", name="Continue that session").click()
    page.get_by_role("button", name="Resume").click()
    page.wait_for_timeout(3000)
    page.get_by_role("button", name="Stop early").click()
    fill_end_form(page)
    page.get_by_role("button", name="Save").click()
    done = page.locator("[data-motion-done]")
    expect(done).to_contain_text("Measured by your phone:", timeout=20000)
    text = posted[0].decode("utf-8", "replace")
    times = [float(line.split(",")[0]) for line in text.splitlines() if line[:1].isdigit()]
    assert times == sorted(times)
    assert times[-1] > 11.0  # the walk before the reload, the gap, and the seconds after


def test_a_session_saved_offline_is_measured_when_another_page_sends_it(
    page: Page, context: BrowserContext
) -> None:
    _measure_and_save_offline(page, context, "Paul Pending")
    stored = page.evaluate(STORED_ON_DEVICE)
    assert stored["recordings"] == 1
    assert stored["chunks"] >= 2
    page.close()

    context.set_offline(False)
    later = context.new_page()
    later.goto("/app/progress")
    expect(later.locator("html[data-outbox-waiting='0']")).to_be_attached(timeout=20000)
    for _ in range(40):
        if later.evaluate(STORED_ON_DEVICE) == {"recordings": 0, "chunks": 0}:
            break
        later.wait_for_timeout(500)
    assert later.evaluate(STORED_ON_DEVICE) == {"recordings": 0, "chunks": 0}
    recordings = _recordings(later)
    assert len(recordings) == 1
    assert recordings[0]["filename"] == "phone-motion.csv"


def test_starting_again_instead_of_continuing_deletes_the_recording_on_the_device(
    page: Page,
) -> None:
    _start_measured_session(page, "Stella Startagain")
    page.evaluate(PLAY, _samples(walk_s=6.0))
    page.reload()
    expect(page.locator("#guided-session[data-ready=true]")).to_be_attached()
    assert page.evaluate(STORED_ON_DEVICE)["recordings"] == 1
    page.get_by_role("button", name="Start again").click()
    for _ in range(20):
        if page.evaluate(STORED_ON_DEVICE) == {"recordings": 0, "chunks": 0}:
            break
        page.wait_for_timeout(250)
    assert page.evaluate(STORED_ON_DEVICE) == {"recordings": 0, "chunks": 0}
