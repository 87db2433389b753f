"""The result of scoring one response to an instrument."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from retrowalk.domain.instruments.model import Source


@dataclass(frozen=True)
class ScoreResult:
    """A scored response: the primary score, its range, band or risk group, and sources.

    ``score`` is the instrument's primary score at full precision (ODI percent, RMDQ and STarT
    Back totals, PSFS mean, the measured value for tests); ``to_json`` rounds it for display.
    ``items`` keeps the validated values in published order (``None`` where unanswered).
    """

    instrument_id: str
    instrument_name: str
    score: float
    score_range: tuple[float, float]
    score_unit: str
    score_decimals: int
    raw_score: float
    band: str | None
    risk_group: str | None
    subscore: int | None
    answered_items: int
    missing_items: int
    items: tuple[float | None, ...]
    higher_is_better: bool
    sources: tuple[Source, ...]
    notes: tuple[str, ...] = ()

    @property
    def rounded_score(self) -> float | int:
        """The score rounded for display (a whole number when the instrument has no decimals)."""
        if self.score_decimals == 0:
            return round(self.score)
        return round(self.score, self.score_decimals)

    def to_json(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument_id,
            "instrument_name": self.instrument_name,
            "score": self.rounded_score,
            "score_range": list(self.score_range),
            "score_unit": self.score_unit,
            "raw_score": self.raw_score,
            "band": self.band,
            "risk_group": self.risk_group,
            "subscore": self.subscore,
            "answered_items": self.answered_items,
            "missing_items": self.missing_items,
            "items": list(self.items),
            "higher_is_better": self.higher_is_better,
            "sources": [source.to_json() for source in self.sources],
            "notes": list(self.notes),
        }
