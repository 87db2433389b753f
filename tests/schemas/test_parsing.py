import pytest
from pydantic import BaseModel, ConfigDict, Field

from retrowalk.errors import InputError
from retrowalk.schemas.parsing import parse_json_text, validate, validate_json


class _Answers(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    pain_now_nprs: int = Field(ge=0, le=10)
    pregnant: bool = False


def test_malformed_json_names_line_and_column() -> None:
    with pytest.raises(InputError) as caught:
        parse_json_text('{\n  "a": 1,\n  oops\n}', source="answers.json")
    assert caught.value.location.line == 3
    assert caught.value.location.column == 3
    assert "answers.json" in str(caught.value)


def test_out_of_range_value_names_the_field() -> None:
    with pytest.raises(InputError) as caught:
        validate(_Answers, {"pain_now_nprs": 11})
    assert caught.value.field == "pain_now_nprs"
    assert "less than or equal to 10" in caught.value.problem


def test_unknown_key_is_reported_as_unknown() -> None:
    with pytest.raises(InputError) as caught:
        validate(_Answers, {"pain_now_nprs": 3, "colour": "red"})
    assert caught.value.field == "colour"
    assert caught.value.problem == "unknown key"


def test_several_problems_are_all_listed() -> None:
    with pytest.raises(InputError) as caught:
        validate(_Answers, {"pain_now_nprs": "high", "pregnant": "no"})
    assert "pain_now_nprs" in caught.value.problem
    assert "pregnant" in caught.value.problem


def test_valid_json_text_becomes_a_model() -> None:
    answers = validate_json(_Answers, '{"pain_now_nprs": 4}')
    assert answers.pain_now_nprs == 4
    assert answers.pregnant is False


def test_json_with_a_byte_order_mark_is_read() -> None:
    assert parse_json_text('\ufeff{"a": 1}') == {"a": 1}


def test_json_nested_deeper_than_any_input_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="nests too deeply"):
        parse_json_text("[" * 100_000, source="deep.json")
