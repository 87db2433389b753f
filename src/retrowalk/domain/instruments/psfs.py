"""Patient-Specific Functional Scale (PSFS): 1-5 activities the patient names, each 0-10.

0 = unable to perform, 10 = able at the pre-problem level; score = mean of the activity ratings
[C] evidence.md 4.4. The activities are the patient's own, so the number of items varies.
"""

from __future__ import annotations

from statistics import fmean

from retrowalk.domain.instruments import sources
from retrowalk.domain.instruments.model import (
    Instrument,
    ItemSpec,
    Licence,
    MeaningfulChange,
    ReferenceValue,
    ScoreParts,
    Values,
)
from retrowalk.domain.instruments.scoring import answered

PSFS_MAX_ACTIVITIES = 5


def _compute(values: Values) -> ScoreParts:
    ratings = answered(values)
    return ScoreParts(score=fmean(ratings), raw_score=float(sum(ratings)))


PSFS = Instrument(
    id="psfs",
    name="Patient-Specific Functional Scale",
    version="Stratford 1995",
    kind="questionnaire",
    items=tuple(ItemSpec(n, f"Activity {n}", 0, 10) for n in range(1, PSFS_MAX_ACTIVITIES + 1)),
    min_items=1,
    scoring="Mean of the activity ratings (1-5 activities, each 0-10).",
    score_range=(0, 10),
    score_unit="points",
    higher_is_better=True,
    sources=(sources.STRATFORD_1995,),
    licence=Licence(True, "The patient names the activities; the 0-10 anchors are generic."),
    compute=_compute,
    meaningful_change=MeaningfulChange(
        "MDC 90 % (average score)", absolute=2, percent=None, source=sources.PSFS_MDC
    ),
    reference_values=(
        ReferenceValue("MDC 90 % (single activity)", "3 points", sources.PSFS_MDC),
        ReferenceValue("MID", "1.3 small, 2.3 medium, 2.7 large", sources.PSFS_MID),
    ),
    score_decimals=2,
    notes=(
        "The meaningful-change threshold is the 2-point MDC for the average score, a secondary "
        "source [C-2nd]: provisional. No LOINC code in the sources reviewed.",
    ),
)
