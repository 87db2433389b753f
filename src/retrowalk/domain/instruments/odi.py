"""Oswestry Disability Index (ODI) v2.1a: 10 sections, each answered 0 (first) to 5 (last).

Score (%) = sum of the answered sections / (5 × sections answered) × 100, so each unanswered
section takes 5 off the denominator (16/50 = 32 %, 16/45 = 35.6 %) [C] evidence.md 4.2.

The statements are © Jeremy Fairbank and licensed via Mapi/eProvide, so retrowalk stores and
scores only the option index per section and shows section names; a deployment that holds a
licence may supply the statements (see :mod:`retrowalk.domain.instruments.odi_text`).

How many sections may be missing is not confirmed in evidence.md (§4.2, §8). Our rule: at most
one, following Fairbank's only worked example (one section missed or not applicable) and the AO
Clinical Investigation and Documentation ODI algorithm (more than one missing → no score).
"""

from __future__ import annotations

from retrowalk.domain.instruments import sources
from retrowalk.domain.instruments.model import (
    Band,
    Instrument,
    ItemSpec,
    Licence,
    LoincCode,
    MeaningfulChange,
    ReferenceValue,
    ScoreParts,
    Values,
)
from retrowalk.domain.instruments.scoring import answered, total

#: v2.1a section names in published order [C-2nd] evidence.md 4.2 (exact wording [NC]).
ODI_SECTION_NAMES: tuple[str, ...] = (
    "Pain intensity",
    "Personal care",
    "Lifting",
    "Walking",
    "Sitting",
    "Standing",
    "Sleeping",
    "Sex life (if applicable)",
    "Social life",
    "Travelling",
)

#: Our rule for the largest number of unanswered sections that still gives a score.
ODI_MAX_MISSING_SECTIONS = 1


def _compute(values: Values) -> ScoreParts:
    raw = total(values)
    possible = 5 * len(answered(values))
    return ScoreParts(score=raw / possible * 100, raw_score=raw)


ODI = Instrument(
    id="odi",
    name="Oswestry Disability Index",
    version="2.1a",
    kind="questionnaire",
    items=tuple(ItemSpec(n, name, 0, 5) for n, name in enumerate(ODI_SECTION_NAMES, start=1)),
    scoring=(
        "Percent = sum of answered sections / (5 × answered sections) × 100; each unanswered "
        "section takes 5 off the denominator. At most 1 section may be unanswered (our rule)."
    ),
    score_range=(0, 100),
    score_unit="%",
    higher_is_better=False,
    sources=(sources.FAIRBANK_2000, sources.ODI_SCORING, sources.ODI_SECTIONS),
    licence=Licence(
        False,
        "© Jeremy Fairbank 1980, licensing via Mapi/eProvide: the statements are not shipped. "
        "retrowalk stores option indices and shows section names; a licensed deployment may "
        "supply the text (--odi-text or RETROWALK_ODI_TEXT).",
    ),
    compute=_compute,
    max_missing=ODI_MAX_MISSING_SECTIONS,
    missing_rule=sources.ODI_MISSING_RULE,
    bands=(
        Band("minimal disability", 0, 20),
        Band("moderate disability", 20, 40, minimum_inclusive=False),
        Band("severe disability", 40, 60, minimum_inclusive=False),
        Band("crippled", 60, 80, minimum_inclusive=False),
        Band("bed-bound or exaggerating symptoms", 80, 100, minimum_inclusive=False),
    ),
    bands_source=sources.ODI_BANDS,
    meaningful_change=MeaningfulChange(
        "MIC (consensus, LBP)", absolute=10, percent=30, source=sources.OSTELO_2008
    ),
    reference_values=(
        ReferenceValue("MDC 90 %", "about 10 percentage points", sources.ODI_MDC),
        ReferenceValue("MID", "-12 points", sources.ODI_MID_JOSPT),
        ReferenceValue(
            "good surgical outcome", ">= 18 % reduction (about 8 points)", sources.ODI_GERMAN
        ),
    ),
    loinc=(
        LoincCode("97908-8", "Oswestry Disability Index panel", sources.ODI_LOINC),
        LoincCode("97909-6", "Oswestry disability index score ODI", sources.ODI_LOINC),
    ),
    score_decimals=1,
    notes=(
        "Bands are on the percent scale; a score above a band's upper bound (e.g. 20.4 %) "
        "belongs to the next band. The LOINC 97909-6 text gives different bands on the 0-50 "
        "raw scale; retrowalk uses the percent bands.",
    ),
)
