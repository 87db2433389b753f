"""Turn untrusted JSON text or decoded data into validated models, with errors that say where.

Every adapter (CLI file reader, API body, web form) goes through these two functions so a user
always gets the same kind of message: the source, the line and column for malformed JSON, the
field path (``items.3``, ``screening_answers.pain_now_nprs``) and the problem for invalid data.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from retrowalk.errors import InputError

ModelT = TypeVar("ModelT", bound=BaseModel)


def parse_json_text(text: str, *, source: str | None = None) -> Any:
    """Decode JSON text; malformed JSON raises :class:`InputError` with line and column."""
    if text.startswith("\ufeff"):
        text = text[1:]  # a UTF-8 byte-order mark (Windows editors write one), as the CSVs allow
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"not valid JSON: {error.msg}", source=source, line=error.lineno, column=error.colno
        ) from None
    except RecursionError:
        # json.loads recurses per nesting level: a hostile or broken file nests deeper than
        # Python's stack allows; none of retrowalk's inputs nests more than a few levels.
        raise InputError("the JSON nests too deeply", source=source) from None


def field_path(location: tuple[int | str, ...]) -> str:
    """Join a Pydantic error location into a dotted field path (``sessions.2.date``)."""
    return ".".join(str(part) for part in location)


def describe_validation_error(error: ValidationError) -> tuple[str | None, str]:
    """Return ``(field, problem)`` for a Pydantic error: the first field, all problems listed."""
    details = error.errors(include_url=False)
    first = details[0]
    field = field_path(tuple(first["loc"])) or None
    problems = []
    for detail in details:
        path = field_path(tuple(detail["loc"]))
        message = str(detail["msg"])
        if detail["type"] == "extra_forbidden":
            message = "unknown key"
        problems.append(f"{path}: {message}" if path else message)
    if len(problems) == 1:
        problem = str(details[0]["msg"])
        if details[0]["type"] == "extra_forbidden":
            problem = "unknown key"
    else:
        problem = "; ".join(problems)
        field = None if len({field_path(tuple(d["loc"])) for d in details}) > 1 else field
    return field, problem


def validate(model: type[ModelT], data: Any, *, source: str | None = None) -> ModelT:
    """Validate decoded data against ``model``; errors raise :class:`InputError` naming fields."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        field, problem = describe_validation_error(error)
        raise InputError(problem, field=field, source=source) from None


def validate_json(model: type[ModelT], text: str, *, source: str | None = None) -> ModelT:
    """Decode JSON text and validate it against ``model`` (both kinds of error say where)."""
    return validate(model, parse_json_text(text, source=source), source=source)
