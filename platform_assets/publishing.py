"""The warehouse asset a domain declares for a gold table it serves: the Delta table read with delta-rs,
published in one transaction by the domain's `publish` function (a replace, or an upsert by key), and
checked against gold (`matches_gold`). Views the publish (re)creates are assets of their own.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator, Mapping, Sequence

import dagster as dg

from platform_assets.core.conventions import DOMAIN_TAG
from platform_assets.core.lake import TableRef
from platform_assets.domains import OWNERS
from resources.lake import LakeResource
from resources.warehouse import WarehouseResource

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

MATCHES_GOLD = "matches_gold"


@dataclass(frozen=True)
class View:
    """A view over the served table: its materialization lists the `listed` column in `order_by` order."""

    name: str
    description: str
    schema: dg.TableSchema
    listed: str
    order_by: str


def warehouse_asset(
    gold: TableRef,
    *,
    table: str,
    publish: Callable[[WarehouseResource, "pa.Table"], Mapping[str, int]],
    description: str,
    schema: dg.TableSchema,
    total: str | None = None,
    views: Sequence[View] = (),
    metadata: Mapping[str, object] | None = None,
) -> dg.AssetsDefinition:
    """`warehouse/<domain>/<gold table>`: `publish(warehouse, rows)` makes the warehouse table `table` equal
    the gold table and returns its counts (rows written, inserted, ...); `metadata`: more of the table's
    definition (its contract). `matches_gold`: the served table
    has gold's row count and, when `total` names a money column, gold's sum of it (to the cent)."""
    domain = gold.domain
    key = dg.AssetKey(["warehouse", domain, gold.name])
    owners = [OWNERS[domain]] if domain in OWNERS else []
    what = f"rows and sum of {total}" if total else "rows"
    specs = [
        dg.AssetSpec(
            key,
            description=description,
            group_name=domain,
            deps=[dg.AssetKey(gold.key)],
            kinds={"sql", "warehouse"},
            metadata={**(metadata or {}), "dagster/column_schema": schema},
            owners=owners,
        ),
        *(
            dg.AssetSpec(
                dg.AssetKey(["warehouse", domain, v.name]),
                description=v.description,
                group_name=domain,
                deps=[key],
                kinds={"sql", "warehouse"},
                metadata={"dagster/column_schema": v.schema},
                owners=owners,
            )
            for v in views
        ),
    ]

    @dg.multi_asset(
        name=f"warehouse_{domain}_{gold.name}",
        specs=specs,
        check_specs=[
            dg.AssetCheckSpec(
                MATCHES_GOLD, asset=key, description=f"The served table has the gold table's {what}."
            )
        ],
        can_subset=False,
        op_tags={DOMAIN_TAG: domain},
    )
    def _publish(
        context: dg.AssetExecutionContext, lake: LakeResource, warehouse: WarehouseResource
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        data = lake.lake().read_arrow(gold)
        counts = dict(publish(warehouse, data))
        context.log.info(f"published {table} to the {warehouse.dialect} warehouse: {counts}")
        yield _matches_gold(warehouse, key, table, data, total)
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                "dagster/row_count": data.num_rows,
                "table": table,
                "warehouse_dialect": warehouse.dialect,
                **{f"rows_{k}": v for k, v in counts.items()},
            },
        )
        for view in views:
            # Names are the builder's constants, never input: nothing here is user-controlled SQL.
            rows = warehouse.read(f"SELECT {view.listed} FROM {view.name} ORDER BY {view.order_by}")
            yield dg.MaterializeResult(
                asset_key=dg.AssetKey(["warehouse", domain, view.name]),
                metadata={
                    "dagster/row_count": len(rows),
                    "view": view.name,
                    f"{view.listed}s": dg.MetadataValue.json([r[view.listed] for r in rows]),
                },
            )

    return _publish


def _matches_gold(
    warehouse: WarehouseResource, key: dg.AssetKey, table: str, gold: "pa.Table", total: str | None
) -> dg.AssetCheckResult:
    import pyarrow.compute as pc

    measure = f", SUM({total}) AS total" if total else ""
    served = warehouse.read(f"SELECT COUNT(*) AS n{measure} FROM {table}")[0]
    same = served["n"] == gold.num_rows
    metadata: dict[str, object] = {"served_rows": served["n"], "gold_rows": gold.num_rows}
    if total:
        gold_total = pc.sum(gold.column(total)).as_py() if gold.num_rows else None
        served_total = served["total"]
        same = same and (
            (served_total is None and gold_total is None)
            or (
                served_total is not None
                and gold_total is not None
                and round(float(served_total) - float(gold_total), 2) == 0
            )
        )
        if served_total is not None:
            metadata["served_total"] = float(served_total)
        if gold_total is not None:
            metadata["gold_total"] = float(gold_total)
    return dg.AssetCheckResult(asset_key=key, check_name=MATCHES_GOLD, passed=bool(same), metadata=metadata)
