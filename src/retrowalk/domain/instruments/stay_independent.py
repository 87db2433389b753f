"""CDC STEADI "Stay Independent" brochure, 12 yes/no items (1 = yes, 0 = no).

Items 1 (fallen in the past year) and 2 (use or advised to use a cane or walker) score 2 each,
the other ten 1 each; total 0-14; ≥ 4 = may be at risk of falling [C] evidence.md 4.6.
"""

from __future__ import annotations

from retrowalk.domain.instruments import sources
from retrowalk.domain.instruments.model import (
    Band,
    Instrument,
    ItemSpec,
    Licence,
    LoincCode,
    ScoreParts,
    Values,
)

ITEM_NAMES = (
    "Fallen in the past year",
    "Use or advised to use a cane or walker",
    "Sometimes unsteady when walking",
    "Steady myself by holding onto furniture at home",
    "Worried about falling",
    "Need to push with hands to stand up from a chair",
    "Some trouble stepping up onto a curb",
    "Often have to rush to the toilet",
    "Lost some feeling in my feet",
    "Medicine sometimes makes me light-headed or more tired",
    "Take medicine to help me sleep or improve my mood",
    "Often feel sad or depressed",
)
ITEM_WEIGHTS = (2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)
AT_RISK_FROM_SCORE = 4


def _compute(values: Values) -> ScoreParts:
    total = sum(
        weight * int(value or 0) for weight, value in zip(ITEM_WEIGHTS, values, strict=True)
    )
    return ScoreParts(score=total, raw_score=total)


STAY_INDEPENDENT = Instrument(
    id="stay_independent",
    name="STEADI Stay Independent",
    version="CDC STEADI brochure, 12 items",
    kind="questionnaire",
    items=tuple(ItemSpec(n, name, 0, 1) for n, name in enumerate(ITEM_NAMES, start=1)),
    scoring="Yes = 2 for items 1-2, 1 for items 3-12; total 0-14; >= 4 may be at risk of falling.",
    score_range=(0, 14),
    score_unit="points",
    higher_is_better=False,
    sources=(sources.STEADI_STAY_INDEPENDENT,),
    licence=Licence(
        True,
        "A CDC (US government) brochure, public domain; retrowalk shows short item names.",
    ),
    compute=_compute,
    bands=(
        Band("below the at-risk score", 0, AT_RISK_FROM_SCORE, maximum_inclusive=False),
        Band("may be at risk of falling", AT_RISK_FROM_SCORE, 14),
    ),
    bands_source=sources.STEADI_STAY_INDEPENDENT,
    loinc=(
        LoincCode("97874-2", "Stay Independent panel", sources.STEADI_STAY_INDEPENDENT),
        LoincCode("97885-8", "Stay Independent total score", sources.STEADI_STAY_INDEPENDENT),
    ),
    score_decimals=0,
    notes=("A screening brochure: no meaningful-change threshold is defined.",),
)
