"""The guided session for a person who cannot look closely or tap twice: in a real Chromium.

Found by an accessibility review: the controls covered the countdown on a phone held sideways,
the screen lock was not taken again after the page had been hidden, a continued session spoke
"walk backward" while still paused, and a missing pain answer was named below the form.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.browser.flows import (
    answer_screening,
    make_program,
    sign_up,
    start_session,
    wait_for_phase,
)

pytestmark = pytest.mark.browser

# Speech and the screen lock recorded instead of used (headless Chromium has neither a voice
# nor a screen to keep on; the stand-in lock behaves as the Screen Wake Lock spec says: the
# browser releases it when the page is hidden).
RECORDERS = """
(() => {
  window.__spoken = [];
  window.speechSynthesis.speak = (u) => window.__spoken.push(u.text);
  window.speechSynthesis.cancel = () => {};
  window.__locks = { requested: 0, active: [] };
  const request = () => {
    window.__locks.requested += 1;
    const lock = new EventTarget();
    lock.released = false;
    lock.release = () => {
      if (!lock.released) {
        lock.released = true;
        window.__locks.active = window.__locks.active.filter((l) => l !== lock);
        lock.dispatchEvent(new Event("release"));
      }
      return Promise.resolve();
    };
    window.__locks.active.push(lock);
    return Promise.resolve(lock);
  };
  Object.defineProperty(navigator, "wakeLock", { value: { request }, configurable: true });
  let visible = "visible";
  Object.defineProperty(document, "visibilityState", { get: () => visible, configurable: true });
  window.__setVisible = (state) => {
    visible = state;
    if (state === "hidden") window.__locks.active.slice().forEach((l) => l.release());
    document.dispatchEvent(new Event("visibilitychange"));
  };
})();
"""


def _box(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None
    return box


def _overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_on_a_phone_held_sideways_the_controls_leave_the_countdown_and_instruction_visible(
    page: Page,
) -> None:
    sign_up(page, "Lana Landscape")
    answer_screening(page)
    make_program(page)
    page.set_viewport_size({"width": 740, "height": 360})
    start_session(page, speed=1)
    controls = _box(page, "[data-step=running] .controls")
    for shown in ("[data-countdown]", "[data-instruction]"):
        box = _box(page, shown)
        assert not _overlaps(box, controls), shown
        assert box["y"] + box["height"] <= 360, shown
    fall = _box(page, "[data-action=fall]")
    assert fall["y"] + fall["height"] <= 360  # the fall button is on the screen too
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 740


@pytest.mark.parametrize(("width", "height"), [(320, 568), (360, 640)])
def test_on_a_small_phone_the_controls_leave_the_instruction_and_reminder_visible(
    page: Page, width: int, height: int
) -> None:
    sign_up(page, f"Sam Small {width}")
    answer_screening(page)
    make_program(page)
    page.set_viewport_size({"width": width, "height": height})
    start_session(page, speed=1)
    controls = _box(page, "[data-step=running] .controls")
    for shown in ("[data-countdown]", "[data-instruction]", "[data-reminder]"):
        box = _box(page, shown)
        assert box["y"] + box["height"] <= controls["y"] + 1, shown
    fall = _box(page, "[data-action=fall]")
    assert fall["y"] + fall["height"] <= height
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


def test_the_screen_lock_is_taken_again_when_the_page_is_back(page: Page) -> None:
    page.add_init_script(RECORDERS)
    sign_up(page, "Wade Wakelock")
    answer_screening(page)
    make_program(page)
    start_session(page, speed=1)
    page.wait_for_function("() => window.__locks.active.length === 1")
    page.evaluate("() => window.__setVisible('hidden')")
    assert page.evaluate("() => window.__locks.active.length") == 0
    page.evaluate("() => window.__setVisible('visible')")
    page.wait_for_function("() => window.__locks.active.length === 1")
    assert page.evaluate("() => window.__locks.requested") == 2


def test_a_session_continued_after_a_reload_stays_quiet_until_resume(page: Page) -> None:
    page.add_init_script(RECORDERS)
    sign_up(page, "Quinn Quiet")
    answer_screening(page)
    make_program(page)
    start_session(page, speed=60)
    wait_for_phase(page, "Walk backward")
    page.wait_for_function(
        "() => Number(document.querySelector('[data-countdown]').textContent.split(':')[0]) < 5"
        " || document.querySelector('[data-reminder]').textContent !== ''"
    )
    page.get_by_role("button", name="Pause").click()
    page.reload()
    page.get_by_role("button", name="Continue that session").click()
    expect(page.locator("[data-action=pause]")).to_have_text("Resume")
    spoken = page.evaluate("() => window.__spoken")
    assert spoken[-1].startswith("Paused")
    assert not any(text.startswith("Walk backward") for text in spoken)
    page.evaluate("() => { window.__spoken = []; }")
    page.get_by_role("button", name="Resume").click()
    page.wait_for_timeout(600)
    spoken = page.evaluate("() => window.__spoken")
    assert spoken
    assert spoken[0].startswith("Resuming")
    assert len(spoken) == 1  # no reminder straight after resuming


def test_a_missing_pain_answer_is_named_beside_the_question_and_linked_to_it(
    page: Page,
) -> None:
    sign_up(page, "Nell Nopain")
    answer_screening(page)
    make_program(page)
    page.goto("/app/session?speed=1")
    expect(page.locator("#guided-session[data-ready=true]")).to_be_attached()
    page.get_by_role("button", name="Start the session").click()
    error = page.locator("#pain_before-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Choose how much your back hurts now")
    group = page.locator("fieldset:has(#pain_before-error)")
    expect(group).to_have_attribute("aria-describedby", "pain_before-error")
    expect(group).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#pain_before-0")).to_be_focused()
    page.locator("#pain_before-2").check()
    page.get_by_role("button", name="Start the session").click()
    expect(page.locator("[data-step=running]")).to_be_visible()


def test_a_muted_voice_is_shown_on_the_button(page: Page) -> None:
    sign_up(page, "Mo Mute")
    answer_screening(page)
    make_program(page)
    start_session(page, speed=1)
    mute = page.locator("[data-action=mute]")
    expect(mute).to_have_text("Mute voice")
    mute.click()
    expect(mute).to_have_text("Voice muted (tap to turn on)")
    expect(mute).to_have_attribute("aria-pressed", "true")
