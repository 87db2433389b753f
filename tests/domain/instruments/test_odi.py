import pytest

from retrowalk.domain.instruments import get_instrument, score
from retrowalk.domain.instruments.odi import ODI_MAX_MISSING_SECTIONS, ODI_SECTION_NAMES
from retrowalk.errors import InputError

SIXTEEN_OF_FIFTY = [2, 2, 2, 2, 2, 2, 2, 2, 0, 0]


def _sections_summing_to(raw: int) -> list[int | None]:
    values: list[int | None] = []
    for _ in range(10):
        value = min(5, raw)
        values.append(value)
        raw -= value
    return values


def test_sixteen_of_fifty_is_thirty_two_percent() -> None:
    result = score("odi", SIXTEEN_OF_FIFTY)
    assert result.score == pytest.approx(32.0)
    assert result.raw_score == 16
    assert result.to_json()["score"] == 32.0


def test_one_unanswered_section_takes_five_off_the_denominator() -> None:
    result = score("odi", [*SIXTEEN_OF_FIFTY[:9], None])
    assert result.score == pytest.approx(16 / 45 * 100)
    assert result.to_json()["score"] == 35.6
    assert result.missing_items == 1


def test_the_unanswered_section_may_be_any_section() -> None:
    result = score("odi", [None, 2, 2, 2, 2, 2, 2, 2, 2, 0])
    assert result.to_json()["score"] == 35.6


def test_two_unanswered_sections_give_no_score_and_name_them() -> None:
    assert ODI_MAX_MISSING_SECTIONS == 1
    with pytest.raises(InputError, match=r"8 \(Sex life.*10 \(Travelling\)") as caught:
        score("odi", [2, 2, 2, 2, 2, 2, 2, None, 2, None])
    assert caught.value.field == "items"


def test_an_unanswered_section_is_recorded_with_our_rule_as_source() -> None:
    result = score("odi", [*SIXTEEN_OF_FIFTY[:9], None])
    assert any(source.status == "ours" for source in result.sources)
    assert "our rule" in result.notes[0]


def test_a_complete_response_does_not_cite_the_missing_section_rule() -> None:
    result = score("odi", SIXTEEN_OF_FIFTY)
    assert all(source.status != "ours" for source in result.sources)


@pytest.mark.parametrize("bad", [6, -1, 2.5])
def test_a_section_value_outside_0_to_5_names_the_section(bad: float) -> None:
    values: list[float | None] = [0] * 10
    values[2] = bad
    with pytest.raises(InputError, match=r"item 3 \(Lifting\)") as caught:
        score("odi", values)
    assert caught.value.field == "items.2"


@pytest.mark.parametrize("count", [9, 11, 0])
def test_a_response_with_the_wrong_number_of_sections_is_refused(count: int) -> None:
    with pytest.raises(InputError, match=f"needs 10 item values.*got {count}"):
        score("odi", [0] * count)


@pytest.mark.parametrize(
    ("raw", "band"),
    [
        (0, "minimal disability"),
        (10, "minimal disability"),  # 20 %
        (11, "moderate disability"),  # 22 %
        (20, "moderate disability"),  # 40 %
        (21, "severe disability"),  # 42 %
        (30, "severe disability"),  # 60 %
        (31, "crippled"),  # 62 %
        (40, "crippled"),  # 80 %
        (41, "bed-bound or exaggerating symptoms"),  # 82 %
        (50, "bed-bound or exaggerating symptoms"),  # 100 %
    ],
)
def test_percent_bands_at_their_boundaries(raw: int, band: str) -> None:
    assert score("odi", _sections_summing_to(raw)).band == band


def test_a_percent_just_above_twenty_with_a_missing_section_is_moderate() -> None:
    # 10 of 45 = 22.2 %; 9 of 45 = 20.0 %
    assert score("odi", [*_sections_summing_to(10)[:9], None]).band == "moderate disability"
    assert score("odi", [5, 4, 0, 0, 0, 0, 0, 0, 0, None]).band == "minimal disability"


def test_the_odi_is_version_2_1a_with_ten_named_sections_and_no_shipped_text() -> None:
    odi = get_instrument("odi")
    assert odi.version == "2.1a"
    assert [item.name for item in odi.items] == list(ODI_SECTION_NAMES)
    assert not odi.licence.item_text_shippable
    assert all(item.options == () for item in odi.items)
    assert {code.code for code in odi.loinc} == {"97908-8", "97909-6"}


def test_the_odi_meaningful_change_is_ten_points_or_thirty_percent() -> None:
    change = get_instrument("odi").meaningful_change
    assert change is not None
    assert (change.absolute, change.percent) == (10, 30)
