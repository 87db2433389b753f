"""Read a PDF's text and pages with poppler's pdftotext, as a person's PDF viewer would."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class PdfText:
    pages: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    @property
    def flat(self) -> str:
        """The text with line breaks and runs of spaces collapsed (wrapped lines joined)."""
        return " ".join(self.text.split())


def pdf_text(pdf: bytes) -> PdfText:
    tool = shutil.which("pdftotext")
    if tool is None:
        if os.environ.get("CI") or os.environ.get("RETROWALK_REQUIRE_POPPLER"):
            pytest.fail("pdftotext is required here: apt-get install poppler-utils")
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    done = subprocess.run(
        [tool, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    pages = done.stdout.decode("utf-8").split("\f")
    return PdfText(tuple(page for page in pages if page.strip()))
