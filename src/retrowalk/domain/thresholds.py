"""Every numeric threshold the clinical rules use, each with its evidence-base id and source.

The domain keeps these as plain constants so it stays pure (no file reading). The same values are
in the evidence base (``retrowalk/evidence/evidence_base.json``, ``thresholds``) with their source
and how confirmed; ``tests/evidence/test_thresholds_agree.py`` checks that both agree, so a change
to one without the other fails the build. Status legend (evidence.md): [C] confirmed, [C-abs]
abstract only, [C-2nd] secondary source only (provisional), [D] derived by us, ``choice`` our own
product choice with no published source (evidence.md §6: no validated weekly progression rate
for backward walking exists, [NC]).
"""

from __future__ import annotations

from typing import Final

RULES_VERSION: Final = "1.3.0"
"""Version of the screening/prescription/progression rules; equals the evidence base version."""

# --- screening ----------------------------------------------------------------------------
ACUTE_PAIN_WEEKS: Final = 4.0
"""Acute LBP is under 4 weeks (ACP 2017, Qaseem et al.) [C-abs]."""
SEVERE_PAIN_NPRS: Final = 7
"""NPRS >= 7 counts as severe pain: a product rule (issue 2), no source in evidence.md [choice]."""
TUG_FALL_RISK_S: Final = 12.0
"""Timed Up and Go >= 12 s = at risk of falling (CDC STEADI TUG form) [C-2nd]."""
CHRONIC_PAIN_WEEKS: Final = 12.0
"""Chronic LBP lasts more than 12 weeks, subacute 4-12 (ACP 2017, Qaseem et al.) [C-abs]; the
retro-walking trials were in chronic LBP. Shorter pain (not acute) adds a precaution."""
AGE_FRACTURE_FLAG_ABOVE_YEARS: Final = 70
"""Age over 70 is one of AHCPR 1994 Table 1's fracture flags [C]. Age alone never changes the
decision (issue 2), so it adds a precaution."""
AGE_SERIOUS_CAUSE_ABOVE_YEARS: Final = 50
"""Age over 50 (or under 20) is one of AHCPR 1994 Table 1's tumour/infection flags [C]; alone it
adds a precaution (age > 50 with weight loss: LR about 2.7, evidence.md §5.1 [C-2nd])."""
AGE_SERIOUS_CAUSE_BELOW_YEARS: Final = 20
"""Lower age band of the AHCPR 1994 tumour/infection flags [C]."""

# --- prescription -------------------------------------------------------------------------
WEEK1_MAX_BACKWARD_MIN: Final = 5
"""At most 5 backward minutes per session in week 1: practitioner advice to begin with about
5 minutes (herultimatelife.com; clinicians 5-10 min) [C-2nd]."""
MAX_BACKWARD_MIN: Final = 30
"""Never more than 30 backward minutes per session: practitioner 15-30 min/day limit
(tcmmaintenance.com) [C-2nd]; Chitkara JMRH 2725 progressed to 30 min [C-abs]."""
GOAL_MIN_BACKWARD_MIN: Final = 15
"""Lowest goal dose: 15 min/session as in Ansari S 2020 and Ahmad 2023 [C-abs]."""
GOAL_MAX_BACKWARD_MIN: Final = 30
"""Highest goal dose: 30 min/session (Chitkara JMRH 2725) [C-abs]."""
EXPERIENCED_START_MIN: Final = 5
"""Week-1 dose for someone who has walked backward before: "begin with >= 5 min" [C-2nd]."""
NOVICE_START_MIN: Final = 3
"""Week-1 dose for a newcomer (or unknown experience): our choice, below the 5-min start."""
WEEKLY_STEP_MAX_MIN: Final = 5
"""Planned dose rises by at most 5 min per week: our choice [choice]; close to Chitkara's
10 -> 30 min over 6 weeks (about 4 min/week [D])."""
WARMUP_FORWARD_MIN: Final = 5
"""Forward warm-up: 5 min (Hadfield 2017 [C-2nd]; Whitley 2011 used 3-5 min [C-abs])."""
COOLDOWN_FORWARD_MIN: Final = 3
"""Forward cool-down: 3 min of easy forward walking: our choice [choice]."""
EARLY_BLOCK_MIN: Final = 1
"""Early sessions: 1-minute backward segments inside a forward walk (Dufek, 2025 news) [C-2nd]."""
INTERLEAVED_WEEKS: Final = 2
"""Weeks with 1-minute interleaved blocks: our choice [choice]."""
MIDDLE_BLOCK_MIN: Final = 5
"""Later backward blocks of up to 5 min between forward breaks: our choice [choice]."""
CONTINUOUS_FROM_WEEK: Final = 5
"""From week 5 the backward minutes are one continuous bout: our choice [choice]."""
FORWARD_BETWEEN_BLOCKS_MIN: Final = 1
"""Forward walking between backward blocks: 1 min, our choice [choice]."""
TREADMILL_FRACTION_OF_FORWARD_MAX: Final = 0.5
"""Treadmill backward speed at most about half the forward pace (diethealthliving.com) [C-2nd]."""
TREADMILL_FRACTION_OF_FORWARD_MIN: Final = 0.35
"""Lower end of the treadmill range as a fraction of forward pace: our choice [choice]."""
TREADMILL_START_KMH_MIN: Final = 1.6
"""Treadmill start 1-2 mph (bloomsies.com) [C-2nd]; 1 mph = 1.6 km/h [D]."""
TREADMILL_START_KMH_MAX: Final = 3.2
"""Upper end of the 1-2 mph start range; 2 mph = 3.2 km/h [D]."""

# --- progression (pain-monitoring model, evidence.md §6) ----------------------------------
PAIN_DURING_MAX_NPRS: Final = 5
"""Pain during activity may reach but not exceed 5/10 (Silbernagel 2007, via
evidenceforexercise.com) [C-2nd]; also the screening's stop rule."""
STOP_PAIN_ABOVE_NPRS: Final = PAIN_DURING_MAX_NPRS
RPE_HOLD_FROM: Final = 5
"""Borg CR10 5 = "strong/heavy" [C-2nd]: from here the dose is held, not raised [choice]."""
RPE_REDUCE_FROM: Final = 7
"""Borg CR10 7 = "very strong" [C-2nd]: from here the dose is reduced [choice]."""
COMPLETION_REDUCE_BELOW: Final = 0.5
"""Done less than half the planned backward minutes -> reduce [choice]."""
REDUCE_FACTOR: Final = 0.75
"""A reduction sets the next dose to 75 % of the last planned one, rounded down [choice]."""
MIN_BACKWARD_MIN: Final = 1
"""No session is planned with less than 1 backward minute [choice]."""
DIZZINESS_PAUSE_COUNT: Final = 2
"""Dizziness logged in 2 sessions pauses the program [choice]; once -> reduce."""
USUAL_PAIN_RISE_HOLD_NPRS: Final = 2
"""Usual (pre-session) pain 2 points or more above its lowest in the 28 days before -> hold the
dose [choice]; the overview's "pain rising" flag (:mod:`retrowalk.domain.pain_trend`). 2 points
is the NPRS MDC/MCID in LBP (Childs 2005 [C-abs]; Ostelo 2008 [C-abs]); a week-to-week pain rule
for exercise is not confirmed (evidence.md §6 [NC])."""
USUAL_PAIN_WINDOW_DAYS: Final = 28
"""Days before a session whose usual pain counts as the recent low [choice]: about the length of
the studied programs (3-4 weeks, evidence.md §1)."""

CITED_THRESHOLDS: Final[dict[str, float]] = {
    "screening.acute_pain_weeks": ACUTE_PAIN_WEEKS,
    "screening.severe_pain_nprs": SEVERE_PAIN_NPRS,
    "screening.tug_fall_risk_s": TUG_FALL_RISK_S,
    "screening.chronic_pain_weeks": CHRONIC_PAIN_WEEKS,
    "screening.age_fracture_flag_above_years": AGE_FRACTURE_FLAG_ABOVE_YEARS,
    "screening.age_serious_cause_above_years": AGE_SERIOUS_CAUSE_ABOVE_YEARS,
    "screening.age_serious_cause_below_years": AGE_SERIOUS_CAUSE_BELOW_YEARS,
    "prescription.week1_max_backward_min": WEEK1_MAX_BACKWARD_MIN,
    "prescription.max_backward_min": MAX_BACKWARD_MIN,
    "prescription.goal_min_backward_min": GOAL_MIN_BACKWARD_MIN,
    "prescription.goal_max_backward_min": GOAL_MAX_BACKWARD_MIN,
    "prescription.experienced_start_min": EXPERIENCED_START_MIN,
    "prescription.novice_start_min": NOVICE_START_MIN,
    "prescription.weekly_step_max_min": WEEKLY_STEP_MAX_MIN,
    "prescription.warmup_forward_min": WARMUP_FORWARD_MIN,
    "prescription.cooldown_forward_min": COOLDOWN_FORWARD_MIN,
    "prescription.early_block_min": EARLY_BLOCK_MIN,
    "prescription.interleaved_weeks": INTERLEAVED_WEEKS,
    "prescription.middle_block_min": MIDDLE_BLOCK_MIN,
    "prescription.continuous_from_week": CONTINUOUS_FROM_WEEK,
    "prescription.forward_between_blocks_min": FORWARD_BETWEEN_BLOCKS_MIN,
    "prescription.treadmill_fraction_of_forward_max": TREADMILL_FRACTION_OF_FORWARD_MAX,
    "prescription.treadmill_fraction_of_forward_min": TREADMILL_FRACTION_OF_FORWARD_MIN,
    "prescription.treadmill_start_kmh_min": TREADMILL_START_KMH_MIN,
    "prescription.treadmill_start_kmh_max": TREADMILL_START_KMH_MAX,
    "progression.pain_during_max_nprs": PAIN_DURING_MAX_NPRS,
    "progression.rpe_hold_from": RPE_HOLD_FROM,
    "progression.rpe_reduce_from": RPE_REDUCE_FROM,
    "progression.completion_reduce_below": COMPLETION_REDUCE_BELOW,
    "progression.reduce_factor": REDUCE_FACTOR,
    "progression.min_backward_min": MIN_BACKWARD_MIN,
    "progression.dizziness_pause_count": DIZZINESS_PAUSE_COUNT,
    "progression.usual_pain_rise_hold_nprs": USUAL_PAIN_RISE_HOLD_NPRS,
    "progression.usual_pain_window_days": USUAL_PAIN_WINDOW_DAYS,
}
"""Evidence-base threshold id -> the constant above (checked against the evidence file)."""
