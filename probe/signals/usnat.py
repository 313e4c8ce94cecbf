"""GPP section 7, US national privacy (usnat), versions 1 and 2, with its optional GPC subsection.

Opt-out fields: 0 not applicable, 1 opted out, 2 did not opt out. Notices: 0 n/a, 1 given, 2 not given.
Version 2 widened SensitiveDataProcessing from 12 to 16 entries and KnownChild... from 2 to 3; the
fields the rules read (the opt-outs) come before those lists, so they sit at the same bits in both.
"""

from __future__ import annotations

from dataclasses import dataclass

from probe.signals.bits import BitReader, BitsError
from probe.signals.errors import DecodeError

_LIST_LENGTHS = {1: (12, 2), 2: (16, 3)}  # version -> (sensitive data categories, known-child entries)
_GPC_SUBSECTION = 1
OPTED_OUT, NOT_OPTED_OUT = 1, 2


@dataclass(frozen=True)
class UsNat:
    """The usnat core segment (field names as in the GPP spec, in snake case) and the GPC subsection."""

    version: int
    sharing_notice: int
    sale_opt_out_notice: int
    sharing_opt_out_notice: int
    targeted_advertising_opt_out_notice: int
    sensitive_data_processing_opt_out_notice: int
    sensitive_data_limit_use_notice: int
    sale_opt_out: int
    sharing_opt_out: int
    targeted_advertising_opt_out: int
    sensitive_data_processing: tuple[int, ...]
    known_child_sensitive_data_consents: tuple[int, ...]
    personal_data_consents: int
    mspa_covered_transaction: int
    mspa_opt_out_option_mode: int
    mspa_service_provider_mode: int
    gpc: bool | None = None  # None: no GPC subsection in the string

    @property
    def ok(self) -> bool:
        """Always True (a DecodeError is False)."""
        return True

    def opt_outs(self) -> dict[str, int]:
        """The three opt-outs an advertising choice governs, by spec name."""
        return {
            "SaleOptOut": self.sale_opt_out,
            "SharingOptOut": self.sharing_opt_out,
            "TargetedAdvertisingOptOut": self.targeted_advertising_opt_out,
        }

    def to_json(self) -> dict[str, object]:
        """Compact JSON form."""
        return {
            "version": self.version,
            "sharing_notice": self.sharing_notice,
            "sale_opt_out_notice": self.sale_opt_out_notice,
            "sharing_opt_out_notice": self.sharing_opt_out_notice,
            "targeted_advertising_opt_out_notice": self.targeted_advertising_opt_out_notice,
            "sensitive_data_processing_opt_out_notice": self.sensitive_data_processing_opt_out_notice,
            "sensitive_data_limit_use_notice": self.sensitive_data_limit_use_notice,
            "sale_opt_out": self.sale_opt_out,
            "sharing_opt_out": self.sharing_opt_out,
            "targeted_advertising_opt_out": self.targeted_advertising_opt_out,
            "sensitive_data_processing": list(self.sensitive_data_processing),
            "known_child_sensitive_data_consents": list(self.known_child_sensitive_data_consents),
            "personal_data_consents": self.personal_data_consents,
            "mspa_covered_transaction": self.mspa_covered_transaction,
            "mspa_opt_out_option_mode": self.mspa_opt_out_option_mode,
            "mspa_service_provider_mode": self.mspa_service_provider_mode,
            "gpc": self.gpc,
        }


def _gpc(segment: str) -> bool | None:
    reader = BitReader.from_base64url(segment)
    if reader.uint(2, "SubsectionType") != _GPC_SUBSECTION:
        return None
    return reader.flag("Gpc")


def decode_usnat(text: str) -> UsNat | DecodeError:
    """Decode a usnat section (core segment, optionally ``.``-joined GPC subsection)."""
    core, *subsections = text.strip().split(".")
    try:
        reader = BitReader.from_base64url(core)
        version = reader.uint(6, "Version")
        if version not in _LIST_LENGTHS:
            return DecodeError("usnat", text, f"unsupported usnat version {version}")
        sensitive, child = _LIST_LENGTHS[version]

        def two(what: str) -> int:  # every usnat field is 2 bits wide
            return reader.uint(2, what)

        return UsNat(
            version=version,
            sharing_notice=two("SharingNotice"),
            sale_opt_out_notice=two("SaleOptOutNotice"),
            sharing_opt_out_notice=two("SharingOptOutNotice"),
            targeted_advertising_opt_out_notice=two("TargetedAdvertisingOptOutNotice"),
            sensitive_data_processing_opt_out_notice=two("SensitiveDataProcessingOptOutNotice"),
            sensitive_data_limit_use_notice=two("SensitiveDataLimitUseNotice"),
            sale_opt_out=two("SaleOptOut"),
            sharing_opt_out=two("SharingOptOut"),
            targeted_advertising_opt_out=two("TargetedAdvertisingOptOut"),
            sensitive_data_processing=tuple(two("SensitiveDataProcessing") for _ in range(sensitive)),
            known_child_sensitive_data_consents=tuple(
                two("KnownChildSensitiveDataConsents") for _ in range(child)
            ),
            personal_data_consents=two("PersonalDataConsents"),
            mspa_covered_transaction=two("MspaCoveredTransaction"),
            mspa_opt_out_option_mode=two("MspaOptOutOptionMode"),
            mspa_service_provider_mode=two("MspaServiceProviderMode"),
            gpc=next((g for g in map(_gpc, subsections) if g is not None), None),
        )
    except BitsError as exc:
        return DecodeError("usnat", text, str(exc))
