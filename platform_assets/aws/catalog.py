"""Gold tables in the AWS Glue Data Catalog, so Athena (and Glue/EMR Spark) can query them by name.

One asset per domain, `["catalog", <domain>, "glue"]`, downstream of every gold table of the domain: it
creates or updates database `<prefix><domain>` and one Glue table per gold Delta table (location, columns
with Hive types from the Delta schema, partition key `dt` where the table is partitioned, and the table
parameters Athena's Delta reader and Spark look for). Re-registration updates the table in place.

Active only with OMNILAKE_GLUE_CATALOG=1 and a lake on S3 (platform_assets/definitions.py): the local
demo needs no AWS. Gold tables are found generically in each domain's Definitions (keys `gold/<domain>/*`).
"""

from typing import Any, Sequence

import dagster as dg
import pyarrow as pa

from platform_assets.core.lake import Lake, TableRef
from resources.glue_catalog import GlueCatalogResource
from resources.lake import LakeResource

DELTA_PARAMETERS = {
    "table_type": "DELTA",  # Athena's native Delta Lake reader
    "classification": "delta",
    "spark.sql.sources.provider": "delta",
    "EXTERNAL": "TRUE",
}
_PARQUET = {
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
}


def hive_type(t: pa.DataType) -> str:
    """The Glue/Hive column type of an Arrow (Delta) type."""
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "string"
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return f"array<{hive_type(t.value_type)}>"
    if pa.types.is_map(t):
        return f"map<{hive_type(t.key_type)},{hive_type(t.item_type)}>"
    if pa.types.is_struct(t):
        return "struct<" + ",".join(f"{f.name}:{hive_type(f.type)}" for f in t) + ">"
    simple = {
        pa.int64(): "bigint",
        pa.int32(): "int",
        pa.int16(): "smallint",
        pa.int8(): "tinyint",
        pa.float64(): "double",
        pa.float32(): "float",
        pa.bool_(): "boolean",
        pa.date32(): "date",
        pa.binary(): "binary",
        pa.large_binary(): "binary",
    }
    if t in simple:
        return simple[t]
    raise ValueError(f"no Glue type for Arrow type {t}")


def table_input(
    ref: TableRef, location: str, schema: pa.Schema, partitions: Sequence[str], version: int
) -> dict:
    """The Glue `TableInput` of a Delta table."""
    columns = [{"Name": f.name, "Type": hive_type(f.type)} for f in schema if f.name not in partitions]
    keys = [{"Name": f.name, "Type": hive_type(f.type)} for f in schema if f.name in partitions]
    return {
        "Name": ref.name,
        "Description": f"omnilake {ref.path} (Delta Lake)",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {
            **DELTA_PARAMETERS,
            "omnilake.table": ref.path,
            "omnilake.delta_version": str(version),
        },
        "PartitionKeys": keys,
        "StorageDescriptor": {
            "Columns": columns,
            "Location": location,
            **_PARQUET,
            # Spark's Hive client finds a `spark.sql.sources.provider` table's data under the serde's "path".
            "SerdeInfo": {
                **_PARQUET["SerdeInfo"],
                "Parameters": {"serialization.format": "1", "path": location},
            },
        },
    }


def ensure_database(glue: Any, name: str, description: str) -> None:
    try:
        glue.get_database(Name=name)
    except glue.exceptions.EntityNotFoundException:
        glue.create_database(DatabaseInput={"Name": name, "Description": description})


def register_table(glue: Any, database: str, spec: dict) -> str:
    """Create the table, or update it in place (no duplicates): "created" or "updated"."""
    try:
        glue.get_table(DatabaseName=database, Name=spec["Name"])
    except glue.exceptions.EntityNotFoundException:
        glue.create_table(DatabaseName=database, TableInput=spec)
        return "created"
    glue.update_table(DatabaseName=database, TableInput=spec)
    return "updated"


def register_gold_tables(glue: Any, database: str, lake: Lake, tables: Sequence[TableRef]) -> dict[str, dict]:
    """Register every existing table of `tables`; tables not materialized yet are reported, not failed."""
    if lake.is_local:
        raise dg.Failure(
            f"the Glue Data Catalog needs the lake on S3 (OMNILAKE_LAKE=s3://...), not {lake.root}"
        )
    ensure_database(glue, database, "omnilake gold tables (Delta Lake on S3)")
    out: dict[str, dict] = {}
    for ref in tables:
        if not lake.exists(ref):
            out[ref.name] = {"action": "skipped: not materialized yet"}
            continue
        dt = lake.delta(ref)
        partitions = list(dt.metadata().partition_columns)
        spec = table_input(ref, lake.uri(ref), pa.schema(dt.schema().to_arrow()), partitions, dt.version())
        out[ref.name] = {"action": register_table(glue, database, spec), "partitioned_by": partitions}
    return out


def gold_tables(defs: dg.Definitions) -> list[TableRef]:
    """The gold tables among a domain's assets (keys `gold/<domain>/<table>`)."""
    keys: list[dg.AssetKey] = []
    for item in defs.assets or []:
        keys += list(item.keys) if isinstance(item, dg.AssetsDefinition) else [item.key]
    return sorted(
        {TableRef(*k.path) for k in keys if len(k.path) == 3 and k.path[0] == "gold"}, key=lambda r: r.path
    )


def glue_catalog_asset(domain: str, tables: Sequence[TableRef]) -> dg.AssetsDefinition:
    names = ", ".join(t.name for t in tables)

    @dg.asset(
        key=["catalog", domain, "glue"],
        deps=[dg.AssetKey(t.key) for t in tables],
        group_name=domain,
        kinds={"glue", "athena"},
        description=f"The {domain} gold tables ({names}) registered in the Glue Data Catalog for Athena.",
    )
    def _catalog(context: dg.AssetExecutionContext, lake: LakeResource, glue_catalog: GlueCatalogResource):
        database = glue_catalog.database(domain)
        result = register_gold_tables(glue_catalog.client(), database, lake.lake(), tables)
        for name, item in result.items():
            context.log.info(f"{database}.{name}: {item['action']}")
        return dg.MaterializeResult(
            metadata={
                "database": database,
                "tables": dg.MetadataValue.json(result),
                "registered": sum(1 for r in result.values() if r["action"] in ("created", "updated")),
            }
        )

    return _catalog


def catalog_definitions(domain_defs: dict[str, dg.Definitions]) -> dg.Definitions:
    """One catalog asset per domain that has gold tables."""
    assets = []
    for domain, defs in domain_defs.items():
        tables = gold_tables(defs)
        if tables:
            assets.append(glue_catalog_asset(domain, tables))
    return dg.Definitions(assets=assets)
