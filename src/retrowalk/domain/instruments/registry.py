"""The instrument registry: look instruments up by id and score responses to them.

Item encoding (one value per item in the published order, ``None`` where unanswered): a number,
0/1 for yes-no and agree-disagree items, the option index (0 = first option) for
multiple-choice items and ODI sections, the measured value for tests.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from retrowalk.domain.instruments.exertion import BORG_CR10, RPE_6_20
from retrowalk.domain.instruments.model import Instrument, Source
from retrowalk.domain.instruments.nprs import NPRS
from retrowalk.domain.instruments.odi import ODI
from retrowalk.domain.instruments.performance_tests import (
    BACKWARD_WALK_3M,
    MODIFIED_SCHOBER,
    SINGLE_LEG_STANCE,
    SIT_AND_REACH,
    TUG,
)
from retrowalk.domain.instruments.psfs import PSFS
from retrowalk.domain.instruments.result import ScoreResult
from retrowalk.domain.instruments.rmdq import RMDQ
from retrowalk.domain.instruments.start_back import START_BACK
from retrowalk.domain.instruments.stay_independent import STAY_INDEPENDENT
from retrowalk.errors import InputError

_INSTRUMENTS: dict[str, Instrument] = {
    instrument.id: instrument
    for instrument in (
        NPRS,
        ODI,
        RMDQ,
        START_BACK,
        PSFS,
        STAY_INDEPENDENT,
        TUG,
        BACKWARD_WALK_3M,
        SIT_AND_REACH,
        MODIFIED_SCHOBER,
        SINGLE_LEG_STANCE,
        BORG_CR10,
        RPE_6_20,
    )
}

INSTRUMENT_IDS: tuple[str, ...] = tuple(_INSTRUMENTS)


def get_instrument(instrument_id: str) -> Instrument:
    """The instrument with this id; an unknown id raises :class:`InputError` listing the ids."""
    try:
        return _INSTRUMENTS[instrument_id]
    except KeyError:
        raise InputError(
            f"unknown instrument '{instrument_id}'; valid ids: {', '.join(INSTRUMENT_IDS)}",
            field="instrument",
        ) from None


def list_instruments() -> list[Instrument]:
    """Every instrument, in the order of the issue (pain, disability, risk, tests, exertion)."""
    return list(_INSTRUMENTS.values())


def validate_items(
    instrument: Instrument, items: Sequence[float | int | None]
) -> tuple[float | None, ...]:
    """Check the number of items, each value and the unanswered count; return the values.

    Errors name the JSON index (``items.3``) as field and the item's published number and name
    in the message.
    """
    fewest, most = instrument.fewest_items, instrument.item_count
    count = len(items)
    if not fewest <= count <= most:
        expected = str(most) if fewest == most else f"{fewest} to {most}"
        raise InputError(
            f"{instrument.id} needs {expected} item values in the published order, got {count}",
            field="items",
        )
    values: list[float | None] = []
    for index, (value, spec) in enumerate(zip(items, instrument.items, strict=False)):
        label = f"item {spec.number} ({spec.name})"
        if value is None:
            values.append(None)
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(
                f"{label}: {value!r} is not a number; expected {spec.describe_allowed()}",
                field=f"items.{index}",
            )
        if not spec.allows(value):
            # 15 significant digits, not :g's 6: 300.0001 must not print as the allowed "300"
            shown = f"{value:.15g}" if math.isfinite(value) else str(value)
            why = "a time cannot be negative; " if spec.unit == "s" and value < 0 else ""
            raise InputError(
                f"{label}: {shown} is not allowed; {why}expected {spec.describe_allowed()}",
                field=f"items.{index}",
            )
        values.append(float(value))
    missing = [spec for value, spec in zip(values, instrument.items, strict=False) if value is None]
    if len(missing) > instrument.max_missing:
        numbers = ", ".join(f"{spec.number} ({spec.name})" for spec in missing)
        if instrument.max_missing == 0:
            rule = "every item must be answered"
        else:
            rule = f"at most {instrument.max_missing} may be unanswered for a valid score"
        raise InputError(
            f"too many unanswered items for {instrument.id}: item(s) {numbers} unanswered; {rule}",
            field="items",
        )
    return tuple(values)


def score(instrument_id: str, items: Sequence[float | int | None]) -> ScoreResult:
    """Score one response; bad values, counts and missing items raise :class:`InputError`."""
    instrument = get_instrument(instrument_id)
    values = validate_items(instrument, items)
    parts = instrument.compute(values)
    missing = sum(value is None for value in values)
    sources: list[Source] = list(instrument.sources)
    if instrument.bands_source is not None and instrument.bands_source not in sources:
        sources.append(instrument.bands_source)
    if missing and instrument.missing_rule is not None:
        sources.append(instrument.missing_rule)
    notes: list[str] = []
    if missing and instrument.missing_rule is not None:
        whose = "our rule" if instrument.missing_rule.status == "ours" else "published rule"
        notes.append(
            f"{missing} item(s) unanswered: scored over the answered items "
            f"(at most {instrument.max_missing} allowed, {whose})"
        )
    return ScoreResult(
        instrument_id=instrument.id,
        instrument_name=instrument.name,
        score=float(parts.score),
        score_range=instrument.score_range,
        score_unit=instrument.score_unit,
        score_decimals=instrument.score_decimals,
        raw_score=parts.raw_score,
        band=instrument.band_for(parts.score),
        risk_group=parts.risk_group,
        subscore=parts.subscore,
        answered_items=len(values) - missing,
        missing_items=missing,
        items=values,
        higher_is_better=instrument.higher_is_better,
        sources=tuple(sources),
        notes=tuple(notes),
    )
