from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrowalk.domain.screening import (
    BASE_PRECAUTIONS,
    DECISION_ORDER,
    LATER_RED_FLAGS,
    OPTIONAL_ANSWERS,
    REQUIRED_ANSWERS,
    RULES,
    ScreeningAnswers,
    screen,
)
from retrowalk.domain.thresholds import RULES_VERSION
from tests.domain.clinical_samples import clear_answers

# For every rule: answers that trigger it (on top of otherwise clear answers) and its level.
TRIGGERS: dict[str, tuple[dict[str, Any], str]] = {
    "urgent.bladder_bowel_change": ({"bladder_bowel_change": True}, "urgent"),
    "urgent.saddle_numbness": ({"saddle_numbness": True}, "urgent"),
    "urgent.progressive_leg_weakness": ({"progressive_leg_weakness": True}, "urgent"),
    "red_flag.recent_major_trauma": ({"recent_major_trauma": True}, "see_clinician"),
    "red_flag.cancer_history": ({"cancer_history": True}, "see_clinician"),
    "red_flag.unexplained_weight_loss": ({"unexplained_weight_loss": True}, "see_clinician"),
    "red_flag.fever_or_unwell": ({"fever_or_unwell": True}, "see_clinician"),
    "red_flag.night_pain_unrelieved": ({"night_pain_unrelieved": True}, "see_clinician"),
    "red_flag.both_legs_symptoms": ({"both_legs_symptoms": True}, "see_clinician"),
    "red_flag.thoracic_pain": ({"thoracic_pain": True}, "see_clinician"),
    "red_flag.recent_bacterial_infection": ({"recent_bacterial_infection": True}, "see_clinician"),
    "red_flag.inflammatory_disease": ({"inflammatory_disease": True}, "see_clinician"),
    "red_flag.iv_drug_use_or_immunosuppressed": (
        {"iv_drug_use_or_immunosuppressed": True},
        "see_clinician",
    ),
    "red_flag.long_term_corticosteroids": ({"long_term_corticosteroids": True}, "see_clinician"),
    "pain.acute": ({"pain_duration_weeks": 3.5}, "see_clinician"),
    "pain.severe": ({"pain_now_nprs": 7}, "see_clinician"),
    "balance.balance_or_vestibular_disorder": (
        {"balance_or_vestibular_disorder": True},
        "see_clinician",
    ),
    "balance.neurological_condition": ({"neurological_condition": True}, "see_clinician"),
    "falls.fell_past_year": ({"fell_past_year": True}, "see_clinician"),
    "falls.unsteady_when_walking": ({"unsteady_when_walking": True}, "see_clinician"),
    "falls.worried_about_falling": ({"worried_about_falling": True}, "see_clinician"),
    "falls.slow_timed_up_and_go": ({"tug_seconds": 12.0}, "see_clinician"),
    "bone.osteoporosis_or_fracture_risk": (
        {"osteoporosis_or_fracture_risk": True},
        "see_clinician",
    ),
    "heart.chest_pain_or_heart_condition": (
        {"chest_pain_or_heart_condition": True},
        "see_clinician",
    ),
    "heart.dizziness_or_fainting": ({"dizziness_or_fainting": True}, "see_clinician"),
    "heart.told_not_to_exercise": ({"told_not_to_exercise": True}, "see_clinician"),
    "pregnancy": ({"pregnant": True}, "see_clinician"),
}

BOOLEAN_FLAGS = [
    name
    for name in REQUIRED_ANSWERS
    if name not in ("age_years", "pain_now_nprs", "pain_duration_weeks")
]


def test_every_rule_has_a_trigger_case_here() -> None:
    assert set(TRIGGERS) == {rule.id for rule in RULES}


@pytest.mark.parametrize("rule_id", sorted(TRIGGERS))
def test_each_rule_fires_alone_with_its_level_and_a_cited_plain_reason(rule_id: str) -> None:
    overrides, level = TRIGGERS[rule_id]
    result = screen(clear_answers(**overrides))
    assert result.decision == level
    assert [reason.rule for reason in result.reasons] == [rule_id]
    reason = result.reasons[0]
    assert reason.level == level
    assert reason.sources
    assert len(reason.text) > 20


def test_answers_with_no_flag_are_cleared_with_every_base_precaution() -> None:
    result = screen(clear_answers())
    assert result.decision == "cleared"
    assert result.reasons == ()
    assert result.precautions == BASE_PRECAUTIONS
    assert result.assumptions == ()
    ids = {precaution.id for precaution in result.precautions}
    assert {"setting", "warm_up", "posture", "look_back", "shoes", "when_to_stop"} <= ids


def test_the_stop_rule_names_balance_dizziness_and_pain_above_five() -> None:
    stop = next(p for p in screen(clear_answers()).precautions if p.id == "when_to_stop")
    assert "balance" in stop.text
    assert "dizzy" in stop.text
    assert "above 5 out of 10" in stop.text


def test_an_urgent_flag_outranks_see_clinician_flags() -> None:
    result = screen(clear_answers(saddle_numbness=True, cancer_history=True, pregnant=True))
    assert result.decision == "urgent"
    assert {r.rule for r in result.reasons} == {
        "urgent.saddle_numbness",
        "red_flag.cancer_history",
        "pregnancy",
    }


def test_a_result_that_is_not_cleared_lists_no_precautions() -> None:
    assert screen(clear_answers(fever_or_unwell=True)).precautions == ()


def test_pain_of_exactly_four_weeks_is_not_acute() -> None:
    assert screen(clear_answers(pain_duration_weeks=4)).decision == "cleared"


def test_pain_of_six_out_of_ten_is_not_severe() -> None:
    assert screen(clear_answers(pain_now_nprs=6)).decision == "cleared"


def test_a_timed_up_and_go_just_under_twelve_seconds_is_not_fall_risk() -> None:
    assert screen(clear_answers(tug_seconds=11.9)).decision == "cleared"


def test_poor_vision_adds_a_spotter_precaution() -> None:
    result = screen(clear_answers(vision_impairment=True))
    assert result.decision == "cleared"
    assert "spotter" in {p.id for p in result.precautions}


def test_good_vision_adds_no_spotter() -> None:
    assert "spotter" not in {p.id for p in screen(clear_answers()).precautions}


def test_red_flags_not_asked_are_named_and_never_read_as_no() -> None:
    result = screen(clear_answers(**dict.fromkeys(LATER_RED_FLAGS)))
    assert result.decision == "cleared"  # a screening made before 1.3.0 stays cleared ...
    assert {a.answer for a in result.assumptions} >= set(LATER_RED_FLAGS)
    assert "red_flags_not_asked" in {p.id for p in result.precautions}  # ... but says so
    answered = screen(clear_answers())
    assert "red_flags_not_asked" not in {p.id for p in answered.precautions}


def test_missing_optional_answers_are_treated_conservatively_and_said_so() -> None:
    result = screen(
        clear_answers(
            tug_seconds=None,
            vision_impairment=None,
            walked_backward_before=None,
            **dict.fromkeys(LATER_RED_FLAGS),
        )
    )
    assert result.decision == "cleared"
    assert {a.answer for a in result.assumptions} == set(OPTIONAL_ANSWERS)
    ids = {p.id for p in result.precautions}
    assert {"spotter", "new_to_backward_walking", "company_first_sessions"} <= ids


def test_the_result_json_has_decision_reasons_precautions_and_version() -> None:
    data = screen(clear_answers(pain_now_nprs=8)).to_json()
    assert data["decision"] == "see_clinician"
    assert data["reasons"][0]["rule"] == "pain.severe"
    assert data["reasons"][0]["sources"] == ["retrowalk_rules"]
    assert data["precautions"] == []
    assert data["rules_version"] == RULES_VERSION
    assert "does not diagnose" in data["notice"]


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=120), st.sampled_from([*sorted(TRIGGERS), None]))
def test_age_alone_never_changes_the_decision(age: int, rule_id: str | None) -> None:
    overrides = TRIGGERS[rule_id][0] if rule_id else {}
    baseline = screen(clear_answers(**overrides))
    aged = screen(clear_answers(**overrides, age_years=age))
    assert (aged.decision, aged.reasons) == (baseline.decision, baseline.reasons)


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (19, {"age_other_causes"}),
        (20, set()),
        (50, set()),
        (51, {"age_other_causes"}),
        (70, {"age_other_causes"}),
        (71, {"age_other_causes", "older_age_fracture"}),
    ],
)
def test_ahcpr_age_bands_add_precautions_to_a_cleared_result(age: int, expected: set[str]) -> None:
    result = screen(clear_answers(age_years=age))
    assert result.decision == "cleared"
    ids = {p.id for p in result.precautions} & {"age_other_causes", "older_age_fracture"}
    assert ids == expected
    assert all("ahcpr1994" in p.sources for p in result.precautions if p.id in expected)


@pytest.mark.parametrize(("weeks", "added"), [(4.0, True), (12.0, True), (12.5, False)])
def test_pain_not_yet_chronic_adds_a_precaution(weeks: float, added: bool) -> None:
    result = screen(clear_answers(pain_duration_weeks=weeks))
    assert result.decision == "cleared"
    assert ("pain_not_yet_chronic" in {p.id for p in result.precautions}) is added


@pytest.mark.parametrize(("pain", "added"), [(5, False), (6, True)])
def test_pain_above_the_session_limit_adds_a_precaution(pain: int, added: bool) -> None:
    result = screen(clear_answers(pain_now_nprs=pain))
    assert result.decision == "cleared"
    assert ("pain_above_session_limit" in {p.id for p in result.precautions}) is added


@st.composite
def any_answers(draw: st.DrawFn) -> ScreeningAnswers:
    flags = {name: draw(st.booleans()) for name in BOOLEAN_FLAGS}
    return ScreeningAnswers(
        age_years=draw(st.integers(0, 120)),
        pain_now_nprs=draw(st.integers(0, 10)),
        pain_duration_weeks=draw(st.floats(0, 5200, allow_nan=False)),
        tug_seconds=draw(st.none() | st.floats(0.1, 300, allow_nan=False)),
        vision_impairment=draw(st.none() | st.booleans()),
        walked_backward_before=draw(st.none() | st.booleans()),
        **flags,
    )


@settings(deadline=None)
@given(any_answers(), st.sampled_from(BOOLEAN_FLAGS))
def test_adding_a_red_flag_never_relaxes_the_decision(answers: ScreeningAnswers, flag: str) -> None:
    before = screen(answers)
    after = screen(dataclasses.replace(answers, **{flag: True}))
    assert DECISION_ORDER.index(after.decision) >= DECISION_ORDER.index(before.decision)
    assert {r.rule for r in before.reasons} <= {r.rule for r in after.reasons}
    assert after.decision != "cleared"
    most_serious = max((r.level for r in after.reasons), key=DECISION_ORDER.index)
    assert after.decision == most_serious


@settings(deadline=None)
@given(any_answers())
def test_worse_pain_or_a_slower_tug_never_relaxes_the_decision(answers: ScreeningAnswers) -> None:
    before = DECISION_ORDER.index(screen(answers).decision)
    worse = dataclasses.replace(
        answers,
        pain_now_nprs=min(10, answers.pain_now_nprs + 3),
        pain_duration_weeks=answers.pain_duration_weeks / 2,
        tug_seconds=None if answers.tug_seconds is None else answers.tug_seconds + 5,
    )
    assert DECISION_ORDER.index(screen(worse).decision) >= before


@settings(deadline=None)
@given(any_answers())
def test_cleared_always_lists_the_base_precautions_and_nothing_else_does(
    answers: ScreeningAnswers,
) -> None:
    result = screen(answers)
    if result.decision == "cleared":
        assert result.precautions[: len(BASE_PRECAUTIONS)] == BASE_PRECAUTIONS
        assert result.reasons == ()
    else:
        assert result.precautions == ()
        assert result.reasons
