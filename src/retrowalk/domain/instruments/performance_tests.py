"""Performance tests scored by the measured value itself: TUG, 3-m backward walk, sit-and-reach,
modified Schober, single-leg stance (evidence.md 4.5, 4.6).

Each takes one item, the measurement. Upper (and for sit-and-reach lower) limits are our
plausibility limits that catch typing errors; they are not clinical thresholds. Times must be
positive (single-leg stance may be 0 s: unable to stand on one leg).
"""

from __future__ import annotations

from retrowalk.domain.instruments import sources
from retrowalk.domain.instruments.model import (
    Band,
    Instrument,
    ItemSpec,
    Licence,
    ReferenceValue,
    ScoreParts,
    Source,
    Values,
)
from retrowalk.domain.instruments.scoring import answered

TUG_AT_RISK_FROM_S = 12.0
BACKWARD_WALK_3M_COMMUNITY_CUTOFF_S = 5.5
SCHOBER_REDUCED_BELOW_CM = 5.0
_NO_TEXT = Licence(True, "A measured test; no protected text.")


def _measured(values: Values) -> ScoreParts:
    (value,) = answered(values)
    return ScoreParts(score=value, raw_score=value)


def _measurement(
    *,
    id: str,
    name: str,
    version: str,
    item: ItemSpec,
    scoring: str,
    higher_is_better: bool,
    source: Source,
    bands: tuple[Band, ...] = (),
    bands_source: Source | None = None,
    reference_values: tuple[ReferenceValue, ...] = (),
    notes: tuple[str, ...] = (),
) -> Instrument:
    assert item.unit is not None
    return Instrument(
        id=id,
        name=name,
        version=version,
        kind="performance test",
        items=(item,),
        scoring=scoring,
        score_range=(item.minimum, item.maximum),
        score_unit=item.unit,
        higher_is_better=higher_is_better,
        sources=(source, sources.OUR_PLAUSIBILITY_LIMIT),
        licence=_NO_TEXT,
        compute=_measured,
        bands=bands,
        bands_source=bands_source,
        reference_values=reference_values,
        score_decimals=2,
        notes=(
            *notes,
            "No meaningful-change threshold in the sources reviewed: changes are reported "
            "by direction only.",
        ),
    )


TUG = _measurement(
    id="tug",
    name="Timed Up and Go",
    version="CDC STEADI",
    item=ItemSpec(1, "Time", 0, 300, integer=False, minimum_exclusive=True, unit="s"),
    scoring="Seconds to rise from a chair, walk 3 m at normal pace, turn, return and sit.",
    higher_is_better=False,
    source=sources.STEADI_TUG,
    bands=(
        Band("below the at-risk time", 0, TUG_AT_RISK_FROM_S, maximum_inclusive=False),
        Band("at risk of falling", TUG_AT_RISK_FROM_S, None),
    ),
    bands_source=sources.STEADI_TUG,
    notes=("The 12 s cut-off comes from a secondary copy of the STEADI form [C-2nd].",),
)

BACKWARD_WALK_3M = _measurement(
    id="backward_walk_3m",
    name="3-metre backward walk test",
    version="3MBWT",
    item=ItemSpec(1, "Time", 0, 120, integer=False, minimum_exclusive=True, unit="s"),
    scoring="Seconds to walk 3 m backward.",
    higher_is_better=False,
    source=sources.BACKWARD_WALK_3M,
    bands=(
        Band(
            "below the community fall-history cut-off",
            0,
            BACKWARD_WALK_3M_COMMUNITY_CUTOFF_S,
            maximum_inclusive=False,
        ),
        Band(
            "at or above the community fall-history cut-off",
            BACKWARD_WALK_3M_COMMUNITY_CUTOFF_S,
            None,
        ),
    ),
    bands_source=sources.BACKWARD_WALK_3M,
    reference_values=(
        ReferenceValue(
            "community cut-off 5.5 s",
            "sensitivity 59.5 %, specificity 68.6 %",
            sources.BACKWARD_WALK_3M,
        ),
        ReferenceValue(
            "nursing-home cut-offs",
            ">= 9.31 s (past falls), >= 8.15 s (future falls), AUC 0.74-0.75",
            sources.BACKWARD_WALK_3M,
        ),
    ),
    notes=(
        "Band uses the community-dwelling cut-off (older adults, mean 76.3 y); whether 5.5 s "
        "itself counts as above is not stated in the abstract - we count it as above.",
    ),
)

SIT_AND_REACH = _measurement(
    id="sit_and_reach",
    name="Sit-and-reach",
    version="zero at the feet",
    item=ItemSpec(1, "Reach", -50, 60, integer=False, unit="cm"),
    scoring="Best reach held >= 2 s, in cm relative to the toes (negative = short of the toes).",
    higher_is_better=True,
    source=sources.SIT_AND_REACH,
    notes=("Norms are sex-specific and experience-based [C-2nd]; retrowalk gives no band.",),
)

MODIFIED_SCHOBER = _measurement(
    id="modified_schober",
    name="Modified Schober test",
    version="15 cm span (10 cm above, 5 cm below the PSIS level)",
    item=ItemSpec(
        1, "Increase of the 15 cm span on forward bending", 0, 20, integer=False, unit="cm"
    ),
    scoring="Increase in cm of the 15 cm span between the marks on full forward bending.",
    higher_is_better=True,
    source=sources.MODIFIED_SCHOBER,
    bands=(
        Band("reduced lumbar flexion", 0, SCHOBER_REDUCED_BELOW_CM, maximum_inclusive=False),
        Band("lumbar flexion not reduced", SCHOBER_REDUCED_BELOW_CM, None),
    ),
    bands_source=sources.MODIFIED_SCHOBER,
    notes=("The 5 cm cut-off comes from secondary sources [C-2nd].",),
)

SINGLE_LEG_STANCE = _measurement(
    id="single_leg_stance",
    name="Single-leg stance",
    version="Springer 2007 protocol",
    item=ItemSpec(1, "Time", 0, 300, integer=False, unit="s"),
    scoring="Seconds standing on one leg (state eyes open/closed and mean or best of 3).",
    higher_is_better=True,
    source=sources.SPRINGER_2007,
    notes=("Age-band normative times are not confirmed [NC]; retrowalk gives no band.",),
)
