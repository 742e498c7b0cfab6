"""The PII vault: the HMAC key that tokenises personal data, as a Dagster resource.

Configure it with `dg.EnvVar("OMNILAKE_PII_KEY")` (never a plain value in code or config files): Dagster
then resolves the secret at run time and never shows it. The Spark jobs that tokenise at ingestion read the
same variable in their own process (`settings.pii_key()`), so the key never travels in a job spec, a Pipes
message or metadata. The vault answers "which token does this card number have?" (support and erasure
requests) with the very function bronze uses.
"""

from __future__ import annotations

import dagster as dg
from pydantic import Field

from platform_assets.core import pii


class PiiVault(dg.ConfigurableResource):
    """HMAC-SHA256 tokenisation with a secret key."""

    key: str = Field(description="HMAC key; set from the environment with dg.EnvVar('OMNILAKE_PII_KEY')")

    def card_token(self, card_number: str | None) -> str | None:
        return pii.card_token(card_number, self.key)

    def card_last4(self, card_number: str | None) -> str | None:
        return pii.card_last4(card_number)
