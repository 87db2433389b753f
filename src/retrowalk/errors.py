"""The project's error tree: every error a user may see derives from :class:`RetrowalkError`.

::

    RetrowalkError                 a problem the user can act on (printed, never a traceback)
    ├── InputError                 bad input: names the source, field, line and column where known
    │   └── (domain-specific subclasses, e.g. ScreeningInputError, RecordingFormatError)
    ├── NotAllowedError            the product refuses the action (e.g. a plan without clearance)
    ├── NotFoundError              a record that does not exist or is not visible to the caller
    └── PermissionDeniedError      the caller may not read or change this record

Adapters map these in one place: the CLI prints ``Error: <message>`` and exits with code 2
for :class:`InputError` (1 otherwise); the web API maps them to 4xx responses.
"""

from __future__ import annotations

from dataclasses import dataclass


class RetrowalkError(Exception):
    """Base class of every error retrowalk reports to a user."""

    exit_code: int = 1

    @property
    def message(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Location:
    """Where in an input a problem was found; every part is optional."""

    source: str | None = None
    field: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.source:
            parts.append(self.source)
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        if self.field:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts)


class InputError(RetrowalkError, ValueError):
    """Input that cannot be used, with where it is wrong and why."""

    exit_code = 2

    def __init__(
        self,
        problem: str,
        *,
        field: str | None = None,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.problem = problem
        self.location = Location(source=source, field=field, line=line, column=column)
        where = str(self.location)
        super().__init__(f"{where}: {problem}" if where else problem)

    @property
    def field(self) -> str | None:
        return self.location.field


class NotAllowedError(RetrowalkError):
    """The product's rules refuse this action (e.g. a plan for someone not cleared)."""

    exit_code = 2


class NotFoundError(RetrowalkError):
    """The record does not exist, or the caller may not know that it exists."""


class PermissionDeniedError(RetrowalkError):
    """The caller may not read or change this record."""
