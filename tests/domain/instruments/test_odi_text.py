import pytest

from retrowalk.domain.instruments.odi_text import build_odi_text
from retrowalk.errors import InputError


def _sections(count: int = 10, statements: int = 6) -> list[tuple[str, list[str]]]:
    return [
        (f"Section {s}", [f"Statement {s}.{n}" for n in range(statements)]) for s in range(count)
    ]


def test_a_well_formed_text_gives_the_statement_for_a_section_and_option() -> None:
    text = build_odi_text(version="2.1a", licence="Clinic X, Mapi 123", sections=_sections())
    assert text.statement(3, 0) == "Statement 2.0"
    assert text.statement(10, 5) == "Statement 9.5"
    assert text.licence == "Clinic X, Mapi 123"


def test_another_version_is_refused() -> None:
    with pytest.raises(InputError, match=r"not 2\.1a"):
        build_odi_text(version="2.0", licence="x", sections=_sections())


def test_a_text_without_a_licence_reference_is_refused() -> None:
    with pytest.raises(InputError, match="licence reference is required"):
        build_odi_text(version="2.1a", licence="  ", sections=_sections())


def test_nine_sections_are_refused() -> None:
    with pytest.raises(InputError, match="has 10 sections, the text has 9"):
        build_odi_text(version="2.1a", licence="x", sections=_sections(count=9))


def test_a_section_with_five_statements_is_refused() -> None:
    with pytest.raises(InputError, match="needs 6 statements, has 5") as caught:
        build_odi_text(version="2.1a", licence="x", sections=_sections(statements=5))
    assert caught.value.field == "sections.0.statements"


def test_an_empty_statement_is_refused_with_its_place() -> None:
    sections = _sections()
    sections[4][1][2] = " "
    with pytest.raises(InputError, match="statement 3 is empty") as caught:
        build_odi_text(version="2.1a", licence="x", sections=sections)
    assert caught.value.field == "sections.4.statements.2"
