"""The evidence base's schema: studies (with their protocols) and thresholds, validated on load.

Status values follow evidence.md's legend: ``C`` confirmed, ``C-abs`` abstract only, ``C-2nd``
secondary source only (provisional), ``NC`` not confirmed, ``D`` derived by us, and ``choice``
for retrowalk's own product choices (no published source).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, model_validator

from retrowalk.errors import NotFoundError

Status = Literal["C", "C-abs", "C-2nd", "NC", "D", "choice"]
PROVISIONAL_STATUSES: frozenset[str] = frozenset({"C-2nd", "NC", "choice"})
"""Statuses evidence.md calls provisional (secondary source only, not confirmed) plus our own
choices, which have no published source at all."""


def status_label(status: str) -> str:
    """How a status reads next to a source: ``C-abs``, ``C-2nd, provisional``, ``our choice``."""
    if status == "choice":
        return "our choice"
    return f"{status}, provisional" if status in PROVISIONAL_STATUSES else status


StudyKind = Literal[
    "trial",
    "cross_sectional",
    "review",
    "guideline",
    "registry",
    "tool",
    "measurement",
    "practitioner",
    "policy",
]
Mode = Literal["treadmill", "overground", "water", "not_reported"]
Id = Annotated[str, Field(pattern=r"^[a-z0-9_.]+$", min_length=2, max_length=60)]
Text = Annotated[str, Field(min_length=1)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Protocol(_Frozen):
    """A study's backward-walking dose; ``None`` minutes means not reported ([NC])."""

    minutes_per_session_low: Annotated[StrictInt, Field(ge=1, le=120)] | None
    minutes_per_session_high: Annotated[StrictInt, Field(ge=1, le=120)] | None
    sessions_per_week: Annotated[StrictInt, Field(ge=1, le=7)]
    weeks: Annotated[StrictInt, Field(ge=1, le=52)]
    mode: Mode
    speed_rule: Text
    combined_with: Text
    supervision: Text

    @model_validator(mode="after")
    def _low_not_above_high(self) -> Protocol:
        low, high = self.minutes_per_session_low, self.minutes_per_session_high
        if (low is None) != (high is None):
            raise ValueError("minutes_per_session_low and _high are both given or both null")
        if low is not None and high is not None and low > high:
            raise ValueError("minutes_per_session_low is above minutes_per_session_high")
        return self


class Study(_Frozen):
    """A study or other source (guideline, tool, practitioner advice, our own rules)."""

    id: Id
    kind: StudyKind
    citation: Text
    doi: Annotated[str, Field(pattern=r"^10\.\d{4,9}/\S+$")] | None
    population: Text | None
    n: Annotated[StrictInt, Field(ge=1)] | None
    design: Text | None
    protocol: Protocol | None
    outcomes: list[Text]
    headline_results: Text
    status: Status
    links: list[Text]
    notes: str


class Threshold(_Frozen):
    """A number a rule uses, with its unit, its source (a study id) and how it is confirmed."""

    id: Id
    value: StrictInt | StrictFloat
    unit: Text
    source: Id
    status: Status
    description: Text


class EvidenceBase(_Frozen):
    """The whole evidence base: version, studies and thresholds (ids unique, sources known)."""

    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    updated: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    description: Text
    studies: list[Study]
    thresholds: list[Threshold]

    @model_validator(mode="after")
    def _ids_unique_and_sources_known(self) -> EvidenceBase:
        study_ids = [study.id for study in self.studies]
        threshold_ids = [threshold.id for threshold in self.thresholds]
        for kind, ids in (("study", study_ids), ("threshold", threshold_ids)):
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                raise ValueError(f"duplicate {kind} id(s): {', '.join(duplicates)}")
        unknown = sorted({t.source for t in self.thresholds} - set(study_ids))
        if unknown:
            raise ValueError(f"threshold source(s) not among the studies: {', '.join(unknown)}")
        return self

    def study(self, study_id: str) -> Study:
        """The study with this id; :class:`~retrowalk.errors.NotFoundError` if there is none."""
        for study in self.studies:
            if study.id == study_id:
                return study
        raise NotFoundError(f"no study or source with id '{study_id}' in the evidence base")

    def threshold(self, threshold_id: str) -> Threshold:
        """The threshold with this id; :class:`~retrowalk.errors.NotFoundError` if none."""
        for threshold in self.thresholds:
            if threshold.id == threshold_id:
                return threshold
        raise NotFoundError(f"no threshold with id '{threshold_id}' in the evidence base")

    def find(self, item_id: str) -> Study | Threshold:
        """A study or a threshold by id (ids of the two kinds never collide: thresholds
        contain a dot)."""
        if "." in item_id:
            return self.threshold(item_id)
        return self.study(item_id)
