"""Server-rendered pages for patients and clinicians, on the same app as the JSON API.

``register(app)`` (listed in ``retrowalk.web.app.UI_MODULES``) adds the page routes, serves
``web/static`` under ``/static`` and installs the page error handlers (redirect to sign in, HTML
error pages). Routes are thin: read the form, call a service, render a template.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from retrowalk.web.pages import (
    account,
    admin,
    clinician,
    patient,
    profile,
    questionnaires,
    screening,
)
from retrowalk.web.pages.guards import install_page_errors
from retrowalk.web.pages.rendering import STATIC_DIR, STATIC_PREFIX

__all__ = ["register"]


def register(app: FastAPI) -> None:
    """Add the pages, the static files and the page error handlers to ``app``."""
    install_page_errors(app)
    for module in (account, screening, patient, questionnaires, profile, clinician, admin):
        app.include_router(module.router)
    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="static")
