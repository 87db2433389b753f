"""Page-level access: sign-in redirects, role checks and the HTML error page.

API routes answer errors with JSON (``retrowalk.web.errors``); a person in a browser gets a
page instead. :class:`RedirectNeededError` and :class:`PageError` are raised by page handlers and
turned into a redirect or an error page by the handlers :func:`install_page_errors` registers.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from retrowalk.web.pages.rendering import render
from retrowalk.web.pages.session_user import CsrfError, PageUser, page_user


class RedirectNeededError(Exception):
    """Send the browser elsewhere (303)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class PageError(Exception):
    """Show an error page with a status code, a title and what to do."""

    def __init__(self, status_code: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.title = title
        self.message = message


def require(request: Request, role: str) -> PageUser:
    """The signed-in user with ``role``; otherwise a redirect to sign in, or a 403 page."""
    user = page_user(request)
    if user is None:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        raise RedirectNeededError(f"/login?next={quote(target, safe='')}")
    if user.role != role:
        raise PageError(403, "Not for this account", f"This page is for {role}s.")
    return user


def _redirect(_request: Request, error: Exception) -> Response:
    assert isinstance(error, RedirectNeededError)
    return RedirectResponse(error.url, status_code=303)


def _problem(request: Request, error: Exception) -> Response:
    assert isinstance(error, PageError)
    return render(
        request,
        "error.html",
        title=error.title,
        user=page_user(request),
        status_code=error.status_code,
        message=error.message,
    )


def _csrf(request: Request, error: Exception) -> Response:
    return _problem(request, PageError(403, "Please try again", str(error)))


def install_page_errors(app: FastAPI) -> None:
    app.add_exception_handler(RedirectNeededError, _redirect)
    app.add_exception_handler(PageError, _problem)
    app.add_exception_handler(CsrfError, _csrf)
