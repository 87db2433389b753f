"""The FastAPI application factory: ``create_app(settings)``.

The API lives under ``/api/v1`` (OpenAPI schema at ``/api/v1/openapi.json``, docs at
``/api/v1/docs``). Web pages register themselves through ``UI_MODULES``: each module listed
there has ``register(app: FastAPI) -> None`` (the same pattern as the CLI's
``COMMAND_MODULES``). Nothing connects at import time; the database is opened lazily.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from retrowalk import __version__
from retrowalk.config import Settings
from retrowalk.services.runtime import Clock, Runtime, build_runtime
from retrowalk.storage.base import utcnow
from retrowalk.web.api import API_PREFIX, build_api_router
from retrowalk.web.api_headers import ApiHeaders
from retrowalk.web.body_limit import MAX_REQUEST_BYTES, BodySizeLimit
from retrowalk.web.errors import install_error_handlers
from retrowalk.web.security import LoginLimiter

UI_MODULES: tuple[str, ...] = ("pages", "pages.exchange")
"""Modules under ``retrowalk.web`` that add pages to the app (``register(app)``)."""


def create_app(
    settings: Settings,
    *,
    runtime: Runtime | None = None,
    clock: Clock = utcnow,
    max_request_bytes: int = MAX_REQUEST_BYTES,
) -> FastAPI:
    """Build the app for ``settings`` (or around an existing ``runtime``, e.g. in tests).

    ``max_request_bytes``: the ceiling on any request body (web/body_limit.py)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        # stopping: close every connection, so SQLite folds its write-ahead log back into the
        # database file (a stopped app leaves one self-contained file; uvicorn re-raises the
        # stop signal after this, so nothing later in the process would run)
        app.state.runtime.db.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="retrowalk",
        version=__version__,
        summary="Retro-walking for chronic low back pain: accounts, programs, sessions, outcomes.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        # the interactive docs page loads Swagger UI from a CDN: a third-party script on the
        # site's own origin, so only in development (the OpenAPI schema is always served)
        docs_url=f"{API_PREFIX}/docs" if settings.environment != "production" else None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.runtime = runtime if runtime is not None else build_runtime(settings, clock=clock)
    app.state.login_limiter = LoginLimiter(settings.login_max_failures, settings.login_window_s)
    install_error_handlers(app)
    app.include_router(build_api_router())
    app.add_middleware(BodySizeLimit, max_bytes=max_request_bytes)
    app.add_middleware(ApiHeaders, prefix=f"{API_PREFIX}/")

    @app.get(f"{API_PREFIX}/health", tags=["meta"])
    def health() -> dict[str, str]:
        """Liveness check (no database access)."""
        return {"status": "ok", "version": __version__}

    for name in UI_MODULES:
        importlib.import_module(f"retrowalk.web.{name}").register(app)
    return app
