"""Domain `journeys`: sessions and conversions extracted from a SQL source database into customer
journeys, attributed (built-in models or the IHC API) and reported per channel and day, written back to
the source (spec: journeys.md)."""


def partition_dates() -> list[str]:
    """Every date of the source database (session and conversion dates): the range `omnilake run
    --domain journeys` covers when no --from/--to is given (the domain has no landing files)."""
    from platform_assets.journeys.extract import source_dates

    return source_dates()
