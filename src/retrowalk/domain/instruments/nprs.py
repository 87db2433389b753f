"""Numeric Pain Rating Scale (NPRS), 0-10: one whole number, 0 = no pain, 10 = worst pain."""

from __future__ import annotations

from retrowalk.domain.instruments import sources
from retrowalk.domain.instruments.model import (
    Instrument,
    ItemSpec,
    Licence,
    LoincCode,
    MeaningfulChange,
    ReferenceValue,
    ScoreParts,
    Source,
    Values,
)
from retrowalk.domain.instruments.scoring import answered


def _compute(values: Values) -> ScoreParts:
    (value,) = answered(values)
    return ScoreParts(score=value, raw_score=value)


NPRS = Instrument(
    id="nprs",
    name="Numeric Pain Rating Scale",
    version="0-10",
    kind="rating scale",
    items=(ItemSpec(1, "Pain intensity", 0, 10),),
    scoring="The rating itself, 0 (no pain) to 10 (worst pain imaginable).",
    score_range=(0, 10),
    score_unit="points",
    higher_is_better=False,
    sources=(sources.CHILDS_2005, sources.OSTELO_2008),
    licence=Licence(True, "A numeric 0-10 rating; no protected text."),
    compute=_compute,
    meaningful_change=MeaningfulChange(
        "MIC (consensus, LBP)", absolute=2, percent=30, source=sources.OSTELO_2008
    ),
    reference_values=(
        ReferenceValue("MDC", "2 points (SEM 1.02)", sources.CHILDS_2005),
        ReferenceValue("MCID", "2.2 at 1 week, 1.5 at 4 weeks", sources.CHILDS_2005),
        ReferenceValue(
            "MCID by baseline",
            "1 point (baseline 1-4), 2 (5-7), 3-4 (8-10); MDC 1.77",
            Source("Thieme doi:10.1055/a-1304-3677", "C-abs", "4.1"),
        ),
    ),
    loinc=(
        LoincCode(
            "72514-3",
            "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
            sources.NPRS_LOINC,
        ),
        LoincCode("38208-5", "Pain severity NRS (IHE PCC)", sources.NPRS_LOINC),
    ),
    score_decimals=0,
    notes=("No interpretation bands: none are given in the sources reviewed.",),
)
