"""Browser test harness: the real app on localhost, Debian's Chromium through Playwright, axe-core.

- The app runs in a subprocess (uvicorn) on 127.0.0.1 and a free port, on a fresh SQLite
  database in a temporary folder, migrated to the newest schema first.
- Chromium is Debian's (``RETROWALK_CHROMIUM``, default ``/usr/bin/chromium``), launched headless
  with ``executable_path``. When it is missing the tests skip with a message saying how to
  install it, unless ``RETROWALK_REQUIRE_BROWSER=1`` (CI), which turns the skip into a failure.
- axe-core comes from the npm registry, installed once into ``~/.cache/retrowalk-test``
  (``RETROWALK_TEST_CACHE`` overrides), outside the repository, and is injected into each page
  that :func:`check_page` looks at.
- Screenshots of the main pages at phone (360 px) and desktop width go to ``test-artifacts/``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from retrowalk.config import load_settings
from retrowalk.services import accounts
from retrowalk.services.runtime import build_runtime
from retrowalk.storage.migrate import upgrade

try:
    from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
except ImportError:  # pragma: no cover - playwright is a dev dependency
    sync_playwright = None  # type: ignore[assignment]

REPO_ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
AXE_VERSION = "4.14.1"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}

CLINICIAN_EMAIL = "clinician@example.org"
ADMIN_EMAIL = "admin@example.org"
PASSWORD = "correct horse battery"

SERVER_CODE = """
import sys
import uvicorn
from retrowalk.config import load_settings
from retrowalk.web.app import create_app

settings = load_settings()
uvicorn.run(create_app(settings), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def _prepare_database(env: dict[str, str]) -> None:
    """Migrate the fresh database and create the clinician account the tests sign in with."""
    settings = load_settings(env)
    runtime = build_runtime(settings)
    try:
        upgrade(runtime.db)
        accounts.create_user(runtime, None, CLINICIAN_EMAIL, PASSWORD, "Dr Rivera", "clinician")
        accounts.create_user(runtime, None, ADMIN_EMAIL, PASSWORD, "Ada Admin", "admin")
    finally:
        runtime.db.dispose()


def _unavailable(message: str) -> None:
    if os.environ.get("RETROWALK_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{message} (RETROWALK_REQUIRE_BROWSER=1 makes this a failure)")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class LiveServer:
    url: str
    data_dir: Path

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.url + path, **kwargs)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("RETROWALK_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).exists():
        _unavailable(
            f"no Chromium at {path}: install it with `apt-get install chromium` "
            "(or point RETROWALK_CHROMIUM at a Chromium binary) to run the browser tests"
        )
    if sync_playwright is None:
        _unavailable("Playwright for Python is missing: pip install -e '.[dev]'")
    return path


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's browser bundle, installed from the npm registry into a cache folder."""
    cache = Path(os.environ.get("RETROWALK_TEST_CACHE", Path.home() / ".cache" / "retrowalk-test"))
    bundle = cache / "node_modules" / "axe-core" / "axe.min.js"
    installed = cache / "node_modules" / "axe-core" / "package.json"
    if not bundle.exists() or f'"version": "{AXE_VERSION}"' not in installed.read_text():
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm is missing: install it (`apt-get install npm`) to fetch axe-core")
        cache.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                npm,
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(cache),
                f"axe-core@{AXE_VERSION}",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0 or not bundle.exists():
            _unavailable(f"could not install axe-core from npm: {result.stderr.strip()[-500:]}")
    return bundle.read_text()


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, chromium_path: str
) -> Iterator[LiveServer]:
    """The app served by uvicorn on 127.0.0.1, on a fresh SQLite database."""
    data_dir = tmp_path_factory.mktemp("retrowalk-live")
    port = _free_port()
    env = {
        **os.environ,
        "RETROWALK_DATA_DIR": str(data_dir),
        "RETROWALK_DATABASE_URL": f"sqlite:///{data_dir / 'retrowalk.sqlite3'}",
        "RETROWALK_ENV": "development",
        "RETROWALK_FAST_PASSWORD_HASHING": "true",
        "RETROWALK_LOGIN_MAX_FAILURES": "1000",
    }
    _prepare_database(env)
    log_path = data_dir / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", SERVER_CODE, str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=str(data_dir),
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the app did not start:\n{log_path.read_text()[-3000:]}")
            try:
                if httpx.get(url + "/login", timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the app did not answer in 60 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield LiveServer(url=url, data_dir=data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Browser]:
    assert sync_playwright is not None
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def midday_time_zone(now: dt.datetime) -> str:
    """The whole-hour zone (``Etc/GMT-N`` is UTC+N) where it is closest to noon at ``now``.

    The browser's zone is the patient's (sign-up reads it), and a session run at ``?speed``
    is recorded as starting that many simulated minutes before it ends: run just after local
    midnight it would start the day before the program's first day and not count as a planned
    session. At local noon no test session crosses midnight, whenever the suite runs.
    """
    utc = now.astimezone(dt.UTC)
    hour = utc.hour + utc.minute / 60
    offset = min(range(-12, 13), key=lambda h: abs((hour + h) % 24 - 12))
    return "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    ctx = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        bypass_csp=False,
        timezone_id=midday_time_zone(dt.datetime.now(dt.UTC)),
    )
    ctx.set_default_timeout(15000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors  # type: ignore[attr-defined]
    return page


SERIOUS = ("serious", "critical")


def axe_violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    """Serious or critical axe-core violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    result: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }"""
    )
    return [v for v in result if v["impact"] in SERIOUS]


def screenshot(page: Page, name: str) -> None:
    """Save the page at phone and desktop width into test-artifacts/ (then back to phone)."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS_DIR / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(PHONE)


PageCheck = Callable[[Page, str], None]


def page_width_px(page: Page) -> int:
    """How wide the page lays out (``scrollWidth``): above the viewport, it scrolls sideways."""
    width: int = page.evaluate("() => document.documentElement.scrollWidth")
    return width


@pytest.fixture
def check_page(axe_source: str) -> PageCheck:
    """Run axe-core on the page (no serious/critical violation), check that it fits a phone's
    width (wide tables scroll inside their own region, the page does not) and save its
    screenshots."""

    def check(page: Page, name: str) -> None:
        violations = axe_violations(page, axe_source)
        assert violations == [], f"axe-core on {name} ({page.url}): {violations}"
        errors = getattr(page, "js_errors", [])
        assert errors == [], f"JavaScript errors on {name}: {errors}"
        page.set_viewport_size(PHONE)
        width = page_width_px(page)
        assert width <= PHONE["width"], f"{name} ({page.url}) is {width} px wide on a phone"
        screenshot(page, name)

    return check
