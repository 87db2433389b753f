"""Change over time: a baseline against a follow-up, and responder analysis over a group.

Direction-aware: for pain, disability and timed tests lower is better; for the PSFS,
sit-and-reach, modified Schober and single-leg stance higher is better. ``improvement`` is the
change signed so that a positive value is always better.

A change is called meaningful only against a threshold from the literature
(:attr:`Instrument.meaningful_change`). Where the source gives an absolute and a 30 % rule
(Ostelo 2008: NPRS 2 points, ODI 10 points, RMDQ 5 points, or ≥ 30 % improvement), either rule
counts; the percent rule is defined for improvement, so worsening is judged by the absolute rule.
Where no threshold exists the outcome follows the sign of the change and ``meaningful_change_met``
is ``None`` (not known), never ``True``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from retrowalk.domain.instruments import MeaningfulChange, ScoreResult, Source, get_instrument
from retrowalk.errors import InputError

Outcome = Literal["improved", "no change", "worsened"]

#: Tolerance for float comparisons against thresholds (e.g. 35.56 % → 25.56 % is 10 points).
_EPSILON = 1e-9


@dataclass(frozen=True)
class ChangeResult:
    """Baseline vs follow-up for one instrument."""

    instrument_id: str
    baseline: float
    follow_up: float
    change: float
    percent_change: float | None
    improvement: float
    improvement_percent: float | None
    higher_is_better: bool
    threshold: MeaningfulChange | None
    meaningful_absolute: bool | None
    meaningful_percent: bool | None
    meaningful_change_met: bool | None
    outcome: Outcome
    outcome_basis: str
    sources: tuple[Source, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument_id,
            "baseline": _round(self.baseline),
            "follow_up": _round(self.follow_up),
            "change": _round(self.change),
            "percent_change": _round(self.percent_change),
            "improvement": _round(self.improvement),
            "improvement_percent": _round(self.improvement_percent),
            "higher_is_better": self.higher_is_better,
            "threshold": self.threshold.to_json() if self.threshold else None,
            "meaningful_absolute": self.meaningful_absolute,
            "meaningful_percent": self.meaningful_percent,
            "meaningful_change_met": self.meaningful_change_met,
            "outcome": self.outcome,
            "outcome_basis": self.outcome_basis,
            "sources": [source.to_json() for source in self.sources],
        }


@dataclass(frozen=True)
class ResponderSummary:
    """How many patients in a group improved by at least the meaningful change."""

    instrument_id: str
    patients: int
    responders: int
    share: float | None
    rule: str
    sources: tuple[Source, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument_id,
            "patients": self.patients,
            "responders": self.responders,
            "share": None if self.share is None else round(self.share, 4),
            "rule": self.rule,
            "sources": [source.to_json() for source in self.sources],
        }


def compare(
    instrument_id: str, baseline: ScoreResult | None, follow_up: ScoreResult | None
) -> ChangeResult:
    """Compare a baseline score with a follow-up score of the same instrument."""
    instrument = get_instrument(instrument_id)
    before = _checked("baseline", baseline, instrument.id).score
    after = _checked("follow_up", follow_up, instrument.id).score
    change = after - before
    improvement = change if instrument.higher_is_better else -change
    percent_change = None if before == 0 else change / abs(before) * 100
    improvement_percent = None if before == 0 else improvement / abs(before) * 100
    threshold = instrument.meaningful_change
    absolute_met: bool | None = None
    percent_met: bool | None = None
    meaningful: bool | None = None
    if threshold is None:
        # judged at the precision the score is shown with: a TUG of 12.001 s after 12 s reads
        # "+0 s", so it is no change, not a worsening
        outcome = _by_sign(round(improvement, instrument.score_decimals))
        basis = (
            "direction only: the sources reviewed give no meaningful-change threshold "
            f"for {instrument.id}"
        )
    else:
        absolute_met = (
            None
            if threshold.absolute is None
            else abs(improvement) >= threshold.absolute - _EPSILON
        )
        percent_met = (
            None
            if threshold.percent is None or improvement_percent is None
            else improvement_percent >= threshold.percent - _EPSILON
        )
        if improvement > 0 and (absolute_met or percent_met):
            outcome = "improved"
        elif improvement < 0 and absolute_met:
            outcome = "worsened"
        else:
            outcome = "no change"
        meaningful = outcome != "no change"
        basis = describe_rule(threshold, instrument.score_unit)
    return ChangeResult(
        instrument_id=instrument.id,
        baseline=before,
        follow_up=after,
        change=change,
        percent_change=percent_change,
        improvement=improvement,
        improvement_percent=improvement_percent,
        higher_is_better=instrument.higher_is_better,
        threshold=threshold,
        meaningful_absolute=absolute_met,
        meaningful_percent=percent_met,
        meaningful_change_met=meaningful,
        outcome=outcome,
        outcome_basis=basis,
        sources=(threshold.source,) if threshold else (),
    )


def describe_rule(threshold: MeaningfulChange, unit: str) -> str:
    """A sentence naming the threshold, e.g. 'MIC: 10 % points or >= 30 % improvement'."""
    parts = []
    if threshold.absolute is not None:
        unit_text = "percentage points" if unit == "%" else unit
        parts.append(f"{threshold.absolute:g} {unit_text}")
    if threshold.percent is not None:
        parts.append(f">= {threshold.percent:g} % improvement from baseline")
    status = " (provisional)" if threshold.source.provisional else ""
    return f"{threshold.kind}: {' or '.join(parts)}{status}"


def responders(
    instrument_id: str, pairs: Sequence[tuple[ScoreResult, ScoreResult]]
) -> ResponderSummary:
    """Count patients whose (baseline, follow-up) pair improved by the meaningful change.

    Raises :class:`InputError` for an instrument without a published threshold: calling
    someone a responder needs one.
    """
    instrument = get_instrument(instrument_id)
    threshold = instrument.meaningful_change
    if threshold is None:
        raise InputError(
            f"{instrument.id} has no meaningful-change threshold in the sources reviewed, so "
            "responders cannot be counted",
            field="instrument",
        )
    count = 0
    for index, (baseline, follow_up) in enumerate(pairs):
        try:
            result = compare(instrument.id, baseline, follow_up)
        except InputError as error:
            raise InputError(error.problem, field=f"pairs.{index}.{error.field}") from None
        count += result.outcome == "improved"
    patients = len(pairs)
    return ResponderSummary(
        instrument_id=instrument.id,
        patients=patients,
        responders=count,
        share=count / patients if patients else None,
        rule=describe_rule(threshold, instrument.score_unit),
        sources=(threshold.source,),
    )


def responder_table(
    groups: Mapping[str, Sequence[tuple[ScoreResult, ScoreResult]]],
) -> list[ResponderSummary]:
    """Responder counts for several instruments at once (instruments without a threshold
    are skipped; ask :func:`responders` directly to get the reason)."""
    return [
        responders(instrument_id, pairs)
        for instrument_id, pairs in groups.items()
        if get_instrument(instrument_id).meaningful_change is not None
    ]


def _checked(name: str, result: ScoreResult | None, instrument_id: str) -> ScoreResult:
    label = name.replace("_", "-")
    if result is None:
        raise InputError(f"the {label} score is missing", field=name)
    if result.instrument_id != instrument_id:
        raise InputError(
            f"the {label} is a {result.instrument_id} score, not {instrument_id}", field=name
        )
    return result


def _by_sign(improvement: float) -> Outcome:
    if improvement > 0:
        return "improved"
    if improvement < 0:
        return "worsened"
    return "no change"


def _round(value: float | None) -> float | None:
    """Two decimals, and never ``-0.0`` (no change written as "-0" reads as a worsening)."""
    return None if value is None else round(value, 2) + 0.0
