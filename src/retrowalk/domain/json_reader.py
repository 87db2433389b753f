"""Strict reading of decoded JSON into domain values, with errors that name the field path.

Used by ``from_json`` constructors of domain values (e.g. :meth:`Plan.from_json`) so that a
hand-edited or corrupted file is rejected with :class:`~retrowalk.errors.InputError` naming the
field (``sessions.3.backward_min``) and the problem, never with a ``KeyError`` traceback.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from typing import Any

from retrowalk.errors import InputError

FIRST_DATE, LAST_DATE = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
"""The dates a plan or log may name (our bound, as for every date retrowalk reads)."""
MAX_TEXT_CHARS = 10_000
"""Longest text a field may hold (our bound: a 300,000-character cue was stored and then took
the PDF report 24 s to render). Generous on purpose: a decision's history note joins all its
reasons (about 1000 characters with many at once; :func:`retrowalk.domain.progression.
apply_decision` cuts a longer one to this length), and a plan stored earlier must stay
readable."""
MAX_LIST_ITEMS = 1000
"""Most strings a list field may hold (a generated plan's longest list has 19)."""


class JsonReader:
    """A cursor over one JSON object (``dict``) at a known field path."""

    def __init__(self, data: Any, path: str = "", *, source: str | None = None) -> None:
        if not isinstance(data, Mapping):
            raise InputError("expected a JSON object", field=path or None, source=source)
        self._data: Mapping[str, Any] = data
        self._path = path
        self._source = source

    def _field(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def fail(self, key: str, problem: str) -> InputError:
        return InputError(problem, field=self._field(key), source=self._source)

    def raw(self, key: str, *, optional: bool = False) -> Any:
        if key not in self._data:
            if optional:
                return None
            raise self.fail(key, "missing")
        return self._data[key]

    def reject_unknown(self, known: set[str]) -> None:
        for key in self._data:
            if key not in known:
                raise self.fail(key, "unknown key")

    def _text(self, key: str, value: str) -> str:
        if len(value) > MAX_TEXT_CHARS:
            raise self.fail(key, f"is {len(value)} characters long; at most {MAX_TEXT_CHARS}")
        return value

    def string(self, key: str) -> str:
        value = self.raw(key)
        if not isinstance(value, str):
            raise self.fail(key, "expected a string")
        return self._text(key, value)

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self.string(key)
        if value not in allowed:
            raise self.fail(key, f"expected one of {', '.join(allowed)}")
        return value

    def integer(self, key: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, "expected an integer")
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise self.fail(key, f"must be between {minimum} and {maximum}")
        return value

    def optional_float(self, key: str) -> float | None:
        """A finite, non-negative number (speeds, doses), or ``None`` when absent or null."""
        value = self.raw(key, optional=True)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, "expected a number")
        if not math.isfinite(value) or value < 0:
            raise self.fail(key, f"expected a finite number of at least 0, got {value}")
        return float(value)

    def optional_str(self, key: str) -> str | None:
        value = self.raw(key, optional=True)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(key, "expected a string")
        return self._text(key, value)

    def date(self, key: str) -> dt.date:
        """A date between 2000-01-01 and 2100-12-31 (outside them: a typing mistake)."""
        text = self.string(key)
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            raise self.fail(key, f"not a valid date (YYYY-MM-DD): {text!r}") from None
        if not FIRST_DATE <= value <= LAST_DATE:
            raise self.fail(key, f"must be between {FIRST_DATE} and {LAST_DATE}: {text!r}")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        values = self.raw(key)
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise self.fail(key, "expected a list of strings")
        if len(values) > MAX_LIST_ITEMS:
            raise self.fail(key, f"has {len(values)} entries; at most {MAX_LIST_ITEMS}")
        for index, value in enumerate(values):
            self._text(f"{key}.{index}", value)
        return tuple(values)

    def objects(self, key: str) -> Iterator[JsonReader]:
        values = self.raw(key)
        if not isinstance(values, list):
            raise self.fail(key, "expected a list")
        for index, value in enumerate(values):
            yield JsonReader(value, f"{self._field(key)}.{index}", source=self._source)

    def object(self, key: str) -> JsonReader:
        return JsonReader(self.raw(key), self._field(key), source=self._source)
