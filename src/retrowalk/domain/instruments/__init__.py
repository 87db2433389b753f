"""Outcome instruments: the registry, scoring, and the value types that describe them.

Public API::

    get_instrument(instrument_id) -> Instrument     # InputError for unknown ids (lists them)
    list_instruments() -> list[Instrument]
    score(instrument_id, items) -> ScoreResult      # InputError naming the item and problem
"""

from retrowalk.domain.instruments.model import (
    Band,
    Instrument,
    ItemSpec,
    Licence,
    LoincCode,
    MeaningfulChange,
    ReferenceValue,
    Source,
)
from retrowalk.domain.instruments.registry import (
    INSTRUMENT_IDS,
    get_instrument,
    list_instruments,
    score,
    validate_items,
)
from retrowalk.domain.instruments.result import ScoreResult

__all__ = [
    "INSTRUMENT_IDS",
    "Band",
    "Instrument",
    "ItemSpec",
    "Licence",
    "LoincCode",
    "MeaningfulChange",
    "ReferenceValue",
    "ScoreResult",
    "Source",
    "get_instrument",
    "list_instruments",
    "score",
    "validate_items",
]
