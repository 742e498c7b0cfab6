"""The domains of the platform: one line each. Definitions, the CLI and the generator read this list.

A domain package `platform_assets.<name>` provides `definitions.defs` (a Dagster Definitions with its
assets, jobs and sensors, group = domain, job `<name>_job` over every asset of the domain) and
`generator.generate(out, start, days, *, seed, scale) -> dict`.
"""

DOMAINS: tuple[str, ...] = ("ecommerce", "ad_attribution", "purchases", "journeys", "restaurants")

# Who answers for a domain's tables (Dagster asset owners: shown and filterable in the UI).
OWNERS: dict[str, str] = {
    "ecommerce": "team:commerce-data",
    "ad_attribution": "team:marketing-data",
    "purchases": "team:commerce-data",
    "journeys": "team:marketing-data",
    "restaurants": "team:restaurants-data",
}
