import json

import pytest

from retrowalk.domain.instruments import INSTRUMENT_IDS, get_instrument, list_instruments, score
from retrowalk.errors import InputError

ISSUE_IDS = [
    "nprs",
    "odi",
    "rmdq",
    "start_back",
    "psfs",
    "stay_independent",
    "tug",
    "backward_walk_3m",
    "sit_and_reach",
    "modified_schober",
    "single_leg_stance",
    "borg_cr10",
    "rpe_6_20",
]


def test_the_registry_holds_exactly_the_issue_instruments_in_order() -> None:
    assert [instrument.id for instrument in list_instruments()] == ISSUE_IDS
    assert list(INSTRUMENT_IDS) == ISSUE_IDS


def test_an_unknown_id_lists_the_valid_ids() -> None:
    with pytest.raises(InputError, match=r"unknown instrument 'oswestry'.*nprs, odi") as caught:
        get_instrument("oswestry")
    assert caught.value.field == "instrument"


@pytest.mark.parametrize("instrument_id", ISSUE_IDS)
def test_every_instrument_has_sources_a_licence_note_and_a_valid_range(
    instrument_id: str,
) -> None:
    instrument = get_instrument(instrument_id)
    assert instrument.sources
    assert instrument.licence.note
    low, high = instrument.score_range
    assert low < high
    assert instrument.item_count == len(instrument.items)
    assert [item.number for item in instrument.items] == list(range(1, instrument.item_count + 1))


@pytest.mark.parametrize("instrument_id", ISSUE_IDS)
def test_every_instrument_description_is_json_serialisable(instrument_id: str) -> None:
    data = get_instrument(instrument_id).to_json()
    assert json.loads(json.dumps(data))["id"] == instrument_id


def test_provisional_thresholds_say_so() -> None:
    psfs = get_instrument("psfs").meaningful_change
    assert psfs is not None
    assert psfs.source.provisional
    nprs = get_instrument("nprs").meaningful_change
    assert nprs is not None
    assert not nprs.source.provisional


def test_a_string_item_value_is_refused_by_the_domain_too() -> None:
    with pytest.raises(InputError, match="is not a number") as caught:
        score("nprs", ["3"])  # type: ignore[list-item]
    assert caught.value.field == "items.0"


def test_a_boolean_item_value_is_refused() -> None:
    with pytest.raises(InputError, match="is not a number"):
        score("nprs", [True])


def test_not_a_number_is_refused() -> None:
    with pytest.raises(InputError, match="nan is not allowed"):
        score("borg_cr10", [float("nan")])


def test_a_value_just_past_a_limit_is_shown_as_given_not_rounded_onto_it() -> None:
    with pytest.raises(InputError, match=r"300\.0001 is not allowed"):
        score("tug", [300.0001])
