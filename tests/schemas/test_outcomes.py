import json

import pytest

from retrowalk.errors import InputError
from retrowalk.schemas.outcomes import (
    CompareRequest,
    EnergyRequest,
    ItemAnswers,
    ResponderRequest,
    ScoreRequest,
    read_answers,
    read_odi_text,
)
from retrowalk.schemas.parsing import validate


def _odi_text(**overrides: object) -> str:
    data: dict[str, object] = {
        "version": "2.1a",
        "licence": "Example Clinic, licence 42",
        "sections": [
            {"title": f"Section {s}", "statements": [f"S{s}.{n}" for n in range(6)]}
            for s in range(10)
        ],
    }
    data.update(overrides)
    return json.dumps(data)


def test_answers_take_numbers_and_nulls() -> None:
    answers = read_answers('{"items": [1, 2.5, null]}')
    assert answers.items == [1.0, 2.5, None]


def test_a_string_item_is_refused_with_its_index() -> None:
    with pytest.raises(InputError) as caught:
        read_answers('{"items": [1, "2"]}', source="a.json")
    assert caught.value.field == "items.1"
    assert "a.json" in str(caught.value)


def test_a_boolean_item_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        read_answers('{"items": [true]}')
    assert caught.value.field == "items.0"


def test_nan_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        read_answers('{"items": [NaN]}')
    assert caught.value.field == "items.0"


def test_an_unknown_key_is_refused() -> None:
    with pytest.raises(InputError, match="unknown key") as caught:
        read_answers('{"items": [1], "answers": [2]}')
    assert caught.value.field == "answers"


def test_missing_items_are_refused() -> None:
    with pytest.raises(InputError, match="Field required") as caught:
        read_answers("{}")
    assert caught.value.field == "items"


def test_malformed_json_gives_line_and_column() -> None:
    with pytest.raises(InputError, match="not valid JSON") as caught:
        read_answers('{"items": [1,\n 2,, 3]}', source="answers.json")
    assert caught.value.location.line == 2
    assert caught.value.location.column == 4


def test_scoring_through_the_model_adds_the_source_to_domain_errors() -> None:
    answers = read_answers('{"items": [11]}')
    with pytest.raises(InputError, match=r"^b\.json, field 'items\.0': item 1"):
        answers.score("nprs", source="b.json")


def test_scoring_through_the_model_returns_the_score() -> None:
    assert read_answers('{"items": [7]}').score("nprs").score == 7


def test_score_request_needs_a_known_instrument() -> None:
    with pytest.raises(InputError) as caught:
        validate(ScoreRequest, {"instrument": "oswestry", "items": [1]})
    assert caught.value.field == "instrument"


def test_compare_request_has_baseline_and_follow_up() -> None:
    request = validate(
        CompareRequest,
        {"instrument": "nprs", "baseline": {"items": [6]}, "follow_up": {"items": [3]}},
    )
    assert request.follow_up.items == [3.0]
    with pytest.raises(InputError) as caught:
        validate(CompareRequest, {"instrument": "nprs", "follow_up": {"items": [3]}})
    assert caught.value.field == "baseline"


def test_responder_request_takes_pairs() -> None:
    request = validate(
        ResponderRequest,
        {"instrument": "odi", "pairs": [{"baseline": {"items": [1]}, "follow_up": {"items": [0]}}]},
    )
    assert len(request.pairs) == 1


def test_energy_request_defaults_to_level_and_both_directions() -> None:
    request = validate(EnergyRequest, {"speed_kmh": 3, "minutes": 20, "weight_kg": 70})
    assert (request.grade_percent, request.direction) == (0.0, "both")
    with pytest.raises(InputError) as caught:
        validate(EnergyRequest, {"speed_kmh": "fast", "minutes": 20, "weight_kg": 70})
    assert caught.value.field == "speed_kmh"


def test_item_answers_limit_the_list_length() -> None:
    with pytest.raises(InputError):
        validate(ItemAnswers, {"items": [0] * 101})


def test_a_licensed_odi_text_file_is_read() -> None:
    text = read_odi_text(_odi_text())
    assert text.statement(1, 5) == "S0.5"


def test_an_odi_text_file_with_a_short_section_names_it() -> None:
    bad = json.loads(_odi_text())
    bad["sections"][3]["statements"] = ["only one"]
    with pytest.raises(InputError, match="section 4") as caught:
        read_odi_text(json.dumps(bad), source="odi.json")
    assert caught.value.field == "sections.3.statements"
    assert "odi.json" in str(caught.value)


def test_an_odi_text_file_without_a_licence_is_refused() -> None:
    bad = json.loads(_odi_text())
    del bad["licence"]
    with pytest.raises(InputError) as caught:
        read_odi_text(json.dumps(bad))
    assert caught.value.field == "licence"
