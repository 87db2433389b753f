"""Property tests over every instrument: scores stay in range; a worse answer never helps."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrowalk.domain.instruments import (
    Instrument,
    ItemSpec,
    get_instrument,
    list_instruments,
    score,
)

ALL_IDS = [instrument.id for instrument in list_instruments()]
DISABILITY_IDS = ["nprs", "odi", "rmdq", "start_back", "stay_independent"]


def _value(spec: ItemSpec) -> st.SearchStrategy[float]:
    if spec.integer:
        return st.integers(int(spec.minimum), int(spec.maximum)).map(float)
    return st.floats(
        spec.minimum,
        spec.maximum,
        exclude_min=spec.minimum_exclusive,
        allow_nan=False,
        allow_infinity=False,
    )


@st.composite
def responses(draw: st.DrawFn, instrument: Instrument) -> list[float | None]:
    count = draw(st.integers(instrument.fewest_items, instrument.item_count))
    values: list[float | None] = [draw(_value(spec)) for spec in instrument.items[:count]]
    most_missing = min(instrument.max_missing, count - 1)
    for index in draw(st.sets(st.integers(0, count - 1), max_size=most_missing)):
        values[index] = None
    return values


@st.composite
def better_and_worse(draw: st.DrawFn, spec: ItemSpec) -> tuple[float, float]:
    """Two allowed values of one item, the first strictly lower than the second."""
    if spec.integer:
        low = draw(st.integers(int(spec.minimum), int(spec.maximum) - 1))
        return float(low), float(draw(st.integers(low + 1, int(spec.maximum))))
    low_value = draw(_value(spec).filter(lambda value: value < spec.maximum))
    return low_value, draw(st.floats(low_value, spec.maximum, exclude_min=True))


@pytest.mark.parametrize("instrument_id", ALL_IDS)
@given(data=st.data())
def test_every_score_stays_in_its_range(instrument_id: str, data: st.DataObject) -> None:
    instrument = get_instrument(instrument_id)
    result = score(instrument_id, data.draw(responses(instrument)))
    low, high = instrument.score_range
    assert low <= result.score <= high
    if result.subscore is not None:
        assert 0 <= result.subscore <= result.score


@pytest.mark.parametrize("instrument_id", DISABILITY_IDS)
@given(data=st.data())
def test_answering_one_item_worse_never_lowers_a_disability_score(
    instrument_id: str, data: st.DataObject
) -> None:
    instrument = get_instrument(instrument_id)
    values = data.draw(responses(instrument))
    answered = [index for index, value in enumerate(values) if value is not None]
    index = data.draw(st.sampled_from(answered))
    better, worse = data.draw(better_and_worse(instrument.items[index]))
    assert not instrument.higher_is_better
    values[index] = better
    before = score(instrument_id, values)
    values[index] = worse
    after = score(instrument_id, values)
    assert after.score >= before.score
    if before.subscore is not None and after.subscore is not None:
        assert after.subscore >= before.subscore


@pytest.mark.parametrize("instrument_id", DISABILITY_IDS)
def test_the_worst_answer_to_every_item_gives_the_top_of_the_range(instrument_id: str) -> None:
    instrument = get_instrument(instrument_id)
    worst = [spec.maximum for spec in instrument.items]
    assert score(instrument_id, worst).score == instrument.score_range[1]


@given(st.lists(st.integers(0, 5), min_size=10, max_size=10), st.integers(0, 9))
def test_odi_with_one_missing_section_equals_the_mean_of_the_rest(
    sections: list[int], missing: int
) -> None:
    values: list[float | None] = [float(value) for value in sections]
    values[missing] = None
    answered = [value for value in values if value is not None]
    assert score("odi", values).score == pytest.approx(sum(answered) / (5 * 9) * 100)


@given(st.lists(st.integers(0, 1), min_size=8, max_size=8), st.integers(0, 4))
def test_start_back_risk_group_follows_the_keele_rule(agree: list[int], option: int) -> None:
    result = score("start_back", [*agree, option])
    subscore = sum(agree[4:]) + (option >= 3)
    total = sum(agree) + (option >= 3)
    expected = "high" if subscore >= 4 else ("low" if total <= 3 else "medium")
    assert (result.score, result.subscore, result.risk_group) == (total, subscore, expected)
