"""The evidence base as data: studies, protocols and thresholds behind the clinical rules."""

from retrowalk.evidence.loader import EvidenceBaseError, load_evidence, parse_evidence
from retrowalk.evidence.models import EvidenceBase, Protocol, Study, Threshold

__all__ = [
    "EvidenceBase",
    "EvidenceBaseError",
    "Protocol",
    "Study",
    "Threshold",
    "load_evidence",
    "parse_evidence",
]
