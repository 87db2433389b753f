import pytest

from retrowalk.domain.instruments import get_instrument, score
from retrowalk.domain.instruments.start_back import risk_group
from retrowalk.errors import InputError


def _response(first_four: int, distress_agree: int, bothersome_option: int) -> list[int]:
    """first_four: agreed items among 1-4; distress_agree: agreed among 5-8."""
    items = [1] * first_four + [0] * (4 - first_four)
    items += [1] * distress_agree + [0] * (4 - distress_agree)
    return [*items, bothersome_option]


@pytest.mark.parametrize(
    ("first_four", "distress", "option", "total", "subscore", "group"),
    [
        (0, 0, 0, 0, 0, "low"),
        (3, 0, 0, 3, 0, "low"),  # total 3: low
        (0, 3, 0, 3, 3, "low"),  # total 3 with subscore 3: low
        (4, 0, 0, 4, 0, "medium"),  # total 4: medium
        (1, 3, 0, 4, 3, "medium"),  # total 4, subscore 3: medium
        (4, 3, 4, 8, 4, "high"),  # subscore 4: high
        (0, 4, 0, 4, 4, "high"),  # total 4, subscore 4: high
        (0, 3, 3, 4, 4, "high"),  # item 9 'very much' lifts the subscore to 4
        (4, 4, 4, 9, 5, "high"),
    ],
)
def test_risk_groups_at_every_boundary(
    first_four: int, distress: int, option: int, total: int, subscore: int, group: str
) -> None:
    result = score("start_back", _response(first_four, distress, option))
    assert (result.score, result.subscore, result.risk_group) == (total, subscore, group)


@pytest.mark.parametrize(("option", "points"), [(0, 0), (1, 0), (2, 0), (3, 1), (4, 1)])
def test_bothersomeness_scores_only_very_much_or_extremely(option: int, points: int) -> None:
    result = score("start_back", _response(0, 0, option))
    assert result.score == points


def test_the_risk_rule_itself_puts_subscore_before_total() -> None:
    assert risk_group(9, 4) == "high"
    assert risk_group(3, 3) == "low"
    assert risk_group(4, 3) == "medium"


def test_bothersomeness_option_5_is_refused() -> None:
    with pytest.raises(InputError, match=r"item 9 \(Overall bothersomeness\): 5 is not allowed"):
        score("start_back", _response(0, 0, 5))


def test_an_agree_item_must_be_0_or_1() -> None:
    with pytest.raises(InputError, match=r"item 2 .*expected 0 or 1"):
        score("start_back", [0, 2, 0, 0, 0, 0, 0, 0, 0])


def test_every_item_must_be_answered() -> None:
    with pytest.raises(InputError, match="every item must be answered"):
        score("start_back", [0, 0, 0, 0, None, 0, 0, 0, 0])


def test_json_has_score_risk_group_and_subscore() -> None:
    data = score("start_back", _response(4, 0, 0)).to_json()
    assert (data["score"], data["risk_group"], data["subscore"]) == (4, "medium", 0)
    assert data["sources"]


def test_start_back_has_its_loinc_codes_and_keele_licence_note() -> None:
    instrument = get_instrument("start_back")
    assert {code.code for code in instrument.loinc} == {"91349-1", "91351-7", "91350-9"}
    assert "Keele" in instrument.licence.note
    assert instrument.meaningful_change is None
