"""The evidence base as data: studies, protocols and thresholds behind the clinical rules."""

from retrowalk.evidence.loader import EvidenceBaseError, load_evidence, parse_evidence
from retrowalk.evidence.models import (
    PROVISIONAL_STATUSES,
    EvidenceBase,
    Protocol,
    Study,
    Threshold,
    status_label,
)

__all__ = [
    "PROVISIONAL_STATUSES",
    "EvidenceBase",
    "EvidenceBaseError",
    "Protocol",
    "Study",
    "Threshold",
    "load_evidence",
    "parse_evidence",
    "status_label",
]
