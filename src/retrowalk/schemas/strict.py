"""Shared building blocks of the strict input schemas (clinical and outcome inputs).

Every input model rejects unknown keys, says "expected a JSON object" (not a Python class name)
when a file holds a list or a number instead of an object, takes numbers only as JSON numbers
(``true`` is not 1, NaN and Infinity are refused) and dates only as real ISO dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError


def json_kind(value: Any) -> str:
    """The JSON name of a decoded value's type, for messages (``a list``, ``true``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    return "an object" if isinstance(value, Mapping) else type(value).__name__


class StrictModel(BaseModel):
    """Base of every input model: frozen, unknown keys rejected, a JSON object required."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _require_object(cls, data: Any) -> Any:
        if isinstance(data, Mapping | BaseModel):
            return data
        raise PydanticCustomError(
            "json_object", "expected a JSON object, got {kind}", {"kind": json_kind(data)}
        )


def _iso_date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError(
            "iso_date",
            "expected a date as a string YYYY-MM-DD, got {kind}",
            {"kind": json_kind(value)},
        )
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError(
            "iso_date", "not a real date in the form YYYY-MM-DD: '{value}'", {"value": value}
        ) from None


#: A finite JSON number (an integer is accepted; ``true``, strings, NaN and Infinity are not).
FiniteNumber = Annotated[float, Field(strict=True, allow_inf_nan=False)]
#: A date given as ``"YYYY-MM-DD"`` that exists on the calendar (2026-02-30 does not).
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
