"""Borg exertion ratings for a session: CR10 (0-10) and RPE (6-20) [C-2nd] evidence.md 4.7.

Bands are the scales' verbal anchors: a rating takes the label of the highest anchor not above
it. Both scales are © Gunnar Borg (Borg Perception); the short anchors shown are those quoted
throughout the literature, the full scale with its instructions is not shipped.
"""

from __future__ import annotations

from retrowalk.domain.instruments import sources
from retrowalk.domain.instruments.model import (
    Band,
    Instrument,
    ItemSpec,
    Licence,
    ScoreParts,
    Values,
)
from retrowalk.domain.instruments.scoring import answered

CR10_ANCHORS: tuple[tuple[float, str], ...] = (
    (0, "nothing at all"),
    (0.5, "extremely weak"),
    (1, "very weak"),
    (2, "weak (light)"),
    (3, "moderate"),
    (4, "somewhat strong"),
    (5, "strong (heavy)"),
    (7, "very strong"),
    (10, "extremely strong (almost max)"),
)


_BORG_LICENCE = Licence(
    False,
    "© Gunnar Borg (Borg Perception): the full scales and instructions are not shipped; only "
    "the short verbal anchors quoted in the literature are shown.",
)


def _anchor_bands(anchors: tuple[tuple[float, str], ...], top: float) -> tuple[Band, ...]:
    bands = []
    for index, (value, label) in enumerate(anchors):
        upper = anchors[index + 1][0] if index + 1 < len(anchors) else top
        last = index + 1 == len(anchors)
        bands.append(Band(label, value, upper, maximum_inclusive=last))
    return tuple(bands)


def _rating(values: Values) -> ScoreParts:
    (value,) = answered(values)
    return ScoreParts(score=value, raw_score=value)


BORG_CR10 = Instrument(
    id="borg_cr10",
    name="Borg CR10 scale",
    version="CR10 (Borg 1982)",
    kind="rating scale",
    items=(ItemSpec(1, "Perceived exertion", 0, 10, integer=False),),
    scoring="The rating itself, 0-10 (decimals allowed, e.g. 0.5).",
    score_range=(0, 10),
    score_unit="points",
    higher_is_better=False,
    sources=(sources.BORG_1982,),
    licence=_BORG_LICENCE,
    compute=_rating,
    bands=_anchor_bands(CR10_ANCHORS, 10),
    bands_source=sources.BORG_1982,
    score_decimals=1,
    notes=(
        "Session effort, not an outcome: 'higher is better' is false only so that a lower "
        "effort for the same session reads as an improvement. The 'maximal' point above 10 "
        "is not accepted.",
    ),
)

RPE_6_20 = Instrument(
    id="rpe_6_20",
    name="Borg RPE scale",
    version="6-20",
    kind="rating scale",
    items=(ItemSpec(1, "Perceived exertion", 6, 20),),
    scoring="The rating itself, a whole number 6-20.",
    score_range=(6, 20),
    score_unit="points",
    higher_is_better=False,
    sources=(sources.RPE_ANCHORS,),
    licence=_BORG_LICENCE,
    compute=_rating,
    score_decimals=0,
    notes=(
        "Anchors in the sources reviewed: 6 = no exertion, 20 = maximal; intermediate anchors "
        "are not confirmed, so no bands are given.",
    ),
)
