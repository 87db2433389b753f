"""Licensed ODI v2.1a statements supplied by a deployment (retrowalk itself ships none).

The ODI is © Jeremy Fairbank, licensed via Mapi/eProvide (evidence.md 4.2). A deployment that
holds a licence may supply the section titles and six statements per section; retrowalk then
shows the chosen statement next to each section's score. The text is checked for shape (10
sections, 6 statements each, version 2.1a, a licence reference) and never altered.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrowalk.domain.instruments.odi import ODI_SECTION_NAMES
from retrowalk.errors import InputError

STATEMENTS_PER_SECTION = 6


@dataclass(frozen=True)
class OdiSectionText:
    title: str
    statements: tuple[str, ...]


@dataclass(frozen=True)
class OdiText:
    """The licensed statements of the ODI v2.1a, with the deployment's licence reference."""

    licence: str
    sections: tuple[OdiSectionText, ...]

    def statement(self, section_number: int, option_index: int) -> str:
        """The statement chosen in a section (1-based section number, 0-based option)."""
        return self.sections[section_number - 1].statements[option_index]


def build_odi_text(*, version: str, licence: str, sections: list[tuple[str, list[str]]]) -> OdiText:
    """Check a supplied text's shape and build :class:`OdiText`; problems raise InputError."""
    if version != "2.1a":
        raise InputError(f"ODI text version '{version}' is not 2.1a", field="version")
    if not licence.strip():
        raise InputError("a licence reference is required for the ODI text", field="licence")
    if len(sections) != len(ODI_SECTION_NAMES):
        raise InputError(
            f"the ODI v2.1a has {len(ODI_SECTION_NAMES)} sections, the text has {len(sections)}",
            field="sections",
        )
    built = []
    for index, (title, statements) in enumerate(sections):
        if not title.strip():
            raise InputError("section title is empty", field=f"sections.{index}.title")
        if len(statements) != STATEMENTS_PER_SECTION:
            raise InputError(
                f"section {index + 1} ({title}) needs {STATEMENTS_PER_SECTION} statements, "
                f"has {len(statements)}",
                field=f"sections.{index}.statements",
            )
        for number, statement in enumerate(statements):
            if not statement.strip():
                raise InputError(
                    f"section {index + 1} ({title}): statement {number + 1} is empty",
                    field=f"sections.{index}.statements.{number}",
                )
        built.append(OdiSectionText(title.strip(), tuple(s.strip() for s in statements)))
    return OdiText(licence=licence.strip(), sections=tuple(built))
