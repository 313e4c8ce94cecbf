"""Evidence formats: read any HAR into Timelines, phase marks for foreign HARs, manifest, redaction."""

from ._errors import HarError, HarProblem, PhaseSpecError
from ._phases import CONSENT_EVENT, PhaseInference, PhaseSpec, apply_phases
from .har_reader import (
    RESPONSE_BODY_CAP,
    HarRead,
    load_bundle,
    load_har,
    read_bundle,
    read_har,
    split_contexts,
)
from .manifest import (
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    Manifest,
    Redaction,
    VerifyResult,
    read_manifest,
    verify,
    write_manifest,
)
from .redact import redact_bundle, redact_har

__all__ = [
    "CONSENT_EVENT",
    "MANIFEST_FORMAT",
    "MANIFEST_NAME",
    "RESPONSE_BODY_CAP",
    "HarError",
    "HarProblem",
    "HarRead",
    "Manifest",
    "PhaseInference",
    "PhaseSpec",
    "PhaseSpecError",
    "Redaction",
    "VerifyResult",
    "apply_phases",
    "load_bundle",
    "load_har",
    "read_bundle",
    "read_har",
    "read_manifest",
    "redact_bundle",
    "redact_har",
    "split_contexts",
    "verify",
    "write_manifest",
]
