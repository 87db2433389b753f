"""Shared parameter types for the API routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request, Response

MAX_ID = 2_147_483_647
"""Largest id a 32-bit integer column holds; larger path ids are refused (422), not looked up."""

PatientId = Annotated[int, Path(ge=1, le=MAX_ID, description="The patient's user id")]
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]

MAX_PAGE_ITEMS = 500
"""The most items one list response carries; ``offset`` pages through the rest."""

Limit = Annotated[
    int, Query(ge=1, le=MAX_PAGE_ITEMS, description=f"Items per page (1-{MAX_PAGE_ITEMS})")
]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="How many of the newest items to skip")]


def page_headers(
    request: Request, response: Response, *, total: int, limit: int, offset: int
) -> None:
    """``X-Total-Count`` and, while more items follow, an RFC 8288 ``Link: <...>; rel="next"``,
    so a client sees that a list is one page of a longer one."""
    response.headers["X-Total-Count"] = str(total)
    if offset + limit < total:
        following = request.url.include_query_params(limit=limit, offset=offset + limit)
        # a relative reference (RFC 8288 allows it): never an address built from the Host header
        response.headers["Link"] = f'<{following.path}?{following.query}>; rel="next"'
