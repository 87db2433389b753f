from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from retrowalk.domain.prescription import prescribe
from retrowalk.domain.progression import decide_progression
from retrowalk.domain.protocols import TEMPLATES
from retrowalk.domain.screening import (
    BASE_PRECAUTIONS,
    COMPANY_FIRST_SESSIONS,
    NEW_TO_BACKWARD,
    RULES,
    SPOTTER,
)
from retrowalk.domain.session_log import SESSION_EVENTS
from retrowalk.domain.thresholds import CITED_THRESHOLDS, RULES_VERSION
from retrowalk.errors import NotFoundError
from retrowalk.evidence import EvidenceBaseError, load_evidence, parse_evidence, status_label
from tests.domain.clinical_samples import entry, profile


def _raw() -> dict[str, Any]:
    text = resources.files("retrowalk.evidence").joinpath("evidence_base.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def test_the_packaged_evidence_base_loads_and_is_cached() -> None:
    evidence = load_evidence()
    assert evidence is load_evidence()
    assert len(evidence.studies) >= 20
    assert evidence.study("ansari2020").doi == "10.1007/s11332-020-00682-y"


def test_the_evidence_version_is_the_rules_version() -> None:
    assert load_evidence().version == RULES_VERSION


def test_every_domain_threshold_agrees_with_the_evidence_file() -> None:
    evidence = load_evidence()
    for threshold_id, value in CITED_THRESHOLDS.items():
        assert evidence.threshold(threshold_id).value == value, threshold_id


def test_every_threshold_in_the_evidence_file_is_used_by_the_domain() -> None:
    assert {t.id for t in load_evidence().thresholds} == set(CITED_THRESHOLDS)


def test_our_own_choices_are_marked_as_choices_not_as_confirmed() -> None:
    evidence = load_evidence()
    for threshold in evidence.thresholds:
        if threshold.source == "retrowalk_rules":
            assert threshold.status == "choice", threshold.id


def test_every_template_agrees_with_its_study_protocol() -> None:
    evidence = load_evidence()
    for template in TEMPLATES.values():
        protocol = evidence.study(template.id).protocol
        assert protocol is not None
        assert protocol.minutes_per_session_low == template.backward_min_low
        assert protocol.minutes_per_session_high == template.backward_min_high
        assert protocol.sessions_per_week == template.sessions_per_week
        assert protocol.weeks == template.weeks
        expected_mode = template.setting or "not_reported"
        assert protocol.mode == expected_mode


def _cited_sources() -> set[str]:
    cited = {source for rule in RULES for source in rule.sources}
    for precaution in (*BASE_PRECAUTIONS, SPOTTER, NEW_TO_BACKWARD, COMPANY_FIRST_SESSIONS):
        cited.update(precaution.sources)
    plan = prescribe(profile(goal_backward_min=30))
    cited.update(plan.sources)
    cited.update(plan.sessions[0].pace.sources)
    for events in [(), *((event,) for event in SESSION_EVENTS)]:
        for peak, rpe, done in ((8, 8, 0), (3, 5, 4), (3, 2, 5)):
            log = [entry(peak=peak, rpe=rpe, done=done, events=events)]
            decision = decide_progression(plan, log)
            cited.update(s for reason in decision.reasons for s in reason.sources)
    return cited


def test_every_source_the_rules_cite_is_in_the_evidence_base() -> None:
    known = {study.id for study in load_evidence().studies}
    assert _cited_sources() <= known


def test_an_unknown_study_id_is_not_found() -> None:
    with pytest.raises(NotFoundError, match="no study or source with id 'nope'"):
        load_evidence().study("nope")


def test_an_unknown_threshold_id_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        load_evidence().threshold("screening.nope")


def test_a_duplicate_study_id_is_rejected() -> None:
    data = _raw()
    data["studies"].append(data["studies"][0])
    with pytest.raises(EvidenceBaseError, match="duplicate study id"):
        parse_evidence(json.dumps(data))


def test_a_threshold_citing_an_unknown_source_is_rejected() -> None:
    data = _raw()
    data["thresholds"][0]["source"] = "nobody2099"
    with pytest.raises(EvidenceBaseError, match="nobody2099"):
        parse_evidence(json.dumps(data))


def test_an_unknown_status_is_rejected_naming_the_field() -> None:
    data = _raw()
    data["studies"][1]["status"] = "probably"
    with pytest.raises(EvidenceBaseError) as caught:
        parse_evidence(json.dumps(data))
    assert caught.value.field == "studies.1.status"


def test_a_protocol_with_low_above_high_minutes_is_rejected() -> None:
    data = _raw()
    protocol = data["studies"][0]["protocol"]
    protocol["minutes_per_session_low"], protocol["minutes_per_session_high"] = 20, 10
    with pytest.raises(EvidenceBaseError, match="above"):
        parse_evidence(json.dumps(data))


def test_malformed_evidence_json_names_line_and_column() -> None:
    with pytest.raises(EvidenceBaseError) as caught:
        parse_evidence('{"version": }')
    assert caught.value.location.line == 1
    assert caught.value.location.column == 13


def test_status_labels_say_which_statuses_are_provisional() -> None:
    assert status_label("C") == "C"
    assert status_label("C-abs") == "C-abs"
    assert status_label("C-2nd") == "C-2nd, provisional"
    assert status_label("NC") == "NC, provisional"
    assert status_label("choice") == "our choice"
