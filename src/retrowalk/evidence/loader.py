"""Load the evidence base shipped in the package, validating it on the way in.

The file is ``evidence_base.json`` beside this module. A broken file raises
:class:`EvidenceBaseError` naming the field; ``load_evidence()`` reads and validates it once
per process (cached). Adapters and services call it; the pure domain never reads files (its
thresholds are constants checked against this file by the test suite).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from retrowalk.errors import InputError
from retrowalk.evidence.models import EvidenceBase
from retrowalk.schemas.parsing import validate_json

EVIDENCE_FILE = "evidence_base.json"


class EvidenceBaseError(InputError):
    """The evidence base file is not valid (a packaging or editing mistake)."""


def parse_evidence(text: str, *, source: str = EVIDENCE_FILE) -> EvidenceBase:
    """Validate evidence-base JSON text; problems raise :class:`EvidenceBaseError`."""
    try:
        return validate_json(EvidenceBase, text, source=source)
    except InputError as error:
        raise EvidenceBaseError(
            error.problem,
            field=error.location.field,
            source=error.location.source,
            line=error.location.line,
            column=error.location.column,
        ) from None


@cache
def load_evidence() -> EvidenceBase:
    """The packaged evidence base (validated; read once per process)."""
    text = resources.files("retrowalk.evidence").joinpath(EVIDENCE_FILE).read_text("utf-8")
    return parse_evidence(text)
