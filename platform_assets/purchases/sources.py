"""Landing sources of the purchases domain (spec: purchases.md, Sources)."""

from platform_assets.core.sources import Source

DOMAIN = "purchases"

PURCHASES = Source(
    domain=DOMAIN,
    name="purchases",
    columns=(
        "customer_id",
        "first_name",
        "last_name",
        "email",
        "purchase_id",
        "purchase_date",
        "amount",
        "currency",
    ),
    description="Customer purchases; the folder date is the ingestion date (one file per S3 event).",
)

FX_RATES = Source(
    domain=DOMAIN,
    name="fx_rates",
    columns=("date", "currency", "aud_per_unit"),
    description="Exchange rates to AUD (AUD per unit of the currency, by date); AUD itself is always 1.",
)

SOURCES = (PURCHASES, FX_RATES)
