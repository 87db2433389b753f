"""Outcome trends for a report: each instrument's scores and its meaningful-change verdict.

The verdict comes from :func:`retrowalk.domain.change.compare` (first against last assessment in
the period), so the report says exactly what the rest of retrowalk says; the thresholds and
their sources live with the instruments (evidence.md section 4).
"""

from __future__ import annotations

from collections.abc import Iterable

from retrowalk.domain.change import compare
from retrowalk.domain.instruments.registry import get_instrument, score
from retrowalk.errors import InputError
from retrowalk.exchange.records import OutcomeRecord
from retrowalk.reports.report_data import OutcomePoint, OutcomeTrend


def outcome_trends(outcomes: Iterable[OutcomeRecord]) -> tuple[OutcomeTrend, ...]:
    """Group outcomes by instrument (in first-seen order) and judge first vs last."""
    by_instrument: dict[str, list[OutcomeRecord]] = {}
    for outcome in sorted(outcomes, key=lambda o: o.assessed_at):
        by_instrument.setdefault(outcome.instrument, []).append(outcome)
    return tuple(_trend(instrument, records) for instrument, records in by_instrument.items())


def _trend(instrument_id: str, records: list[OutcomeRecord]) -> OutcomeTrend:
    instrument = get_instrument(instrument_id)
    points = tuple(OutcomePoint(r.assessed_at.date(), r.score) for r in records)
    threshold = instrument.meaningful_change
    if len(records) < 2:
        status = "one assessment in this period: no change to judge yet"
    else:
        try:
            result = compare(
                instrument_id,
                score(instrument_id, records[0].items),
                score(instrument_id, records[-1].items),
            )
        except InputError as error:
            status = f"change not judged: stored responses cannot be re-scored ({error})"
        else:
            unit = "percentage points" if instrument.score_unit == "%" else instrument.score_unit
            change = f"{result.change:+.3g} {unit}"
            if result.meaningful_change_met is None:
                status = f"{result.outcome} ({change}); {result.outcome_basis}"
            elif result.meaningful_change_met:
                status = f"{result.outcome}: meaningful change ({change}; {result.outcome_basis})"
            else:
                status = f"no meaningful change ({change}; {result.outcome_basis})"
    return OutcomeTrend(
        instrument_id=instrument.id,
        instrument_name=instrument.name,
        score_unit=instrument.score_unit,
        higher_is_better=instrument.higher_is_better,
        points=points,
        status=status,
        threshold_absolute=threshold.absolute if threshold else None,
    )
