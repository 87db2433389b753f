"""Helpers shared by the instruments' scoring functions (items are validated before these)."""

from __future__ import annotations

from retrowalk.domain.instruments.model import Values


def answered(values: Values) -> list[float]:
    """The answered item values, in order."""
    return [value for value in values if value is not None]


def total(values: Values) -> float:
    """The sum of the answered item values."""
    return float(sum(answered(values)))
