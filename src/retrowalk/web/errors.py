"""Map every error to an HTTP response in one place, with one JSON error format.

``{"error": {"type": ..., "message": ..., "field": ..., "problem": ..., "problems": [...]}}``

=========================  ======  ===========================================================
error                      status  when
=========================  ======  ===========================================================
InputError, bad request    422     a body, parameter or header is invalid (field + problem)
AuthenticationError        401     not signed in, or unknown/expired credentials
PermissionDeniedError      403     the role never may (a patient listing accounts), or CSRF
NotFoundError              404     no such record, *or* not yours to see (existence not leaked)
NotAllowedError            409     the rules refuse it now (no plan before clearance, key reuse)
LoginRateLimited           429     too many wrong passwords (``Retry-After`` says when to retry)
=========================  ======  ===========================================================

Anything else is a bug: 500 with no detail (the traceback goes to the server log only).
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from retrowalk.errors import (
    InputError,
    NotAllowedError,
    NotFoundError,
    PermissionDeniedError,
    RetrowalkError,
)
from retrowalk.schemas.parsing import field_path
from retrowalk.services.accounts import AuthenticationError

logger = logging.getLogger("retrowalk.web")


class LoginRateLimitedError(RetrowalkError):
    """Too many wrong passwords for this account or address (sign-in, password change or
    account deletion: every check counts)."""

    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        minutes = max(1, math.ceil(retry_after_s / 60))
        wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
        super().__init__(f"too many wrong passwords; try again in {wait}")


class BodyTooLargeError(StarletteHTTPException):
    """A request body grew past the limit while it was being read (web/body_limit.py)."""

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(413, f"the request body is larger than the limit of {limit_bytes} bytes")


def too_large_body(problem: str) -> dict[str, Any]:
    """The 413 answer: the body as a whole is the field at fault."""
    return error_body("too_large", problem, field="body", problem=problem)


def error_body(kind: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message, **extra}}


def status_for(error: RetrowalkError) -> tuple[int, str]:
    if isinstance(error, InputError):
        return 422, "invalid_input"
    if isinstance(error, AuthenticationError):
        return 401, "not_authenticated"
    if isinstance(error, PermissionDeniedError):
        return 403, "forbidden"
    if isinstance(error, NotFoundError):
        return 404, "not_found"
    if isinstance(error, NotAllowedError):
        return 409, "not_allowed"
    if isinstance(error, LoginRateLimitedError):
        return 429, "rate_limited"
    return 400, "error"


def _domain_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RetrowalkError)
    status, kind = status_for(error)
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(error, InputError):
        extra = {"field": error.field, "problem": error.problem}
    if isinstance(error, AuthenticationError):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, LoginRateLimitedError):
        headers["Retry-After"] = str(error.retry_after_s)
    return JSONResponse(error_body(kind, str(error), **extra), status, headers=headers)


def _location(loc: tuple[Any, ...]) -> str:
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        where = parts.pop(0)
        if where == "header" and parts:
            return str(parts[0])
    return field_path(tuple(parts)) or "body"


def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = []
    for detail in error.errors():
        message = str(detail.get("msg", "invalid"))
        kind = detail.get("type")
        loc = tuple(detail.get("loc", ()))
        if kind == "extra_forbidden":
            message = "unknown key"
        elif kind == "json_invalid":
            # FastAPI puts the character offset where a field name would be: ("body", 9).
            position = loc[1] if len(loc) > 1 else None
            reason = (detail.get("ctx") or {}).get("error", "malformed JSON")
            message = f"not valid JSON ({reason})" + (
                f" at character {position}" if isinstance(position, int) else ""
            )
            loc = ("body",)
        elif kind == "value_error":
            message = message.removeprefix("Value error, ")
        problems.append({"field": _location(loc), "problem": message})
    first = problems[0] if problems else {"field": None, "problem": "invalid request"}
    message = "; ".join(f"{p['field']}: {p['problem']}" for p in problems) or "invalid request"
    body = error_body(
        "invalid_input", message, field=first["field"], problem=first["problem"], problems=problems
    )
    return JSONResponse(body, 422)


def _http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    if isinstance(error, BodyTooLargeError):
        return JSONResponse(too_large_body(str(error.detail)), 413)
    if error.status_code == 400 and error.detail == "There was an error parsing the body":
        # FastAPI's answer when the body cannot be decoded at all (e.g. JSON nested deeper
        # than Python's recursion limit): invalid input like any other malformed body.
        problem = "not valid JSON (it cannot be decoded, e.g. it nests too deeply)"
        body = error_body(
            "invalid_input",
            f"body: {problem}",
            field="body",
            problem=problem,
            problems=[{"field": "body", "problem": problem}],
        )
        return JSONResponse(body, 422)
    kinds = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated"}
    kind = kinds.get(error.status_code, "error")
    return JSONResponse(
        error_body(kind, str(error.detail)), error.status_code, headers=error.headers
    )


def _unexpected(_request: Request, error: Exception) -> JSONResponse:
    logger.exception("unexpected error", exc_info=error)
    return JSONResponse(error_body("internal", "internal server error"), 500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the mapping above on ``app``."""
    app.add_exception_handler(RetrowalkError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
