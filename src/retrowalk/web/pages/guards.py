"""Page-level access: sign-in redirects, role checks and the HTML error page.

API routes answer errors with JSON (``retrowalk.web.errors``); a person in a browser gets a
page instead. :class:`RedirectNeededError` and :class:`PageError` are raised by page handlers and
turned into a redirect or an error page by the handlers :func:`install_page_errors` registers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from retrowalk.errors import RetrowalkError
from retrowalk.web.errors import status_for
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


def require(request: Request, role: str | None) -> PageUser:
    """The signed-in user with ``role`` (any role for ``None``); otherwise a redirect to sign
    in, or a 403 page."""
    user = page_user(request)
    if user is None:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        raise RedirectNeededError(f"/login?next={quote(target, safe='')}")
    if role is not None and user.role != role:
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


API_PATH_PREFIX = "/api/"
"""Paths that keep the API's JSON errors; every other path is a page a person reads."""

HTTP_PAGE_ERRORS = {
    404: ("Page not found", "There is no page at this address. Check the link, or start again."),
    405: ("Not possible here", "This address cannot be used like that. Start again from a page."),
}
"""What a person sees for the router's own errors (unknown address, wrong method)."""

Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def is_page_path(path: str) -> bool:
    return not (path.startswith(API_PATH_PREFIX) or path == API_PATH_PREFIX.rstrip("/"))


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "form"


def _page_or(api_handler: Handler | None, page: Callable[[Request, Exception], Response]) -> Any:
    """A handler answering page paths with ``page`` and API paths with ``api_handler``."""

    async def handle(request: Request, error: Exception) -> Response:
        if is_page_path(request.url.path) or api_handler is None:
            return page(request, error)
        answer = api_handler(request, error)
        return await answer if isinstance(answer, Awaitable) else answer

    return handle


def _http_page(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    title, message = HTTP_PAGE_ERRORS.get(
        error.status_code, ("Something went wrong", "Please go back and try again.")
    )
    response = _problem(request, PageError(error.status_code, title, message))
    if error.headers:
        response.headers.update(error.headers)
    return response


def _invalid_request_page(request: Request, error: Exception) -> Response:
    """A form post or address the page's own fields could not hold (e.g. a crafted post).

    The page forms send every field and limit their length, so a person meets this only
    with a stale or hand-made request; it still names each field and what is wrong.
    """
    assert isinstance(error, RequestValidationError)
    problems = [
        f"{_field_name(tuple(detail.get('loc', ())))}: {detail.get('msg', 'invalid')}"
        for detail in error.errors()
    ]
    message = "Nothing was saved. " + "; ".join(problems) + ". Go back, check and send again."
    return _problem(request, PageError(422, "Please check what you sent", message))


DOMAIN_ERROR_TITLES = {
    401: "Please sign in again",
    403: "Not allowed",
    404: "Not found",
    409: "Not possible now",
    422: "Please check what you sent",
    429: "Please wait a moment",
}


def _domain_page(request: Request, error: Exception) -> Response:
    """A service refusal a page did not turn into its own message: the same status, as HTML."""
    assert isinstance(error, RetrowalkError)
    status, _kind = status_for(error)
    title = DOMAIN_ERROR_TITLES.get(status, "That did not work")
    return _problem(request, PageError(status, title, f"Nothing was changed: {error}."))


def _unexpected_page(api_handler: Handler | None) -> Any:
    """A bug on a page path: the API's handler logs it; the person gets an HTML 500 page."""

    async def handle(request: Request, error: Exception) -> Response:
        answer = api_handler(request, error) if api_handler is not None else None
        logged = await answer if isinstance(answer, Awaitable) else answer
        if not is_page_path(request.url.path) and logged is not None:
            return logged
        try:
            return render(
                request,
                "error.html",
                title="Something went wrong",
                user=None,
                status_code=500,
                message="This is our fault, not yours. Please go back and try again later.",
            )
        except Exception:
            if logged is not None:
                return logged
            raise

    return handle


def install_page_errors(app: FastAPI) -> None:
    """Page handlers; router errors on page paths become HTML pages, API paths keep JSON.

    Must run after the API's handlers are installed (``create_app`` does that first), so
    their JSON handlers are kept for ``/api/`` paths.
    """
    app.add_exception_handler(RedirectNeededError, _redirect)
    app.add_exception_handler(PageError, _problem)
    app.add_exception_handler(CsrfError, _csrf)
    api_http = app.exception_handlers.get(StarletteHTTPException)
    api_invalid = app.exception_handlers.get(RequestValidationError)
    app.add_exception_handler(StarletteHTTPException, _page_or(api_http, _http_page))
    app.add_exception_handler(RequestValidationError, _page_or(api_invalid, _invalid_request_page))
    api_domain = app.exception_handlers.get(RetrowalkError)
    app.add_exception_handler(RetrowalkError, _page_or(api_domain, _domain_page))
    app.add_exception_handler(Exception, _unexpected_page(app.exception_handlers.get(Exception)))
