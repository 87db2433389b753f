"""Input models for outcome scoring, comparison, responder analysis and energy estimates.

Shared by the CLI (``{"items": [...]}`` files) and the web API (request bodies). They check the
JSON shape and types (numbers or ``null``; no strings, booleans, NaN or unknown keys); the
instrument-specific rules (item count, allowed values, unanswered items) live in the domain
(:func:`retrowalk.domain.instruments.score`) so every adapter gets the same messages.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from retrowalk.domain.instruments import INSTRUMENT_IDS, ScoreResult, score
from retrowalk.domain.instruments.odi_text import OdiText, build_odi_text
from retrowalk.errors import InputError
from retrowalk.schemas.parsing import validate_json
from retrowalk.schemas.strict import FiniteNumber, StrictModel

#: One item value: a finite number (int or float) or ``null`` for an unanswered item.
ItemValue = FiniteNumber | None
Number = FiniteNumber
MAX_ITEMS = 100


class ItemAnswers(StrictModel):
    """``{"items": [...]}``: one value per item in published order, ``null`` if unanswered."""

    items: list[ItemValue] = Field(max_length=MAX_ITEMS)

    def score(self, instrument_id: str, *, source: str | None = None) -> ScoreResult:
        """Score these answers; the domain's errors gain the source (file name)."""
        try:
            return score(instrument_id, self.items)
        except InputError as error:
            if source is None:
                raise
            raise InputError(error.problem, field=error.field, source=source) from None


class ScoreRequest(ItemAnswers):
    """API body for scoring: the instrument id and its item values."""

    instrument: Literal[INSTRUMENT_IDS]  # type: ignore[valid-type]


class CompareRequest(StrictModel):
    """API body for a comparison: baseline and follow-up answers to one instrument."""

    instrument: Literal[INSTRUMENT_IDS]  # type: ignore[valid-type]
    baseline: ItemAnswers
    follow_up: ItemAnswers


class AnswerPair(StrictModel):
    baseline: ItemAnswers
    follow_up: ItemAnswers


class ResponderRequest(StrictModel):
    """API body for responder analysis: one instrument, one answer pair per patient."""

    instrument: Literal[INSTRUMENT_IDS]  # type: ignore[valid-type]
    pairs: list[AnswerPair] = Field(max_length=100_000)


class EnergyRequest(StrictModel):
    """API body for an energy estimate (limits are checked by the domain)."""

    speed_kmh: Number
    grade_percent: Number = 0.0
    minutes: Number
    weight_kg: Number
    direction: Literal["forward", "backward", "both"] = "both"


class OdiSectionTextModel(StrictModel):
    title: str
    statements: list[str]


class OdiTextFile(StrictModel):
    """A deployment's licensed ODI v2.1a text: ``{"version", "licence", "sections"}``."""

    version: str
    licence: str
    sections: list[OdiSectionTextModel]


def read_answers(text: str, *, source: str | None = None) -> ItemAnswers:
    """Parse an ``{"items": [...]}`` document (JSON errors give line and column)."""
    return validate_json(ItemAnswers, text, source=source)


def read_odi_text(text: str, *, source: str | None = None) -> OdiText:
    """Parse and check a licensed ODI text file."""
    model = validate_json(OdiTextFile, text, source=source)
    try:
        return build_odi_text(
            version=model.version,
            licence=model.licence,
            sections=[(section.title, list(section.statements)) for section in model.sections],
        )
    except InputError as error:
        raise InputError(error.problem, field=error.field, source=source) from None
