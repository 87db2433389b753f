"""Safety screening before retro-walking: answers in, a decision with cited reasons out.

The screen informs; it does not diagnose. Every rule is a named, cited predicate over the answers
(:data:`RULES`); the decision is the most serious level any rule reaches. Rules by level:

- ``urgent`` (seek care now, do not start): possible cauda equina or progressive neurology —
  new bladder/bowel change, saddle numbness, progressive leg weakness or numbness
  (AHCPR 1994 Table 1 [C]; surgical emergency per neurosurgical guidance [C-2nd]).
- ``see_clinician`` (consult before starting): the other red flags (AHCPR 1994 [C]; since rules
  1.3.0 also symptoms down both legs [C-2nd], upper-back pain and inflammatory disease [C-2nd,
  evidence.md §5.1 "Other"], and a recent bacterial infection [C]); acute pain
  under 4 weeks (ACP 2017 acute/subacute/chronic bands [C-abs]); severe pain NPRS >= 7 (our
  product rule, no source in evidence.md); balance/vestibular or neurological conditions
  (our product rule); fall risk — any STEADI key question yes [C-2nd] or TUG >= 12 s [C-2nd];
  osteoporosis/fracture risk (AHCPR 1994 [C]; trial exclusion lists [C]); PAR-Q cardiac
  questions [C-2nd]; pregnancy (trial exclusion lists [C]).

Age alone never changes the decision (a product rule of issue 2): no rule reads ``age_years``.
AHCPR 1994 Table 1 does list age over 50 or under 20 (tumour/infection) and over 70 (fracture)
among its flags, but an age band alone is a weak sign (evidence.md §5.1: age > 50 with weight
loss, LR about 2.7); so these ages, like pain that is not yet chronic (4-12 weeks, ACP 2017) or
pain now above the 5/10 a session may reach (Silbernagel 2007), add a *precaution* to a cleared
result (:func:`_answer_precautions`). Source ids refer to entries of the evidence base
(``retrowalk.evidence``); the thresholds are in :mod:`retrowalk.domain.thresholds`.

Optional answers (``tug_seconds``, ``vision_impairment``, ``walked_backward_before``, and the
red flags added in 1.3.0, :data:`LATER_RED_FLAGS`) may be missing. They never turn a decision
into ``cleared`` by being absent: a missing answer adds the precaution the worse answer would
add, or, for a red flag that was not asked, a precaution naming it, and the result lists that as
an assumption.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from retrowalk.domain.thresholds import (
    ACUTE_PAIN_WEEKS,
    AGE_FRACTURE_FLAG_ABOVE_YEARS,
    AGE_SERIOUS_CAUSE_ABOVE_YEARS,
    AGE_SERIOUS_CAUSE_BELOW_YEARS,
    CHRONIC_PAIN_WEEKS,
    PAIN_DURING_MAX_NPRS,
    RULES_VERSION,
    SEVERE_PAIN_NPRS,
    STOP_PAIN_ABOVE_NPRS,
    TUG_FALL_RISK_S,
    WARMUP_FORWARD_MIN,
)

Decision = Literal["cleared", "see_clinician", "urgent"]

DECISION_ORDER: tuple[Decision, ...] = ("cleared", "see_clinician", "urgent")
"""Decisions from least to most serious; the screen returns the most serious one reached."""

STOP_RULES = (
    "Stop at once if you lose your balance, feel unsteady or dizzy, or your pain goes above "
    f"{STOP_PAIN_ABOVE_NPRS} out of 10; stop also if you are very tired or a muscle tightens up."
)
"""When to stop a session: the one wording every page, cue and precaution uses (practitioner
stop rules [C-2nd]; the pain limit of the pain-monitoring model, Silbernagel 2007 [C-2nd])."""

NEW_SYMPTOMS_RULE = (
    "New numbness or weakness in a leg, numbness around the buttocks or genitals, or a change in "
    "bladder or bowel control: stop walking backward and get medical care now."
)
"""New red-flag symptoms during the program (AHCPR 1994 [C]; cauda equina guidance [C-2nd]):
shown with the stop rules, since the screening asked about them only once."""

NOTICE = (
    "This screen informs you; it does not diagnose. If you are unsure about any symptom, "
    "or your symptoms change, talk to a doctor or physical therapist."
)

NEXT_STEP: dict[Decision, str] = {
    "urgent": (
        "Seek medical care now (today: an emergency department or urgent care). "
        "Do not start walking backward."
    ),
    "see_clinician": (
        "Talk to a doctor or physical therapist before you start walking backward, "
        "and show them the reasons below."
    ),
    "cleared": (
        "You may start walking backward, slowly and briefly, with the precautions below. "
        "Stop and get advice if anything in 'when to stop' happens."
    ),
}


@dataclass(frozen=True)
class ScreeningAnswers:
    """One person's screening answers (keys as in the screening questionnaire).

    ``pain_now_nprs`` is the 0-10 numeric pain rating now; ``pain_duration_weeks`` how long this
    episode has lasted. ``tug_seconds`` (Timed Up and Go), ``vision_impairment``,
    ``walked_backward_before`` and the :data:`LATER_RED_FLAGS` are optional: ``None`` means not
    answered.
    """

    age_years: int
    pain_now_nprs: int
    pain_duration_weeks: float
    bladder_bowel_change: bool
    saddle_numbness: bool
    progressive_leg_weakness: bool
    recent_major_trauma: bool
    cancer_history: bool
    unexplained_weight_loss: bool
    fever_or_unwell: bool
    night_pain_unrelieved: bool
    iv_drug_use_or_immunosuppressed: bool
    long_term_corticosteroids: bool
    fell_past_year: bool
    unsteady_when_walking: bool
    worried_about_falling: bool
    balance_or_vestibular_disorder: bool
    neurological_condition: bool
    osteoporosis_or_fracture_risk: bool
    chest_pain_or_heart_condition: bool
    dizziness_or_fainting: bool
    told_not_to_exercise: bool
    pregnant: bool
    tug_seconds: float | None = None
    vision_impairment: bool | None = None
    walked_backward_before: bool | None = None
    both_legs_symptoms: bool | None = None
    thoracic_pain: bool | None = None
    recent_bacterial_infection: bool | None = None
    inflammatory_disease: bool | None = None

    def to_json(self) -> dict[str, Any]:
        """The answers as a JSON object with the questionnaire's keys (missing ones omitted)."""
        return {key: value for key, value in asdict(self).items() if value is not None}


LATER_RED_FLAGS: tuple[str, ...] = (
    "both_legs_symptoms",
    "thoracic_pain",
    "recent_bacterial_infection",
    "inflammatory_disease",
)
"""Red-flag answers added in rules 1.3.0. The questionnaire (web and terminal) always asks them;
screenings stored before, and API clients written before, lack them, so they may be missing:
a missing one is not a "no" (the result says it was not asked and what to do if it applies)."""

OPTIONAL_ANSWERS: tuple[str, ...] = (
    "tug_seconds",
    "vision_impairment",
    "walked_backward_before",
    *LATER_RED_FLAGS,
)
"""Answers that may be missing; every other field of :class:`ScreeningAnswers` is required."""

REQUIRED_ANSWERS: tuple[str, ...] = tuple(
    field.name for field in fields(ScreeningAnswers) if field.name not in OPTIONAL_ANSWERS
)


@dataclass(frozen=True)
class Reason:
    """Why a rule fired: the rule's id, its level, a plain-language sentence and its sources."""

    rule: str
    level: Decision
    text: str
    sources: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "level": self.level,
            "text": self.text,
            "sources": [*self.sources],
        }


@dataclass(frozen=True)
class Precaution:
    """One thing to do (or watch for) while retro-walking, with its sources."""

    id: str
    text: str
    sources: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "sources": [*self.sources]}


@dataclass(frozen=True)
class Assumption:
    """How a missing optional answer was treated (always the conservative way)."""

    answer: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"answer": self.answer, "text": self.text}


@dataclass(frozen=True)
class ScreeningRule:
    """A named, cited predicate: when ``applies(answers)`` is true the screen reaches ``level``."""

    id: str
    level: Decision
    text: str
    sources: tuple[str, ...]
    applies: Callable[[ScreeningAnswers], bool]


@dataclass(frozen=True)
class ScreeningResult:
    """The decision, every reason behind it, and (when cleared) the precautions to follow."""

    decision: Decision
    reasons: tuple[Reason, ...]
    precautions: tuple[Precaution, ...]
    assumptions: tuple[Assumption, ...]
    rules_version: str = RULES_VERSION

    @property
    def cleared(self) -> bool:
        return self.decision == "cleared"

    @property
    def next_step(self) -> str:
        return NEXT_STEP[self.decision]

    def to_json(self) -> dict[str, Any]:
        """JSON shape documented in docs/clinical.md (``decision``, ``reasons``, ...)."""
        return {
            "decision": self.decision,
            "next_step": self.next_step,
            "reasons": [reason.to_json() for reason in self.reasons],
            "precautions": [precaution.to_json() for precaution in self.precautions],
            "assumptions": [assumption.to_json() for assumption in self.assumptions],
            "notice": NOTICE,
            "rules_version": self.rules_version,
        }


_AHCPR = "ahcpr1994"
_CAUDA = "cauda_equina_guidance"
_STEADI_Q = "steadi_key_questions"
_PARQ = "parq"
_OURS = "retrowalk_rules"
_OTHER_FLAGS = "red_flag_lists_secondary"


def _flag(rule_id: str, level: Decision, answer: str, text: str, *sources: str) -> ScreeningRule:
    def applies(answers: ScreeningAnswers) -> bool:
        return bool(getattr(answers, answer))

    return ScreeningRule(rule_id, level, text, tuple(sources), applies)


RULES: tuple[ScreeningRule, ...] = (
    _flag(
        "urgent.bladder_bowel_change",
        "urgent",
        "bladder_bowel_change",
        "A new change in bladder or bowel control can mean a trapped nerve bundle in the lower "
        "back (cauda equina syndrome), which needs emergency care.",
        _AHCPR,
        _CAUDA,
    ),
    _flag(
        "urgent.saddle_numbness",
        "urgent",
        "saddle_numbness",
        "Numbness around the buttocks, genitals or inner thighs (saddle area) can mean cauda "
        "equina syndrome, which needs emergency care.",
        _AHCPR,
        _CAUDA,
    ),
    _flag(
        "urgent.progressive_leg_weakness",
        "urgent",
        "progressive_leg_weakness",
        "Leg weakness or numbness that is getting worse can mean a nerve is being damaged and "
        "needs to be checked now.",
        _AHCPR,
        _CAUDA,
    ),
    _flag(
        "red_flag.recent_major_trauma",
        "see_clinician",
        "recent_major_trauma",
        "A recent major injury or fall (for example a road accident or a fall from a height) "
        "needs a check for a fracture first.",
        _AHCPR,
    ),
    _flag(
        "red_flag.cancer_history",
        "see_clinician",
        "cancer_history",
        "With a history of cancer, new back pain should be checked by a clinician first.",
        _AHCPR,
    ),
    _flag(
        "red_flag.unexplained_weight_loss",
        "see_clinician",
        "unexplained_weight_loss",
        "Weight loss you cannot explain, together with back pain, should be checked first.",
        _AHCPR,
    ),
    _flag(
        "red_flag.fever_or_unwell",
        "see_clinician",
        "fever_or_unwell",
        "Fever or feeling generally unwell with back pain can mean an infection; get it checked "
        "first.",
        _AHCPR,
    ),
    _flag(
        "red_flag.night_pain_unrelieved",
        "see_clinician",
        "night_pain_unrelieved",
        "Severe pain at night that rest does not ease should be checked first.",
        _AHCPR,
    ),
    _flag(
        "red_flag.iv_drug_use_or_immunosuppressed",
        "see_clinician",
        "iv_drug_use_or_immunosuppressed",
        "Injecting drugs or a weakened immune system raises the risk of a spinal infection; get "
        "checked first.",
        _AHCPR,
    ),
    _flag(
        "red_flag.long_term_corticosteroids",
        "see_clinician",
        "long_term_corticosteroids",
        "Long-term steroid tablets can weaken bones; a clinician should check for fracture risk "
        "first.",
        _AHCPR,
    ),
    _flag(
        "red_flag.both_legs_symptoms",
        "see_clinician",
        "both_legs_symptoms",
        "Pain, numbness or tingling going down both legs can come from pressure on the nerves in "
        "the lower back; a clinician should check it first.",
        _CAUDA,
    ),
    _flag(
        "red_flag.thoracic_pain",
        "see_clinician",
        "thoracic_pain",
        "Pain in the upper back (between the shoulder blades) is not typical of common low back "
        "pain; a clinician should check it first.",
        _OTHER_FLAGS,
    ),
    _flag(
        "red_flag.recent_bacterial_infection",
        "see_clinician",
        "recent_bacterial_infection",
        "A recent bacterial infection (for example of the bladder) raises the risk of an "
        "infection in the spine; get checked first.",
        _AHCPR,
    ),
    _flag(
        "red_flag.inflammatory_disease",
        "see_clinician",
        "inflammatory_disease",
        "An inflammatory condition of the spine or joints (such as axial spondyloarthritis) needs "
        "its own care plan; ask your clinician whether walking backward fits it.",
        "nice_ng59",
        _OTHER_FLAGS,
    ),
    ScreeningRule(
        "pain.acute",
        "see_clinician",
        f"This pain started less than {ACUTE_PAIN_WEEKS:g} weeks ago (acute back pain); "
        "retro-walking has been studied for long-lasting pain, so ask a clinician first.",
        ("acp2017", _OURS),
        lambda answers: answers.pain_duration_weeks < ACUTE_PAIN_WEEKS,
    ),
    ScreeningRule(
        "pain.severe",
        "see_clinician",
        f"Your pain now is severe ({SEVERE_PAIN_NPRS} or more out of 10); ask a clinician "
        "before adding a new exercise.",
        (_OURS,),
        lambda answers: answers.pain_now_nprs >= SEVERE_PAIN_NPRS,
    ),
    _flag(
        "balance.balance_or_vestibular_disorder",
        "see_clinician",
        "balance_or_vestibular_disorder",
        "A balance or inner-ear (vestibular) disorder makes walking backward riskier; a "
        "clinician can say whether and how to do it safely.",
        _STEADI_Q,
        _OURS,
    ),
    _flag(
        "balance.neurological_condition",
        "see_clinician",
        "neurological_condition",
        "A neurological condition that affects walking makes walking backward riskier; a "
        "clinician can say whether and how to do it safely.",
        _STEADI_Q,
        _OURS,
    ),
    _flag(
        "falls.fell_past_year",
        "see_clinician",
        "fell_past_year",
        "You fell in the past year; that is a sign of fall risk, so get your balance checked "
        "before walking backward.",
        _STEADI_Q,
    ),
    _flag(
        "falls.unsteady_when_walking",
        "see_clinician",
        "unsteady_when_walking",
        "You feel unsteady when standing or walking; that is a sign of fall risk, so get your "
        "balance checked before walking backward.",
        _STEADI_Q,
    ),
    _flag(
        "falls.worried_about_falling",
        "see_clinician",
        "worried_about_falling",
        "You worry about falling; that is a sign of fall risk, so get your balance checked "
        "before walking backward.",
        _STEADI_Q,
    ),
    ScreeningRule(
        "falls.slow_timed_up_and_go",
        "see_clinician",
        f"Your Timed Up and Go took {TUG_FALL_RISK_S:g} seconds or more, which marks a risk of "
        "falling; get your balance checked before walking backward.",
        ("steadi_tug",),
        lambda answers: answers.tug_seconds is not None and answers.tug_seconds >= TUG_FALL_RISK_S,
    ),
    _flag(
        "bone.osteoporosis_or_fracture_risk",
        "see_clinician",
        "osteoporosis_or_fracture_risk",
        "Osteoporosis or a known fracture risk makes a fall more dangerous; ask a clinician first.",
        _AHCPR,
        "trial_exclusions",
    ),
    _flag(
        "heart.chest_pain_or_heart_condition",
        "see_clinician",
        "chest_pain_or_heart_condition",
        "Chest pain or a heart condition: a doctor should say which activity is safe for you.",
        _PARQ,
    ),
    _flag(
        "heart.dizziness_or_fainting",
        "see_clinician",
        "dizziness_or_fainting",
        "Dizziness or fainting makes a fall likely while walking backward; get it checked first.",
        _PARQ,
    ),
    _flag(
        "heart.told_not_to_exercise",
        "see_clinician",
        "told_not_to_exercise",
        "A doctor told you not to exercise; ask them before starting this.",
        _PARQ,
    ),
    _flag(
        "pregnancy",
        "see_clinician",
        "pregnant",
        "During pregnancy balance changes and a fall matters more; ask your midwife or doctor "
        "first.",
        "trial_exclusions",
        _PARQ,
    ),
)
"""Every screening rule, urgent ones first. ``retrowalk_rules`` marks a product rule of ours."""

BASE_PRECAUTIONS: tuple[Precaution, ...] = (
    Precaution(
        "setting",
        "Walk backward only on a clear, flat, familiar path with no obstacles, or on a treadmill "
        "with handrails at a slow speed (clip on the safety key).",
        ("practitioner_overground", "practitioner_treadmill"),
    ),
    Precaution(
        "warm_up",
        f"Warm up first by walking forward for about {WARMUP_FORWARD_MIN} minutes.",
        ("whitley2011", "hadfield2017"),
    ),
    Precaution(
        "posture",
        "Stand tall and keep your trunk upright; take short, slow steps, toe first, then heel.",
        ("practitioner_foot_contact", _OURS),
    ),
    Precaution(
        "look_back",
        "Glance over your shoulder now and then to see where you are going.",
        ("practitioner_overground", _OURS),
    ),
    Precaution(
        "shoes",
        "Wear supportive, closed shoes with a good grip.",
        (_OURS,),
    ),
    Precaution(
        "when_to_stop",
        STOP_RULES,
        ("practitioner_stop_rules", "silbernagel2007"),
    ),
)
"""Precautions every cleared result lists."""

SPOTTER = Precaution(
    "spotter",
    "Because of your eyesight, have someone walk beside you (a spotter), or use a treadmill with "
    "handrails, and keep to a path you know well.",
    ("practitioner_overground", _OURS),
)
NEW_TO_BACKWARD = Precaution(
    "new_to_backward_walking",
    "You are new to walking backward: start with 1-minute bouts between forward walking, close to "
    "a wall or holding the treadmill handrails.",
    ("practitioner_interleave", "practitioner_overground"),
)
COMPANY_FIRST_SESSIONS = Precaution(
    "company_first_sessions",
    "Your balance has not been timed (Timed Up and Go): have someone nearby for your first "
    "sessions, and ask a clinician to time it if you feel unsure.",
    ("steadi_tug", _OURS),
)


OLDER_AGE_FRACTURE = Precaution(
    "older_age_fracture",
    f"Over {AGE_FRACTURE_FLAG_ABOVE_YEARS}, a fall is more likely to break a bone (age over "
    f"{AGE_FRACTURE_FLAG_ABOVE_YEARS} is one of the warning signs for a fracture): walk backward "
    "on a treadmill with handrails or with someone beside you, and see a clinician first if this "
    "back pain began after a minor fall or lifting something heavy.",
    (_AHCPR, "practitioner_treadmill"),
)
AGE_SERIOUS_CAUSE = Precaution(
    "age_other_causes",
    f"Under {AGE_SERIOUS_CAUSE_BELOW_YEARS} or over {AGE_SERIOUS_CAUSE_ABOVE_YEARS}, back pain "
    "has other causes a little more often: have it checked by a clinician if it is new, changes, "
    "or has not got better after 4 to 6 weeks.",
    (_AHCPR,),
)
NOT_YET_CHRONIC = Precaution(
    "pain_not_yet_chronic",
    f"Your pain has lasted {CHRONIC_PAIN_WEEKS:g} weeks or less. The studies of walking "
    f"backward were in back pain lasting longer than {CHRONIC_PAIN_WEEKS:g} weeks; if yours gets "
    "worse or changes, stop and talk to a clinician.",
    ("acp2017",),
)
PAIN_ABOVE_SESSION_LIMIT = Precaution(
    "pain_above_session_limit",
    f"Your pain now is above {PAIN_DURING_MAX_NPRS} out of 10, the most pain should reach "
    "during a session: the program shortens the next session whenever it does, so with pain at "
    "this level your sessions may stay very short. A clinician can help you choose a start.",
    ("silbernagel2007", "pain_zones_goom"),
)


NOT_ASKED_SIGNS: dict[str, str] = {
    "both_legs_symptoms": "pain, numbness or tingling down both legs",
    "thoracic_pain": "pain in the upper back",
    "recent_bacterial_infection": "a recent bacterial infection",
    "inflammatory_disease": "an inflammatory condition of the spine or joints",
}
"""The :data:`LATER_RED_FLAGS` in a few words, for a result that did not ask about them."""

RED_FLAGS_NOT_ASKED = Precaution(
    "red_flags_not_asked",
    "This check did not ask about every warning sign (see 'assumptions'). If you have pain, "
    "numbness or tingling down both legs, pain in the upper back, a recent bacterial infection "
    "or an inflammatory condition of the spine or joints, talk to a clinician before you start.",
    (_AHCPR, _CAUDA, "nice_ng59", _OTHER_FLAGS),
)


def _answer_precautions(answers: ScreeningAnswers) -> tuple[list[Precaution], list[Assumption]]:
    precautions: list[Precaution] = []
    assumptions: list[Assumption] = []
    if answers.age_years > AGE_FRACTURE_FLAG_ABOVE_YEARS:
        precautions.append(OLDER_AGE_FRACTURE)
    if not AGE_SERIOUS_CAUSE_BELOW_YEARS <= answers.age_years <= AGE_SERIOUS_CAUSE_ABOVE_YEARS:
        precautions.append(AGE_SERIOUS_CAUSE)
    if answers.pain_duration_weeks <= CHRONIC_PAIN_WEEKS:
        precautions.append(NOT_YET_CHRONIC)
    if answers.pain_now_nprs > PAIN_DURING_MAX_NPRS:
        precautions.append(PAIN_ABOVE_SESSION_LIMIT)
    if answers.vision_impairment is not False:
        precautions.append(SPOTTER)
        if answers.vision_impairment is None:
            assumptions.append(
                Assumption(
                    "vision_impairment",
                    "Not answered: treated as poor eyesight, so a spotter is advised.",
                )
            )
    if answers.walked_backward_before is not True:
        precautions.append(NEW_TO_BACKWARD)
        if answers.walked_backward_before is None:
            assumptions.append(
                Assumption(
                    "walked_backward_before",
                    "Not answered: treated as new to walking backward (shortest bouts).",
                )
            )
    not_asked = [key for key in LATER_RED_FLAGS if getattr(answers, key) is None]
    if not_asked:
        precautions.append(RED_FLAGS_NOT_ASKED)
        assumptions.extend(
            Assumption(
                key,
                f"Not asked ({NOT_ASKED_SIGNS[key]}): if you have it, talk to a clinician before "
                "you start.",
            )
            for key in not_asked
        )
    if answers.tug_seconds is None:
        precautions.append(COMPANY_FIRST_SESSIONS)
        assumptions.append(
            Assumption(
                "tug_seconds",
                "Not measured: fall risk judged from the three STEADI questions only, and "
                "someone nearby is advised for the first sessions.",
            )
        )
    return precautions, assumptions


def more_serious(first: Decision, second: Decision) -> Decision:
    """The more serious of two decisions (``urgent`` > ``see_clinician`` > ``cleared``)."""
    return max(first, second, key=DECISION_ORDER.index)


def screen(answers: ScreeningAnswers) -> ScreeningResult:
    """Apply every rule in :data:`RULES` and return the decision with its reasons.

    The decision is the most serious level reached; with no rule firing it is ``cleared``.
    Precautions are listed only when cleared (otherwise the person should not start yet).
    Assumptions about missing optional answers are always listed.
    """
    reasons = tuple(
        Reason(rule.id, rule.level, rule.text, rule.sources)
        for rule in RULES
        if rule.applies(answers)
    )
    decision: Decision = "cleared"
    for reason in reasons:
        decision = more_serious(decision, reason.level)
    extra, assumptions = _answer_precautions(answers)
    precautions = (*BASE_PRECAUTIONS, *extra) if decision == "cleared" else ()
    return ScreeningResult(decision, reasons, precautions, tuple(assumptions))
