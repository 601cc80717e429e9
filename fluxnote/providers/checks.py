"""Doctor checks: every generation provider with a key makes one cheap authenticated call
(fal: a storage token; Replicate: GET /v1/account; OpenAI: GET /v1/models; Runway:
GET /v1/organization). A provider without its key is "off" with the variable to set."""

from __future__ import annotations

from fluxnote.checks import Check, CheckFailed
from fluxnote.providers.base import ProviderError
from fluxnote.providers.registry import PROVIDER_IDS, get_provider, missing_key

TIMEOUT_S = 10.0


def checks() -> list[Check]:
    out = []
    for provider_id in PROVIDER_IDS:
        if provider_id == "offline":
            continue
        reason = missing_key(provider_id)
        run = None if reason else _verifier(provider_id)
        out.append(Check(provider_id, run, reason or ""))
    return out


def _verifier(provider_id: str):
    provider = get_provider(provider_id, timeout_s=TIMEOUT_S)

    def verify() -> str:
        try:
            return provider.verify()
        except ProviderError as exc:
            raise CheckFailed(str(exc)) from exc

    return verify
