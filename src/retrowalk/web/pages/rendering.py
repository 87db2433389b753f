"""Rendering pages: one Jinja2 environment, the shared layout context and the navigation.

Every page gets the signed-in user, the CSRF token for its forms (and for outbox.js, through
``<meta name="csrf-token">``), the navigation for the user's role and ``static_url`` (with a
content hash, so a changed script is never served stale from a cache).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from retrowalk.domain.screening import NEW_SYMPTOMS_RULE, STOP_RULES
from retrowalk.web.pages.session_user import CSRF_HEADER, PageUser

WEB_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
STATIC_PREFIX = "/static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
# one wording of when to stop, on every page that says it (the screening's precaution too)
templates.env.globals["stop_rules"] = STOP_RULES
templates.env.globals["new_symptoms_rule"] = NEW_SYMPTOMS_RULE


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool = False


@dataclass(frozen=True)
class Message:
    """A one-line notice at the top of a page; ``kind`` is ok, warn or danger."""

    text: str
    kind: str = "ok"


@cache
def _static_hash(path: str) -> str:
    data = (STATIC_DIR / path).read_bytes()
    return hashlib.sha256(data).hexdigest()[:12]


def static_url(path: str) -> str:
    """URL of a file under ``web/static`` with a content hash for cache busting."""
    return f"{STATIC_PREFIX}/{path}?v={_static_hash(path)}"


PATIENT_NAV = (
    ("My program", "/app"),
    ("Progress", "/app/progress"),
    ("Questionnaires", "/app/questionnaires"),
    ("My details", "/app/profile"),
)
CLINICIAN_NAV = (
    ("Patients", "/clinic"),
    ("Invite a patient", "/clinic/invite"),
    ("Password", "/account/password"),
)
ADMIN_NAV = (("Accounts", "/admin"), ("Password", "/account/password"))


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
"""Pages load only the app's own files: no inline script or style, no third parties."""

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
"""Health data is never cached; the policy above; no content sniffing; no cross-site referrer."""

DONE_MESSAGES = {
    "morning": "Saved: your morning pain. Thank you.",
    "questionnaire": "Saved: your questionnaire.",
    "linked": "Your account is now linked with your clinician.",
    "paused": "The program is paused.",
    "resumed": "The program is active again.",
    "adjusted": "The plan was changed.",
    "flag": "The flag is marked as resolved.",
    "program": "Your program is ready.",
    "profile": "Saved: your details.",
    "account": "The account is added.",
    "account_status": "The account's status is changed.",
    "account_password": "The new password is set; the account is signed out everywhere.",
    "password": "Your password is changed. Anywhere else you were signed in, you are now "
    "signed out.",
}
"""Fixed confirmations a redirect may ask for with ``?done=KEY`` (never free text)."""


def navigation(user: PageUser | None, path: str) -> list[NavItem]:
    if user is None:
        return [
            NavItem("Sign in", "/login", path == "/login"),
            NavItem("Create account", "/signup", path == "/signup"),
        ]
    items = {"patient": PATIENT_NAV, "clinician": CLINICIAN_NAV}.get(user.role, ADMIN_NAV)
    return [NavItem(label, url, path == url) for label, url in items]


def home_url(user: PageUser | None) -> str:
    if user is None:
        return "/"
    return {"patient": "/app", "clinician": "/clinic"}.get(user.role, "/admin")


def render(
    request: Request,
    template: str,
    *,
    title: str,
    user: PageUser | None,
    status_code: int = 200,
    messages: list[Message] | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` inside the layout with the shared context."""
    shown = list(messages or [])
    done = DONE_MESSAGES.get(request.query_params.get("done", ""))
    if done is not None:
        shown.append(Message(done))
    return templates.TemplateResponse(
        request,
        template,
        {
            "title": title,
            "user": user,
            "csrf_token": user.csrf_token if user else "",
            "csrf_header": CSRF_HEADER,
            "nav": navigation(user, request.url.path),
            "home_url": home_url(user),
            "static_url": static_url,
            "messages": shown,
            **context,
        },
        status_code=status_code,
        headers=PAGE_HEADERS,
    )
