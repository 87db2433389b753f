"""Value types that describe an outcome instrument: items, bands, thresholds, codes, licence.

An :class:`Instrument` is pure data plus one scoring function. Every clinical number it carries
has a :class:`Source` naming where it comes from (a section of ``shared/evidence.md`` and the
primary citation) and how well it is confirmed, so a provisional number can say so wherever it
is shown.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

#: How well a fact is confirmed, in the legend of ``shared/evidence.md``: ``C`` confirmed,
#: ``C-abs`` from an abstract only, ``C-2nd`` from a secondary source (provisional), ``NC`` not
#: confirmed (provisional), ``D`` derived by arithmetic, ``ours`` a rule we chose and document.
SourceStatus = Literal["C", "C-abs", "C-2nd", "NC", "D", "ours"]

PROVISIONAL_STATUSES: frozenset[str] = frozenset({"C-2nd", "NC", "ours"})


@dataclass(frozen=True)
class Source:
    """Where a fact comes from: citation, evidence.md section, confirmation status."""

    citation: str
    status: SourceStatus
    evidence_section: str | None = None
    note: str = ""

    @property
    def provisional(self) -> bool:
        """True for secondary-source, unconfirmed facts and our own choices."""
        return self.status in PROVISIONAL_STATUSES

    def to_json(self) -> dict[str, Any]:
        return {
            "citation": self.citation,
            "status": self.status,
            "provisional": self.provisional,
            "evidence_section": self.evidence_section,
            "note": self.note or None,
        }


@dataclass(frozen=True)
class ItemSpec:
    """One item: its 1-based number in the published order, a short name and allowed values.

    Allowed values are the numbers in ``[minimum, maximum]`` (``minimum`` excluded when
    ``minimum_exclusive``), whole numbers only when ``integer`` is set. ``options`` lists the
    option labels when the instrument's text may be shipped; the JSON value is the option index.
    """

    number: int
    name: str
    minimum: float
    maximum: float
    integer: bool = True
    minimum_exclusive: bool = False
    unit: str | None = None
    options: tuple[str, ...] = ()

    def allows(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.integer and value != int(value):
            return False
        above = value > self.minimum if self.minimum_exclusive else value >= self.minimum
        return above and value <= self.maximum

    def describe_allowed(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if self.integer and self.maximum - self.minimum == 1 and not self.unit:
            return f"{_num(self.minimum)} or {_num(self.maximum)}"
        kind = "a whole number" if self.integer else "a number"
        low = "more than" if self.minimum_exclusive else "from"
        if self.minimum_exclusive:
            return f"{kind} {low} {_num(self.minimum)} up to {_num(self.maximum)}{unit}"
        return f"{kind} {low} {_num(self.minimum)} to {_num(self.maximum)}{unit}"

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "name": self.name,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "minimum_exclusive": self.minimum_exclusive,
            "integer": self.integer,
            "unit": self.unit,
            "options": list(self.options) or None,
        }


@dataclass(frozen=True)
class Band:
    """An interpretation band ``[minimum, maximum]``; either end may be open or unbounded."""

    label: str
    minimum: float | None
    maximum: float | None
    minimum_inclusive: bool = True
    maximum_inclusive: bool = True

    def contains(self, value: float) -> bool:
        if self.minimum is not None and (
            value < self.minimum or (value == self.minimum and not self.minimum_inclusive)
        ):
            return False
        return self.maximum is None or not (
            value > self.maximum or (value == self.maximum and not self.maximum_inclusive)
        )

    def describe(self) -> str:
        low = "" if self.minimum is None else _num(self.minimum)
        high = "" if self.maximum is None else _num(self.maximum)
        if self.minimum is None:
            return f"{'≤' if self.maximum_inclusive else '<'} {high}"
        if self.maximum is None:
            return f"{'≥' if self.minimum_inclusive else '>'} {low}"
        left = "[" if self.minimum_inclusive else "("
        right = "]" if self.maximum_inclusive else ")"
        return f"{left}{low}, {high}{right}"

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "minimum_inclusive": self.minimum_inclusive,
            "maximum_inclusive": self.maximum_inclusive,
        }


@dataclass(frozen=True)
class MeaningfulChange:
    """The smallest change the literature calls meaningful for one instrument.

    ``absolute`` is in score units; ``percent`` (e.g. 30) is an improvement relative to
    baseline. When both are given the source counts either rule as meaningful (Ostelo 2008).
    """

    kind: str
    absolute: float | None
    percent: float | None
    source: Source

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "absolute": self.absolute,
            "percent": self.percent,
            "source": self.source.to_json(),
        }


@dataclass(frozen=True)
class ReferenceValue:
    """A further published number worth showing (an MDC, another MID, a cut-off's accuracy)."""

    name: str
    value: str
    source: Source

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "source": self.source.to_json()}


@dataclass(frozen=True)
class LoincCode:
    code: str
    meaning: str
    source: Source

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "meaning": self.meaning, "source": self.source.to_json()}


@dataclass(frozen=True)
class Licence:
    """Whether the item text may ship with retrowalk, and why."""

    item_text_shippable: bool
    note: str

    def to_json(self) -> dict[str, Any]:
        return {"item_text_shippable": self.item_text_shippable, "note": self.note}


@dataclass(frozen=True)
class ScoreParts:
    """What an instrument's scoring function computes from validated item values."""

    score: float
    raw_score: float
    subscore: int | None = None
    risk_group: str | None = None


Values = tuple[float | None, ...]


@dataclass(frozen=True)
class Instrument:
    """One outcome instrument: items, scoring, range, bands, thresholds, codes and licence.

    ``min_items``/``max_items`` bound how many item values a response has (equal except for
    the PSFS, which rates 1-5 activities); ``max_missing`` is how many may be ``null``.
    """

    id: str
    name: str
    version: str
    kind: Literal["questionnaire", "performance test", "rating scale"]
    items: tuple[ItemSpec, ...]
    scoring: str
    score_range: tuple[float, float]
    score_unit: str
    higher_is_better: bool
    sources: tuple[Source, ...]
    licence: Licence
    compute: Callable[[Values], ScoreParts] = field(repr=False, compare=False)
    min_items: int | None = None
    max_missing: int = 0
    missing_rule: Source | None = None
    bands: tuple[Band, ...] = ()
    bands_source: Source | None = None
    meaningful_change: MeaningfulChange | None = None
    reference_values: tuple[ReferenceValue, ...] = ()
    loinc: tuple[LoincCode, ...] = ()
    score_decimals: int = 1
    notes: tuple[str, ...] = ()

    @property
    def item_count(self) -> int:
        """The number of items in the published order (PSFS: the most activities rated)."""
        return len(self.items)

    @property
    def fewest_items(self) -> int:
        return self.item_count if self.min_items is None else self.min_items

    def band_for(self, score: float) -> str | None:
        for band in self.bands:
            if band.contains(score):
                return band.label
        return None

    def to_json(self) -> dict[str, Any]:
        """The instrument's description (no scoring function) for listings and the API."""
        return {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "kind": self.kind,
            "item_count": self.item_count,
            "min_items": self.fewest_items,
            "max_missing": self.max_missing,
            "missing_rule": self.missing_rule.to_json() if self.missing_rule else None,
            "items": [item.to_json() for item in self.items],
            "scoring": self.scoring,
            "score_range": list(self.score_range),
            "score_unit": self.score_unit,
            "higher_is_better": self.higher_is_better,
            "bands": [band.to_json() for band in self.bands],
            "bands_source": self.bands_source.to_json() if self.bands_source else None,
            "meaningful_change": (
                self.meaningful_change.to_json() if self.meaningful_change else None
            ),
            "reference_values": [value.to_json() for value in self.reference_values],
            "loinc": [code.to_json() for code in self.loinc],
            "licence": self.licence.to_json(),
            "sources": [source.to_json() for source in self.sources],
            "notes": list(self.notes),
        }


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
