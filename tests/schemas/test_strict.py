"""The shared strict-schema pieces: object required, finite numbers, real ISO dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from retrowalk.errors import InputError
from retrowalk.schemas.clinical import ProfileIn, ScreeningAnswersIn, SessionLogIn
from retrowalk.schemas.outcomes import ItemAnswers
from retrowalk.schemas.parsing import validate, validate_json
from retrowalk.schemas.strict import IsoDate, StrictModel, json_kind


class _Dated(StrictModel):
    day: IsoDate


@pytest.mark.parametrize(
    ("value", "kind"),
    [([1], "a list"), (7, "a number"), ("x", "a string"), (None, "null"), (True, "true")],
)
def test_a_file_that_is_not_an_object_says_so_without_class_names(value: Any, kind: str) -> None:
    for model in (ScreeningAnswersIn, ProfileIn, ItemAnswers):
        with pytest.raises(InputError) as caught:
            validate(model, value, source="a.json")
        assert caught.value.problem == f"expected a JSON object, got {kind}"
        assert model.__name__ not in str(caught.value)


def test_a_log_entry_that_is_not_an_object_names_its_index() -> None:
    with pytest.raises(InputError) as caught:
        validate(SessionLogIn, [[1, 2]], source="log.json")
    assert caught.value.field == "0"
    assert caught.value.problem == "expected a JSON object, got a list"


@pytest.mark.parametrize("text", ["2026-02-30", "2026-1-5", "yesterday", ""])
def test_a_date_that_does_not_exist_is_refused_with_its_text(text: str) -> None:
    with pytest.raises(InputError) as caught:
        validate(_Dated, {"day": text})
    assert caught.value.field == "day"
    assert f"'{text}'" in caught.value.problem
    assert "Value error" not in caught.value.problem


def test_a_date_must_be_a_string() -> None:
    with pytest.raises(InputError) as caught:
        validate(_Dated, {"day": 20260102})
    assert caught.value.problem == "expected a date as a string YYYY-MM-DD, got a number"


def test_a_real_date_is_read() -> None:
    assert validate(_Dated, {"day": "2028-02-29"}).day == dt.date(2028, 2, 29)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_json_nan_and_infinity_are_refused_as_numbers(literal: str) -> None:
    with pytest.raises(InputError) as caught:
        validate_json(ItemAnswers, f'{{"items": [{literal}]}}', source="a.json")
    assert caught.value.field == "items.0"
    assert "finite number" in caught.value.problem


def test_json_kind_names_json_types() -> None:
    values: tuple[Any, ...] = ({}, [], 1.5, False)
    assert [json_kind(v) for v in values] == ["an object", "a list", "a number", "false"]
