"""Roland-Morris Disability Questionnaire (RMDQ), 24 items: 1 = applies to me today, 0 = not.

Score = number of items that apply (0-24), higher = more disability [C] evidence.md 4.3. Items
marked not applicable count as "no" [C-2nd], so every item must be answered 0 or 1; an
unanswered (null) item is refused rather than guessed.
"""

from __future__ import annotations

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
from retrowalk.domain.instruments.scoring import total


def _compute(values: Values) -> ScoreParts:
    raw = total(values)
    return ScoreParts(score=raw, raw_score=raw)


RMDQ = Instrument(
    id="rmdq",
    name="Roland-Morris Disability Questionnaire",
    version="24-item (Roland & Morris 1983)",
    kind="questionnaire",
    items=tuple(ItemSpec(n, f"Statement {n}", 0, 1) for n in range(1, 25)),
    scoring="Total = number of statements that apply today (1 each), 0-24.",
    score_range=(0, 24),
    score_unit="points",
    higher_is_better=False,
    sources=(sources.ROLAND_1983, sources.RMDQ_SCORING),
    licence=Licence(
        False,
        "The 24 statements are not in the sources reviewed and are not shipped; items are "
        "shown by number. Obtain the published text (Roland & Morris 1983) and its terms.",
    ),
    compute=_compute,
    meaningful_change=MeaningfulChange(
        "MIC (consensus, LBP)", absolute=5, percent=30, source=sources.OSTELO_2008
    ),
    reference_values=(
        ReferenceValue(
            "MDC 90 %", "4-5 points; scores < 4 or > 20 limit detection", sources.RMDQ_MDC
        ),
    ),
    score_decimals=0,
    notes=("No interpretation bands or LOINC code in the sources reviewed.",),
)
