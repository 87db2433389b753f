"""The JSON API under ``/api/v1``: one router per part."""

from __future__ import annotations

from fastapi import APIRouter

from retrowalk.web.api import (
    admin,
    auth,
    clinician,
    exchange,
    links,
    outcomes,
    patients,
    programs,
    sessions,
)

API_PREFIX = "/api/v1"


def build_api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)
    for module in (auth, admin, clinician, links, patients, programs, sessions, outcomes, exchange):
        router.include_router(module.router)
    return router


__all__ = ["API_PREFIX", "build_api_router"]
