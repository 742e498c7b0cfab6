"""Assets of the journeys domain: source database → bronze → silver customer_journeys (+ excluded
conversions) → gold attribution (+ attribution failures) → gold channel_reporting → CSV report and
write-back into the source database.

Partitions: bronze and silver by day (event date / conversion date), journeys[D] reading
sessions[D-30..D]; gold attribution by conversion date; channel_reporting, the CSV and the write-back
are unpartitioned (the whole history). A range of days is one run.
"""

from typing import TYPE_CHECKING, Iterator, Optional

import dagster as dg
from pydantic import Field

from platform_assets.core.conventions import DOMAIN_TAG
from platform_assets.core.execution import StepOutput
from platform_assets.core.lake import Lake
from platform_assets.journeys import attribution as scoring
from platform_assets.journeys import lineage, transforms
from platform_assets.journeys.extract import conversions_schema, extract, sessions_schema, write_back
from platform_assets.journeys.models import MODELS
from platform_assets.journeys.sources import (
    ATTRIBUTION_FAILURES,
    BRONZE_CONVERSIONS,
    BRONZE_SESSIONS,
    DOMAIN,
    EXCLUDED,
    GOLD_ATTRIBUTION,
    GOLD_REPORT,
    LOOKBACK_DAYS,
    SILVER_JOURNEYS,
    WRITEBACK_ATTRIBUTION,
    WRITEBACK_REPORT,
)
from platform_assets.medallion import (
    Check,
    Read,
    Write,
    docstring,
    driver_asset,
    references,
    spark_asset,
    unique_key_check,
)
from resources.ihc import IHCResource
from resources.lake import LakeResource
from resources.warehouse import WarehouseResource

if TYPE_CHECKING:  # go-to-definition; at run time the contracts are named, not imported (see references)
    from platform_assets.journeys import checks
else:
    checks = references("platform_assets.journeys.checks")

TAGS = {DOMAIN_TAG: DOMAIN}
REPORT_CSV = dg.AssetKey(["reports", DOMAIN, "channel_reporting_csv"])
SOURCE_ATTRIBUTION = dg.AssetKey(["source_db", DOMAIN, WRITEBACK_ATTRIBUTION])
SOURCE_REPORT = dg.AssetKey(["source_db", DOMAIN, WRITEBACK_REPORT])


def _key(ref) -> dg.AssetKey:
    return dg.AssetKey(ref.key)


# ------------------------------------------------------------------------------------------------ bronze


def extract_step(
    context: dg.AssetExecutionContext, days: list[str], lake: Lake, journeys_db: WarehouseResource
) -> StepOutput:
    """Incremental extraction: the run's days only (`WHERE event_date IN (:days)`), each day replaced."""
    tables = extract(journeys_db.engine(), days)
    context.log.info(
        f"extracted {days[0]}..{days[-1]} from the {journeys_db.dialect} source" if days else "no days"
    )
    source = {"source_dialect": journeys_db.dialect}
    return StepOutput(
        tables={
            "sessions": tables["sessions"].cast(sessions_schema()),
            "conversions": tables["conversions"].cast(conversions_schema()),
        },
        facts={"sessions": source, "conversions": source},
    )


bronze_journeys_extract = driver_asset(
    name=f"bronze_{DOMAIN}_extract",
    group=DOMAIN,
    step=extract_step,
    reads={},
    writes={
        "sessions": Write(
            BRONZE_SESSIONS,
            "session_sources rows of the day (dt = event_date) with their session_costs row as `cost` (null: "
            "no cost row), every value as text, plus `_source_file` (source table), `_row`, `_ingested_at` "
            "(extraction time). Extracted per partition with bound parameters.",
        ),
        "conversions": Write(
            BRONZE_CONVERSIONS,
            "conversions rows of the day (dt = conv_date), as text, with the same lineage columns.",
        ),
    },
    resources=["journeys_db"],
    kinds={"sql", "delta", "bronze"},
)


# ------------------------------------------------------------------------------------------------ silver

silver_customer_journeys = spark_asset(
    name=f"silver_{DOMAIN}_customer_journeys",
    group=DOMAIN,
    transform=transforms.customer_journeys,
    reads={
        "conversions": Read(BRONZE_CONVERSIONS),
        "sessions": Read(BRONZE_SESSIONS, window=(-LOOKBACK_DAYS, 0)),
    },
    writes={
        "silver": Write(SILVER_JOURNEYS, docstring(transforms.customer_journeys), checks.CustomerJourneys),
        "quarantine": Write(
            EXCLUDED,
            "Conversions excluded from attribution, as extracted, with `_rules_failed` and `reason`: "
            "no_sessions_in_lookback, only_impression_sessions, or a broken rule (conv_id_not_null, "
            "user_id_not_null, conv_ts_is_timestamp, revenue_is_number, revenue_non_negative).",
        ),
    },
    checks=[
        unique_key_check("silver", ["conv_id", "session_id"], "One row per conversion and session."),
        Check(
            "conversions_accounted",
            "silver",
            checks.conversions_accounted,
            "Every extracted conversion is in a journey or in excluded_conversions; journeys are well formed.",
            blocking=True,
        ),
    ],
    params={"lookback_days": LOOKBACK_DAYS},
    kinds={"spark", "delta", "silver"},
)


# ------------------------------------------------------------------------------------------------ gold


class AttributionConfig(dg.Config):
    model: str = Field(
        default="position_based",
        description=f"built-in model when IHC_API_KEY is not set: {', '.join(MODELS)}",
    )
    half_life_days: float = Field(default=7.0, description="time_decay half-life")
    position_weights: list[float] = Field(
        default=[0.4, 0.2, 0.4], description="position_based first/middle/last"
    )


def model_params(config: AttributionConfig) -> dict:
    if config.model == "time_decay":
        return {"half_life_days": config.half_life_days}
    if config.model == "position_based":
        if len(config.position_weights) != 3:
            raise dg.Failure(f"position_weights must be [first, middle, last], got {config.position_weights}")
        first, middle, last = config.position_weights
        return {"first": first, "middle": middle, "last": last}
    return {}


def attribution_step(
    context: dg.AssetExecutionContext,
    days: list[str],
    lake: Lake,
    ihc: IHCResource,
    config: AttributionConfig,
) -> StepOutput:
    """Score the journeys of the run's days: through the IHC API when IHC_API_KEY is set (only unscored or
    changed journeys are sent), else with the configured built-in model."""
    import pyarrow as pa

    silver = lake.read_arrow(SILVER_JOURNEYS, days) if days else pa.table({})
    journeys = scoring.journeys_from_rows(silver.to_pylist())
    facts: dict = {"journeys": len(journeys)}
    failures: list[dict] = []
    if ihc.enabled:
        kept, todo = _already_scored(lake, days, journeys)
        previous = _previous_attempts(lake, days)
        outcome = scoring.score_api(ihc.client(log=context.log.info), todo)
        rows = kept + outcome.rows
        failures = [
            {"conv_id": c, "error": e, "attempts": previous.get(c, 0) + a, "dt": journeys[c][0]["dt"]}
            for c, (e, a) in sorted(outcome.failures.items())
        ]
        facts |= {
            "provider": scoring.IHC_API,
            "kept_from_earlier_runs": len({r["conv_id"] for r in kept}),
            "sent": outcome.sent,
            "requests": outcome.requests,
            "failed": len(failures),
        }
    else:
        if config.model not in MODELS:
            raise dg.Failure(f"unknown attribution model {config.model!r}; known: {', '.join(MODELS)}")
        fit, nulls = None, []
        if config.model in scoring.FIT_ON_ALL:
            fit = scoring.journeys_from_rows(lake.read_arrow(SILVER_JOURNEYS).to_pylist())
            in_journeys = {s["session_id"] for sessions in fit.values() for s in sessions}
            nulls = (
                scoring.null_paths(lake.read_arrow(BRONZE_SESSIONS), in_journeys)
                if config.model == "markov"
                else []
            )
            facts |= {"fitted_on_journeys": len(fit), "non_converting_paths": len(nulls)}
        rows = scoring.score_builtin(journeys, config.model, model_params(config), fit, nulls)
        facts |= {"provider": "built-in", "model": config.model}
    context.log.info(f"attribution: {facts}")
    return StepOutput(
        tables={
            "gold": pa.Table.from_pylist(rows, scoring.attribution_schema()),
            "failures": pa.Table.from_pylist(failures, scoring.failures_schema()),
        },
        facts={"gold": facts},
    )


gold_journeys_attribution = driver_asset(
    name=f"gold_{DOMAIN}_attribution_customer_journey",
    group=DOMAIN,
    step=attribution_step,
    reads={"journeys": Read(SILVER_JOURNEYS)},
    writes={
        "gold": Write(
            GOLD_ATTRIBUTION,
            "Attribution credit per conversion and session (conv_id, session_id, ihc, model, dt = conversion "
            "date); ihc sums to 1 per attributed conversion. Provider: the IHC API when IHC_API_KEY is set "
            "(only unscored or changed journeys are sent), else the configured built-in model "
            "(position_based by default). Scored on the driver: see platform_assets/journeys/attribution.py.",
            lineage=lineage.ATTRIBUTION_CUSTOMER_JOURNEY,
            columns=dg.TableSchema(
                columns=[
                    dg.TableColumn("conv_id", "string", description="The attributed conversion."),
                    dg.TableColumn("session_id", "string", description="A session of its journey."),
                    dg.TableColumn(
                        "ihc",
                        "double",
                        description="The session's share of the conversion (the IHC API's, or the "
                        "built-in model's); the shares of a conversion sum to 1 (|error| <= 1e-6).",
                    ),
                    dg.TableColumn(
                        "model", "string", description="Which model scored it (ihc_api or a built-in model)."
                    ),
                    dg.TableColumn(
                        "dt", "string", description="Partition day (YYYY-MM-DD): the conversion date."
                    ),
                ]
            ),
        ),
        "failures": Write(
            ATTRIBUTION_FAILURES,
            "Conversions of the day the IHC API did not score (conv_id, error, attempts summed over runs); "
            "the next run sends exactly these (and new or changed journeys) again.",
        ),
    },
    checks=[
        Check(
            "credits_sum_to_one",
            "gold",
            scoring.credits_sum_to_one,
            "Per conversion the credits sum to 1 (|error| <= 1e-6), each in [0, 1], one row per key.",
            blocking=True,
        ),
        Check(
            "all_conversions_scored",
            "gold",
            scoring.all_conversions_scored,
            "Every journey of the days is scored (WARN: the failures are retried by the next run).",
            severity="WARN",
        ),
    ],
    resources=["ihc"],
    config=AttributionConfig,
)


def _already_scored(store, days: list[str], journeys: dict[str, list[dict]]) -> tuple[list[dict], dict]:
    if not days or not store.exists(GOLD_ATTRIBUTION):
        return [], journeys
    return scoring.reusable_api_rows(store.read_arrow(GOLD_ATTRIBUTION, days).to_pylist(), journeys)


def _previous_attempts(store, days: list[str]) -> dict[str, int]:
    if not days or not store.exists(ATTRIBUTION_FAILURES):
        return {}
    return {r["conv_id"]: r["attempts"] for r in store.read_arrow(ATTRIBUTION_FAILURES, days).to_pylist()}


channel_reporting = spark_asset(
    name=f"gold_{DOMAIN}_channel_reporting",
    group=DOMAIN,
    transform=transforms.channel_reporting,
    reads={
        "attribution": Read(GOLD_ATTRIBUTION, all_partitions=True),
        "journeys": Read(SILVER_JOURNEYS, all_partitions=True),
        "sessions": Read(BRONZE_SESSIONS, all_partitions=True),
    },
    writes={
        "gold": Write(
            GOLD_REPORT,
            docstring(transforms.channel_reporting),
            checks.ChannelReporting,
            partitioned=False,
            lineage=lineage.CHANNEL_REPORTING,
        )
    },
    checks=[
        unique_key_check("gold", ["channel_name", "date"], "One row per channel_name and date."),
        Check(
            "reconciles",
            "gold",
            checks.report_reconciles,
            "sum(ihc) = attributed conversions; sum(cost) = the sources' total session cost.",
            blocking=True,
        ),
    ],
    partitioned=False,
    kinds={"spark", "delta", "gold"},
)


# ------------------------------------------------------------------------------------------------ outputs


class ExportConfig(dg.Config):
    from_date: Optional[str] = Field(default=None, description="first date (YYYY-MM-DD), default: all")
    to_date: Optional[str] = Field(default=None, description="last date (YYYY-MM-DD), default: all")
    out: Optional[str] = Field(
        default=None, description="path or s3:// URI; default $OMNILAKE_HOME/reports/channel_reporting.csv"
    )


@dg.asset(
    key=REPORT_CSV,
    deps=[_key(GOLD_REPORT)],
    group_name=DOMAIN,
    kinds={"csv"},
    op_tags=TAGS,
    description="gold channel_reporting as CSV (channel_name,date,cost,ihc,ihc_revenue,cpo,roas) for a date range.",
)
def channel_reporting_csv(
    context: dg.AssetExecutionContext, config: ExportConfig, lake: LakeResource
) -> dg.MaterializeResult:
    from platform_assets.journeys.export import export_channel_reporting

    done = export_channel_reporting(
        lake.lake(), config.out, config.from_date, config.to_date, lake.endpoint_url, lake.sse_kms_key_id
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": done["rows"],
            "path": dg.MetadataValue.path(done["path"]),
            "from": done["from"] or "",
            "to": done["to"] or "",
        }
    )


@dg.multi_asset(
    name=f"writeback_{DOMAIN}",
    specs=[
        dg.AssetSpec(
            SOURCE_ATTRIBUTION,
            description="attribution_customer_journey(conv_id, session_id, ihc) in the source database: upserted "
            "by conversion from gold, in one transaction with channel_reporting.",
            group_name=DOMAIN,
            deps=[_key(GOLD_ATTRIBUTION)],
            kinds={"sql"},
        ),
        dg.AssetSpec(
            SOURCE_REPORT,
            description="channel_reporting(channel_name, date, cost, ihc, ihc_revenue) in the source database: "
            "upserted by (channel_name, date) from gold.",
            group_name=DOMAIN,
            deps=[_key(GOLD_REPORT)],
            kinds={"sql"},
        ),
    ],
    can_subset=False,
    op_tags=TAGS,
)
def writeback_journeys(
    context: dg.AssetExecutionContext, lake: LakeResource, journeys_db: WarehouseResource
) -> Iterator[dg.MaterializeResult]:
    store = lake.lake()
    counts = write_back(
        journeys_db.engine(), store.read_arrow(GOLD_ATTRIBUTION), store.read_arrow(GOLD_REPORT)
    )
    context.log.info(f"wrote back to the {journeys_db.dialect} source: {counts}")
    yield dg.MaterializeResult(
        asset_key=SOURCE_ATTRIBUTION,
        metadata={
            "dagster/row_count": counts[WRITEBACK_ATTRIBUTION],
            "rows_written": counts["attribution_rows_written"],
        },
    )
    yield dg.MaterializeResult(
        asset_key=SOURCE_REPORT,
        metadata={
            "dagster/row_count": counts[WRITEBACK_REPORT],
            "rows_written": counts["report_rows_written"],
        },
    )


assets = [
    bronze_journeys_extract,
    silver_customer_journeys,
    gold_journeys_attribution,
    channel_reporting,
    channel_reporting_csv,
    writeback_journeys,
]
