"""Keele STarT Back Screening Tool, 9 items (2-week recall) [C] evidence.md 5.2.

Items 1-8: 0 = disagree, 1 = agree. Item 9 (overall bothersomeness) is an option index 0-4
(not at all, slightly, moderately, very much, extremely) and scores 1 only for "very much" or
"extremely". Total 0-9; distress subscore = items 5-9 (0-5).
Risk: low when total ≤ 3; medium when total ≥ 4 and subscore ≤ 3; high when subscore ≥ 4.
"""

from __future__ import annotations

from retrowalk.domain.instruments import sources
from retrowalk.domain.instruments.model import (
    Instrument,
    ItemSpec,
    Licence,
    LoincCode,
    ReferenceValue,
    ScoreParts,
    Source,
    Values,
)

BOTHERSOMENESS_OPTIONS = ("Not at all", "Slightly", "Moderately", "Very much", "Extremely")
#: Option indices of item 9 that score 1 ("very much", "extremely").
BOTHERSOME_FROM_OPTION = 3
DISTRESS_ITEMS = range(5, 10)  # 1-based item numbers 5-9
LOW_RISK_MAX_TOTAL = 3
HIGH_RISK_MIN_SUBSCORE = 4

_DOMAINS = (
    "Referred leg pain",
    "Comorbid shoulder or neck pain",
    "Disability: walking",
    "Disability: dressing",
    "Fear",
    "Anxiety",
    "Catastrophising",
    "Low mood",
)


def item_points(values: Values) -> list[int]:
    """Points per item (unanswered items are refused before scoring)."""
    points = [int(value or 0) for value in values[:8]]
    bothersomeness = values[8] or 0
    points.append(1 if bothersomeness >= BOTHERSOME_FROM_OPTION else 0)
    return points


def risk_group(total_score: int, distress_subscore: int) -> str:
    """Keele rule: high if subscore ≥ 4, else low if total ≤ 3, else medium."""
    if distress_subscore >= HIGH_RISK_MIN_SUBSCORE:
        return "high"
    if total_score <= LOW_RISK_MAX_TOTAL:
        return "low"
    return "medium"


def _compute(values: Values) -> ScoreParts:
    points = item_points(values)
    total_score = sum(points)
    subscore = sum(points[n - 1] for n in DISTRESS_ITEMS)
    return ScoreParts(
        score=total_score,
        raw_score=total_score,
        subscore=subscore,
        risk_group=risk_group(total_score, subscore),
    )


START_BACK = Instrument(
    id="start_back",
    name="Keele STarT Back Screening Tool",
    version="9-item (Hill et al. 2008)",
    kind="questionnaire",
    items=(
        *(ItemSpec(n, name, 0, 1) for n, name in enumerate(_DOMAINS, start=1)),
        ItemSpec(9, "Overall bothersomeness", 0, 4, options=BOTHERSOMENESS_OPTIONS),
    ),
    scoring=(
        "Items 1-8 agree = 1; item 9 = 1 for 'very much' or 'extremely'. Total 0-9, distress "
        "subscore = items 5-9. Low risk: total <= 3; medium: total >= 4 and subscore <= 3; "
        "high: subscore >= 4."
    ),
    score_range=(0, 9),
    score_unit="points",
    higher_is_better=False,
    sources=(sources.HILL_2008,),
    licence=Licence(
        False,
        "© Keele University 2007: statements are not shipped; items are shown by domain. "
        "Use the official form from Keele under its terms.",
    ),
    compute=_compute,
    reference_values=(
        ReferenceValue(
            "test-retest kappa",
            "0.71 (subgroups), 0.65 (overall score)",
            Source("physiotutors.com citing van den Broek 2021", "C-2nd", "5.2"),
        ),
        ReferenceValue(
            "relative risk of persistent disability",
            "2.19 (medium), 7.30 (high)",
            Source("physiotutors.com citing van den Broek 2021", "C-2nd", "5.2"),
        ),
    ),
    loinc=(
        LoincCode("91349-1", "STarT Back Screening Tool panel", sources.START_BACK_LOINC),
        LoincCode("91351-7", "STarT Back total score", sources.START_BACK_LOINC),
        LoincCode(
            "91350-9", "STarT Back distress (psychosocial) subscore", sources.START_BACK_LOINC
        ),
    ),
    score_decimals=0,
    notes=(
        "A screening tool for stratified care, not a change measure: no meaningful-change "
        "threshold is defined.",
    ),
)
