"""Shared parameter types for the API routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

MAX_ID = 2_147_483_647
"""Largest id a 32-bit integer column holds; larger path ids are refused (422), not looked up."""

PatientId = Annotated[int, Path(ge=1, le=MAX_ID, description="The patient's user id")]
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]
