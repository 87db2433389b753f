"""Every page address, with odd values in its path, answers without a server error.

Each GET route of the page modules is called by a signed-in patient and a clinician with ids
that do not exist, are zero or negative, are not numbers, or overflow a database integer (a
23-digit id once reached SQLite and failed there). A refusal (404, 422, 403, a redirect) is
fine; a 500 is not.
"""

from __future__ import annotations

import importlib
import re

from fastapi import FastAPI

from retrowalk.services.runtime import Runtime
from tests.services.exchange_setup import small_history
from tests.web.pages.test_exchange_pages import cookie_client

PAGE_MODULES = (
    "patient",
    "clinician",
    "exchange",
    "account",
    "profile",
    "questionnaires",
    "screening",
)
ODD_VALUES = ("0", "-1", "abc", "99999999999999999999999", "424242")


def _page_paths() -> list[str]:
    paths: set[str] = set()
    for name in PAGE_MODULES:
        for route in importlib.import_module(f"retrowalk.web.pages.{name}").router.routes:
            if "GET" in (getattr(route, "methods", None) or ()):
                paths.add(route.path)
    return sorted(paths)


def test_the_page_modules_have_addresses_with_ids() -> None:
    paths = _page_paths()
    assert "/clinic/patients/{patient_id}/sessions/{session_id}/recording" in paths
    assert len([p for p in paths if "{" in p]) >= 4


def test_no_page_address_gives_a_server_error(app: FastAPI, runtime: Runtime) -> None:
    history = small_history(runtime)
    clients = {
        "patient": cookie_client(app, history.patient),
        "clinician": cookie_client(app, history.clinician),
    }
    failures = []
    for path in _page_paths():
        for value in ODD_VALUES if "{" in path else ("",):
            url = re.sub(r"\{[^}]+\}", value, path)
            for role, client in clients.items():
                response = client.get(url, follow_redirects=False)
                if response.status_code >= 500:
                    failures.append((role, url, response.status_code))
    assert failures == []
