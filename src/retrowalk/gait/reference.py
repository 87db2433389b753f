"""Which walking of a recording serves as the FORWARD reference for judging walking direction.

Direction against a reference (:class:`~retrowalk.gait.direction.ForwardReference`, KU-HAR 100 %
against 77 % without one, docs/gait_direction.md 1.1) needs walking known to be forward. A guided
retrowalk session starts with a forward warm-up of a planned length
(``domain.plan.PlannedSession.warmup_forward_min``), so:

``warm-up`` (:func:`warmup_reference`, when the planned warm-up is known)
    The warm-up window runs from the start of the recording's first walking bout for the planned
    warm-up minutes (standing or sitting before the session does not count: it has no bouts).
    Every bout that starts in the window, cut at the window's end, is a candidate; each learns its
    own reference (``ForwardReference.from_bout``); those that cannot serve (too short, still, not
    periodic, turning) are left out with their reason. With gravity recorded, the candidates held
    in the orientation that covers the most warm-up walking are kept (within the reference tilt
    limit, 30 degrees) and the others left out: a phone carried in the hand before it goes into
    the pouch. The kept bouts are split by the sense of their loop axis. If they all turn the same
    way, they are POOLED: loop axis = direction of the sum of their axes weighted by walking time
    x agreement, ``up`` = walking-time weighted mean gravity direction, ``loop_strength`` and
    ``agreement`` walking-time weighted means (agreement measured against the pooled axis). If
    they turn both ways, the warm-up was not all forward: either it was cut short (forward first,
    then backward blocks inside the planned window) or the recording starts with backward steps.
    The reference-free evidence of each group (``estimate_direction`` without a reference,
    walking-time weighted signed confidence) decides only when it is consistent, i.e. one group
    leans forward and the other backward; otherwise the group of the EARLIEST kept bout is taken
    (the warm-up comes first: the first-bout assumption). The other group is left out and noted.
    Nothing here is fitted: the 30-degree tilt limit and the weights are those of
    :mod:`retrowalk.gait.direction`, the rules were set before measuring
    (``benchmarks/warmup_reference.py``).
``first-bout`` (:func:`first_bout_reference`)
    The first walking bout, whole, assumed forward. The fallback when no warm-up is planned (0
    minutes, or no plan) and when the warm-up window holds no usable walking.
Neither usable: every bout is judged reference-free, and the notes say so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from retrowalk.errors import InputError
from retrowalk.gait.direction import ForwardReference, estimate_direction
from retrowalk.gait.recording import Recording

ReferenceMode = Literal["warm-up", "first-bout", "none"]
REFERENCE_MODES: tuple[ReferenceMode, ...] = ("warm-up", "first-bout", "none")
ReferenceSource = Literal["warm-up", "first-bout", "none"]
NO_REFERENCE_NOTE = "no usable forward reference: reference-free direction"
FloatArray = NDArray[np.float64]
SampleSpan = tuple[int, int]
"""A bout as sample indices ``[start, end)`` of the recording."""


@dataclass(frozen=True)
class LeftOut:
    """A bout of the warm-up window that did not serve, and why (times in s)."""

    start_s: float
    end_s: float
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "why": self.reason,
        }


@dataclass(frozen=True)
class ReferenceChoice:
    """The forward reference of a recording, the walking it came from and why.

    ``reference`` is ``None`` when nothing could serve (``problem`` says why; the directions are
    then reference-free). ``bouts_s``: the walking (seconds from the start of the recording) the
    reference was learnt from (or, when it failed, tried). ``window_s``: the planned warm-up
    window, in ``warm-up`` mode. ``notes`` go into the result's notes.
    """

    reference: ForwardReference | None
    source: ReferenceSource
    bouts_s: tuple[tuple[float, float], ...]
    why: str
    window_s: tuple[float, float] | None = None
    left_out: tuple[LeftOut, ...] = ()
    problem: str = ""
    notes: tuple[str, ...] = ()

    @property
    def bout_start_s(self) -> float:
        return self.bouts_s[0][0] if self.bouts_s else math.nan

    @property
    def bout_end_s(self) -> float:
        return self.bouts_s[-1][1] if self.bouts_s else math.nan

    def shifted(self, offset_s: float) -> ReferenceChoice:
        """The same choice with every time moved by ``offset_s`` (a chunk's start)."""
        return replace(
            self,
            bouts_s=tuple((a + offset_s, b + offset_s) for a, b in self.bouts_s),
            window_s=None
            if self.window_s is None
            else (self.window_s[0] + offset_s, self.window_s[1] + offset_s),
            left_out=tuple(
                LeftOut(x.start_s + offset_s, x.end_s + offset_s, x.reason) for x in self.left_out
            ),
        )

    def as_block(self, mode: ReferenceMode) -> dict[str, Any]:
        """The ``algorithm.direction_reference`` entry of a result."""
        block: dict[str, Any] = {
            "mode": mode,
            "source": self.source if self.reference is not None else "none",
            "why": self.why,
            "bout_start_s": round(self.bout_start_s, 3),
            "bout_end_s": round(self.bout_end_s, 3),
            "bouts_s": [[round(a, 3), round(b, 3)] for a, b in self.bouts_s],
            "settings": None if self.reference is None else self.reference.settings(),
        }
        if self.window_s is not None:
            block["warmup_window_s"] = [round(self.window_s[0], 3), round(self.window_s[1], 3)]
        if self.left_out:
            block["left_out"] = [x.as_dict() for x in self.left_out]
        if self.problem:
            block["problem"] = self.problem
        return block


def choose_reference(
    recording: Recording,
    spans: Sequence[SampleSpan],
    *,
    gravity_included: bool,
    mode: ReferenceMode,
    warmup_forward_min: float | None,
) -> ReferenceChoice | None:
    """The reference for ``mode``; ``None`` when there is nothing to choose from (no bouts, or
    ``mode="none"``). ``warmup_forward_min``: the planned warm-up (``None``/0: none planned)."""
    if mode == "none" or not spans:
        return None
    if mode == "first-bout":
        return first_bout_reference(recording, spans, gravity_included=gravity_included)
    if warmup_forward_min is None or warmup_forward_min <= 0:
        why = (
            "no planned session given"
            if warmup_forward_min is None
            else "the planned session has no forward warm-up"
        )
        choice = first_bout_reference(recording, spans, gravity_included=gravity_included)
        note = f"{why}: the first walking bout was taken as forward walking"
        return replace(choice, why=f"{why}; {choice.why}", notes=(*choice.notes, note))
    return warmup_reference(
        recording,
        spans,
        gravity_included=gravity_included,
        warmup_s=60.0 * warmup_forward_min,
    )


def first_bout_reference(
    recording: Recording, spans: Sequence[SampleSpan], *, gravity_included: bool
) -> ReferenceChoice:
    """The forward reference learnt from the first bout, which is ASSUMED to be forward walking
    (a guided retrowalk session starts with a forward warm-up)."""
    _require_bouts(spans)
    fs = recording.sampling_rate_hz
    start, end = spans[0]
    bout = ((start / fs, (end - 1) / fs),)
    try:
        forward = _learn(recording, start, end, gravity_included)
    except InputError as error:
        return ReferenceChoice(
            None,
            "first-bout",
            bout,
            "the first walking bout could not serve",
            problem=error.problem,
            notes=(NO_REFERENCE_NOTE,),
        )
    return ReferenceChoice(
        forward, "first-bout", bout, "the first walking bout, taken as forward walking"
    )


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    reference: ForwardReference

    def duration_s(self, fs: float) -> float:
        return (self.end - self.start) / fs


def warmup_reference(
    recording: Recording,
    spans: Sequence[SampleSpan],
    *,
    gravity_included: bool,
    warmup_s: float,
) -> ReferenceChoice:
    """The forward reference pooled from the walking in the planned warm-up window (module
    docstring); falls back to the whole first bout, then to no reference, with notes."""
    if not math.isfinite(warmup_s) or warmup_s <= 0:
        raise InputError(f"must be a positive number of seconds, got {warmup_s}", field="warmup_s")
    _require_bouts(spans)
    fs = recording.sampling_rate_hz
    window_start = spans[0][0]
    window_end = window_start + round(warmup_s * fs)
    window_s = (window_start / fs, window_end / fs)
    minutes = f"{warmup_s / 60:.2f}".rstrip("0").rstrip(".") + "-min"
    left_out: list[LeftOut] = []
    candidates: list[_Candidate] = []
    for start, end in spans:
        if start >= window_end:
            break
        cut = min(end, window_end)
        try:
            candidates.append(
                _Candidate(start, cut, _learn(recording, start, cut, gravity_included))
            )
        except InputError as error:
            left_out.append(LeftOut(start / fs, (cut - 1) / fs, error.problem))
    notes: list[str] = []
    if candidates:
        candidates, tilted = _same_orientation(candidates, fs)
        left_out += tilted
        kept, opposite, decided_by = _one_direction(recording, candidates, gravity_included)
        left_out += opposite
        if opposite:
            notes.append(
                f"the walking in the planned warm-up turns both ways: {decided_by}; "
                f"{len(opposite)} bout(s) of the warm-up window were left out of the reference"
            )
        pooled = _pool(kept, fs)
        bouts = tuple((c.start / fs, (c.end - 1) / fs) for c in kept)
        walked_s = sum(c.duration_s(fs) for c in kept)
        why = (
            f"{len(kept)} bout(s) ({walked_s:.0f} s of walking) in the planned {minutes} warm-up "
            f"from the first walking ({window_s[0]:.1f}-{window_s[1]:.1f} s), pooled"
        )
        return ReferenceChoice(
            pooled,
            "warm-up",
            bouts,
            why,
            window_s,
            tuple(sorted(left_out, key=lambda x: x.start_s)),
            notes=tuple(notes),
        )
    # no usable walking in the window: the whole first bout (it may run past the window)
    fallback = first_bout_reference(recording, spans, gravity_included=gravity_included)
    span = f"{window_s[0]:.1f}-{window_s[1]:.1f} s"
    no_warmup = f"no usable walking in the planned {minutes} warm-up ({span})"
    if fallback.reference is not None:  # the first bout ran past the window: whole, it serves
        return replace(
            fallback,
            why=f"{no_warmup}; {fallback.why}",
            window_s=window_s,
            left_out=tuple(left_out),
            notes=(f"{no_warmup}: the whole first walking bout was taken as forward walking",),
        )
    return ReferenceChoice(
        None,
        "none",
        fallback.bouts_s,
        f"{no_warmup} and the first bout could not serve",
        window_s,
        tuple(left_out),
        problem=left_out[0].reason,
        notes=(f"{no_warmup}", NO_REFERENCE_NOTE),
    )


def _require_bouts(spans: Sequence[SampleSpan]) -> None:
    if not spans:
        raise InputError("no walking bouts to learn a forward reference from", field="spans")


def _learn(recording: Recording, start: int, end: int, gravity_included: bool) -> ForwardReference:
    gyr = None if recording.gyr_rad_s is None else recording.gyr_rad_s[start:end]
    return ForwardReference.from_bout(
        recording.acc_m_s2[start:end],
        sampling_rate_hz=recording.sampling_rate_hz,
        gyr_rad_s=gyr,
        gravity_included=gravity_included,
    )


def _angle_deg(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    return math.degrees(math.acos(max(-1.0, min(1.0, float(np.dot(a, b))))))


def _same_orientation(
    candidates: list[_Candidate], fs: float
) -> tuple[list[_Candidate], list[LeftOut]]:
    """The candidates held like the orientation covering the most warm-up walking (gravity
    within the reference tilt limit of that bout's), and the others, left out. Without a
    recorded gravity direction every candidate stays."""
    if any(c.reference.up is None for c in candidates):
        return candidates, []
    limit = candidates[0].reference.max_tilt_deg
    best: list[_Candidate] = []
    best_s = -1.0
    centre_up = (0.0, 0.0, 1.0)
    for centre in candidates:  # earliest wins a tie
        up = centre.reference.up or centre_up
        near = [c for c in candidates if _angle_deg(up, c.reference.up or up) <= limit]
        walked = sum(c.duration_s(fs) for c in near)
        if walked > best_s:
            best, best_s, centre_up = near, walked, up
    left = [
        LeftOut(
            c.start / fs,
            (c.end - 1) / fs,
            f"held differently: gravity {_angle_deg(centre_up, c.reference.up or centre_up):.0f}"
            f" deg from the rest of the warm-up's (over {limit:g})",
        )
        for c in candidates
        if c not in best
    ]
    return best, left


def _one_direction(
    recording: Recording, candidates: list[_Candidate], gravity_included: bool
) -> tuple[list[_Candidate], list[LeftOut], str]:
    """Candidates whose loops turn the same way, those that turn the other way (left out) and
    which rule decided (module docstring)."""
    fs = recording.sampling_rate_hz
    longest = max(candidates, key=lambda c: c.duration_s(fs))
    axis = np.asarray(longest.reference.loop_axis)
    groups: tuple[list[_Candidate], list[_Candidate]] = ([], [])
    for c in candidates:
        groups[0 if float(np.dot(c.reference.loop_axis, axis)) >= 0 else 1].append(c)
    if not groups[1]:
        return groups[0], [], ""
    evidence = [_forward_evidence(recording, group, gravity_included) for group in groups]
    if evidence[0] * evidence[1] < 0:
        chosen = 0 if evidence[0] > 0 else 1
        rule = "the reference-free evidence of the two groups agrees on which way is forward"
    else:
        chosen = 0 if groups[0][0].start < groups[1][0].start else 1
        rule = (
            "the reference-free evidence does not tell which way is forward, so the walking "
            "that comes first was taken as forward"
        )
    other = groups[1 - chosen]
    left = [
        LeftOut(c.start / fs, (c.end - 1) / fs, "turns the other way from the warm-up's walking")
        for c in other
    ]
    return groups[chosen], left, rule


def _forward_evidence(
    recording: Recording, group: list[_Candidate], gravity_included: bool
) -> float:
    """Walking-time weighted reference-free vote of a group: + forward, - backward, 0 none."""
    fs = recording.sampling_rate_hz
    total = 0.0
    for c in group:
        gyr = None if recording.gyr_rad_s is None else recording.gyr_rad_s[c.start : c.end]
        try:
            estimate = estimate_direction(
                recording.acc_m_s2[c.start : c.end],
                sampling_rate_hz=fs,
                gyr_rad_s=gyr,
                gravity_included=gravity_included,
                describe=False,
            )
        except InputError:
            continue
        sign = {"forward": 1.0, "backward": -1.0}.get(estimate.direction, 0.0)
        total += sign * float(estimate.confidence) * c.duration_s(fs)
    return total


def _pool(candidates: list[_Candidate], fs: float) -> ForwardReference:
    """One reference from several forward bouts (module docstring); a single bout's as is."""
    if len(candidates) == 1:
        return candidates[0].reference
    refs = [c.reference for c in candidates]
    seconds = np.array([c.duration_s(fs) for c in candidates])
    axes = np.array([r.loop_axis for r in refs])
    agreements = np.array([r.agreement for r in refs])
    total = (seconds * agreements) @ axes
    axis = total / np.linalg.norm(total)
    weights = seconds / seconds.sum()
    up: tuple[float, float, float] | None = None
    if all(r.up is not None for r in refs):
        mean_up = weights @ np.array([r.up for r in refs])
        up = _triple(mean_up / np.linalg.norm(mean_up))
    strengths = np.array([r.loop_strength for r in refs])
    strength = float(weights @ strengths) if np.isfinite(strengths).all() else math.nan
    agreement = float(weights @ (agreements * (axes @ axis)))
    return ForwardReference(
        _triple(axis), up, strength, agreement, f"warm-up ({len(candidates)} bouts)"
    )


def _triple(vector: FloatArray) -> tuple[float, float, float]:
    return (float(vector[0]), float(vector[1]), float(vector[2]))
