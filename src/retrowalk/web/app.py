"""The FastAPI application factory: ``create_app(settings)``.

The API lives under ``/api/v1`` (OpenAPI schema at ``/api/v1/openapi.json``, docs at
``/api/v1/docs``). Web pages register themselves through ``UI_MODULES``: each module listed
there has ``register(app: FastAPI) -> None`` (the same pattern as the CLI's
``COMMAND_MODULES``). Nothing connects at import time; the database is opened lazily.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from retrowalk import __version__
from retrowalk.config import Settings
from retrowalk.services.runtime import Clock, Runtime, build_runtime
from retrowalk.storage.base import utcnow
from retrowalk.web.api import API_PREFIX, build_api_router
from retrowalk.web.errors import error_body, install_error_handlers
from retrowalk.web.security import LoginLimiter

MAX_REQUEST_BYTES = 48 * 1024 * 1024
"""Bodies declared larger than this are refused before they are read: the largest upload (an
IMU recording, 40 MB, ``services.recordings.MAX_RECORDING_BYTES``) plus room for the multipart
wrapping. Each endpoint still checks its own, smaller limit on what it reads."""

UI_MODULES: tuple[str, ...] = ("pages", "pages.exchange")
"""Modules under ``retrowalk.web`` that add pages to the app (``register(app)``)."""


def create_app(
    settings: Settings, *, runtime: Runtime | None = None, clock: Clock = utcnow
) -> FastAPI:
    """Build the app for ``settings`` (or around an existing ``runtime``, e.g. in tests)."""
    app = FastAPI(
        title="retrowalk",
        version=__version__,
        summary="Retro-walking for chronic low back pain: accounts, programs, sessions, outcomes.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.runtime = runtime if runtime is not None else build_runtime(settings, clock=clock)
    app.state.login_limiter = LoginLimiter(settings.login_max_failures, settings.login_window_s)
    install_error_handlers(app)
    app.include_router(build_api_router())

    @app.middleware("http")
    async def refuse_huge_bodies(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
            problem = f"the request body is {declared} bytes; the limit is {MAX_REQUEST_BYTES}"
            return JSONResponse(
                error_body("too_large", problem, field="body", problem=problem), 413
            )
        return await call_next(request)

    @app.get(f"{API_PREFIX}/health", tags=["meta"])
    def health() -> dict[str, str]:
        """Liveness check (no database access)."""
        return {"status": "ok", "version": __version__}

    for name in UI_MODULES:
        importlib.import_module(f"retrowalk.web.{name}").register(app)
    return app
