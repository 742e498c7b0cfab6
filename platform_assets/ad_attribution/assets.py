"""Assets of the ad_attribution domain: bronze → silver (+ quarantine) → gold order_attribution → campaign_roas.

Late ad events. `order_attribution[D]` reads `ad_events[D-7..D]` (a TimeWindowPartitionMapping), so an ad
event landing late in folder D changes the attribution of orders on D..D+7, and campaign_roas with it.
The landing sensor's run (bronze and everything downstream, for the folder's day D) refreshes D itself;
days D+1..D+7 are refreshed by declarative automation on the two gold assets (`LATE_UPSTREAM`), so the UI
shows, per partition, which upstream partition update requested it (the asset's Automation tab), and the
runs carry the `omnilake/domain` tag so they queue behind the domain's other runs.

Why automation and not a wider landing run: a Dagster run has one partition range for all its assets,
so a landing run for D cannot also write gold D+1..D+7 without re-ingesting bronze D+1..D+7 (and D+7 may
not exist yet). Why not `AutomationCondition.eager()`: it only considers the latest time partition, and
its `any_deps_updated` ignores an upstream update made by a run that also targeted the asset — which the
landing run does (it targets gold[D]) — so D+1..D+7 would never refresh. `LATE_UPSTREAM` keeps every
partition and every upstream update; the landing run's own gold[D] materialization comes after its silver
one, and `since_last_handled` lets the later update win, so D is not refreshed twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import dagster as dg

from platform_assets.ad_attribution import lineage, transforms
from platform_assets.ad_attribution.sources import AD_EVENTS, DOMAIN, ORDERS, SOURCES
from platform_assets.core.lake import TableRef, tables
from platform_assets.medallion import Check, Read, bronze_asset, gold_asset, references, silver_asset

if TYPE_CHECKING:  # go-to-definition; at run time the contracts are named, not imported (see references)
    from platform_assets.ad_attribution import checks
else:
    checks = references("platform_assets.ad_attribution.checks")

# A late ad event touches the orders of its day and of the 7 days after it.
ATTRIBUTION_WINDOW = (-7, 0)


BRONZE = tables("bronze", DOMAIN, [s.name for s in SOURCES])
SILVER = tables("silver", DOMAIN, [s.name for s in SOURCES])
GOLD = tables("gold", DOMAIN, ["order_attribution", "campaign_roas"])


def late_upstream_condition(*, requires: list[TableRef] = ()) -> dg.AutomationCondition:
    """Materialize a partition when a partition it reads was updated (or will be, this tick) since it was
    last requested or updated: every partition, not only the latest. `requires`: upstream tables whose
    same-day partition must exist (no attribution for a day without orders)."""
    updated = dg.AutomationCondition.any_deps_match(
        dg.AutomationCondition.newly_updated() | dg.AutomationCondition.will_be_requested()
    ).with_label("an upstream partition it reads was updated")
    condition = (
        updated.since_last_handled()
        & ~dg.AutomationCondition.any_deps_in_progress()
        & ~dg.AutomationCondition.in_progress()
    )
    if requires:
        missing = (
            dg.AutomationCondition.any_deps_match(
                dg.AutomationCondition.missing() & ~dg.AutomationCondition.will_be_requested()
            )
            .allow(dg.AssetSelection.assets(*[dg.AssetKey(t.key) for t in requires]))
            .with_label(f"{', '.join(t.path for t in requires)} missing")
        )
        condition = condition & ~missing
    return condition.with_label("late_upstream: refresh the days a late upstream partition can touch")


def _with_condition(
    assets_def: dg.AssetsDefinition, condition: dg.AutomationCondition
) -> dg.AssetsDefinition:
    return assets_def.map_asset_specs(lambda spec: spec.replace_attributes(automation_condition=condition))


bronze_assets = [bronze_asset(s) for s in SOURCES]

silver_ad_events = silver_asset(
    AD_EVENTS,
    transform=transforms.silver_ad_events,
    contract=checks.SilverAdEvents,
    reads={"bronze": Read(BRONZE["ad_events"])},
    key=["event_id", "dt"],
)
silver_orders = silver_asset(
    ORDERS,
    transform=transforms.silver_orders,
    contract=checks.SilverOrders,
    reads={"bronze": Read(BRONZE["orders"])},
    key=["order_id", "dt"],
)

order_attribution = _with_condition(
    gold_asset(
        DOMAIN,
        transform=transforms.order_attribution,
        contract=checks.OrderAttribution,
        reads={
            "orders": Read(SILVER["orders"]),
            "ad_events": Read(SILVER["ad_events"], window=ATTRIBUTION_WINDOW),
        },
        key=["order_id", "dt"],
        lineage=lineage.ORDER_ATTRIBUTION,
        checks=[
            Check(
                "one_row_per_order",
                "gold",
                checks.one_row_per_order,
                "Every silver order of the day has exactly one attribution row (at most one touch).",
                blocking=True,
                params={"output": "gold"},
            )
        ],
    ),
    late_upstream_condition(requires=[SILVER["orders"]]),
)

campaign_roas = _with_condition(
    gold_asset(
        DOMAIN,
        transform=transforms.campaign_roas,
        contract=checks.CampaignRoas,
        reads={
            "ad_events": Read(SILVER["ad_events"]),
            "attribution": Read(GOLD["order_attribution"]),
            "orders": Read(SILVER["orders"]),
        },
        key=["dt", "campaign_id", "channel"],
        lineage=lineage.CAMPAIGN_ROAS,
        checks=[
            Check(
                "revenue_reconciles",
                "gold",
                checks.revenue_reconciles,
                "Per day, attributed_revenue summed over every row (the unattributed row included) equals "
                "the silver orders' revenue, and attributed_orders their count.",
                blocking=True,
                params={"output": "gold"},
            )
        ],
    ),
    late_upstream_condition(),
)

assets = [*bronze_assets, silver_ad_events, silver_orders, order_attribution, campaign_roas]
