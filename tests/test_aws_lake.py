"""The lake and landing zone on S3 (a moto server in its own process): Delta read-back, SSE-KMS on every
object the platform writes, the job package on S3, and gold tables in the Glue Data Catalog."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import boto3
import dagster as dg
import pyarrow as pa
import pytest

from platform_assets.aws import catalog
from platform_assets.core.lake import TableRef
from resources.aws import packaging
from resources.lake import LakeResource
from resources.object_store import ObjectStoreResource

GOLD = TableRef("gold", "shop", "daily_sales")


@pytest.fixture
def bucket(s3_process_endpoint: str) -> str:
    name = f"lake-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_process_endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture
def kms_key(s3_process_endpoint: str) -> str:
    return boto3.client("kms", endpoint_url=s3_process_endpoint).create_key()["KeyMetadata"]["KeyId"]


def sales(dts: list[str], base: int = 0) -> pa.Table:
    rows = [(d, i) for d in dts for i in range(3)]
    return pa.table(
        {
            "dt": [d for d, _ in rows],
            "orders": pa.array([base + i for _, i in rows], pa.int64()),
            "revenue": pa.array([1.5 * (base + i) for _, i in rows], pa.float64()),
            "at": pa.array(
                [datetime(2025, 4, 1, tzinfo=timezone.utc)] * len(rows), pa.timestamp("us", tz="UTC")
            ),
        }
    )


def every_key(s3, bucket: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [o["Key"] for page in pages for o in page.get("Contents", [])]


def test_two_writers_at_the_same_version_both_commit_without_losing_rows(s3_process_endpoint, bucket):
    """Two handles opened at the same version each replace a different `dt` partition with the lake's own
    storage options: S3 conditional put makes the second commit of version N+1 lose the put, delta-rs sees
    the winner's commit touches another partition and retries as N+2. Two writers of the same partition: the
    loser raises CommitFailedError. Nothing is ever overwritten."""
    from deltalake import DeltaTable, write_deltalake
    from deltalake.exceptions import CommitFailedError

    resource = LakeResource(root=f"s3://{bucket}/lake", endpoint_url=s3_process_endpoint)
    lake = resource.lake()
    start = lake.write_arrow(
        sales(["2025-04-01", "2025-04-02"]), GOLD, ["2025-04-01", "2025-04-02"], partitioned=True
    )
    uri, options = lake.uri(GOLD), resource.storage_options()
    first, second = DeltaTable(uri, storage_options=options), DeltaTable(uri, storage_options=options)
    assert first.version() == second.version() == start.version

    write_deltalake(first, sales(["2025-04-01"], base=10), mode="overwrite", predicate="dt IN ('2025-04-01')")
    write_deltalake(
        second, sales(["2025-04-02"], base=20), mode="overwrite", predicate="dt IN ('2025-04-02')"
    )

    final = DeltaTable(uri, storage_options=options)
    assert final.version() == start.version + 2
    ops = [h["operation"] for h in final.history(2)]
    assert ops == ["WRITE", "WRITE"]
    back = lake.read_arrow(GOLD).sort_by([("dt", "ascending"), ("orders", "ascending")])
    assert back["dt"].to_pylist() == ["2025-04-01"] * 3 + ["2025-04-02"] * 3
    assert back["orders"].to_pylist() == [10, 11, 12, 20, 21, 22]

    # The same partition from two handles: the loser fails cleanly and the winner's commit stays intact.
    third, fourth = DeltaTable(uri, storage_options=options), DeltaTable(uri, storage_options=options)
    write_deltalake(third, sales(["2025-04-01"], base=30), mode="overwrite", predicate="dt IN ('2025-04-01')")
    with pytest.raises(CommitFailedError, match="concurrent"):
        write_deltalake(
            fourth, sales(["2025-04-01"], base=40), mode="overwrite", predicate="dt IN ('2025-04-01')"
        )
    assert DeltaTable(uri, storage_options=options).version() == start.version + 3
    assert lake.read_arrow(GOLD, ["2025-04-01"])["orders"].to_pylist() == [30, 31, 32]


def test_delta_on_s3_reads_back_and_every_object_uses_sse_kms(
    s3_process_endpoint, bucket, kms_key, spark, tmp_path
):
    s3 = boto3.client("s3", endpoint_url=s3_process_endpoint)
    resource = LakeResource(
        root=f"s3://{bucket}/lake", endpoint_url=s3_process_endpoint, sse_kms_key_id=kms_key
    )
    options = resource.storage_options()
    # Safe concurrent commits: conditional puts, never the unsafe rename.
    assert options["AWS_CONDITIONAL_PUT"] == "etag" and "AWS_S3_ALLOW_UNSAFE_RENAME" not in options
    lake = resource.lake()

    first = lake.write_arrow(
        sales(["2025-04-01", "2025-04-02"]), GOLD, ["2025-04-01", "2025-04-02"], partitioned=True
    )
    again = lake.write_arrow(sales(["2025-04-02"], base=10), GOLD, ["2025-04-02"], partitioned=True)
    assert (first.version, again.version) == (0, 1)
    back = lake.read_arrow(GOLD).sort_by([("dt", "ascending"), ("orders", "ascending")])
    expected = pa.concat_tables([sales(["2025-04-01"]), sales(["2025-04-02"], base=10)])
    assert back.select(expected.column_names).cast(expected.schema).equals(expected)
    assert lake.read_arrow(GOLD, ["2025-04-01"]).num_rows == 3
    # Time travel still sees the replaced partition.
    assert sorted(lake.read_arrow(GOLD, ["2025-04-02"], version=0)["orders"].to_pylist()) == [0, 1, 2]

    # The Spark path of the lake (driver -> delta-rs on S3) reads back identically too.
    df = spark.createDataFrame(sales(["2025-04-03"]).to_pandas())
    ref = TableRef("silver", "shop", "orders")
    written = lake.write(df, ref, ["2025-04-03"], partitioned=True)
    assert written.rows == 3 and written.rows_by_dt == {"2025-04-03": 3}
    assert sorted(lake.read(spark, ref).collect()) == sorted(
        df.select(*lake.arrow_schema(ref).names).collect()
    )

    # Landing writes and the job package land in the same bucket with the same key.
    landing = ObjectStoreResource(
        root=f"s3://{bucket}/landing", endpoint_url=s3_process_endpoint, sse_kms_key_id=kms_key
    )
    landing.store().write_bytes("shop/orders/2025-04-01/orders.csv", b"order_id\n1\n")
    wheel = tmp_path / "omnilake-0.0.0-py3-none-any.whl"
    _tiny_wheel(wheel)
    packaging.package(
        f"s3://{bucket}/packages",
        s3=boto3.client("s3", endpoint_url=s3_process_endpoint),
        sse_kms_key_id=kms_key,
        wheel=wheel,
    )

    keys = every_key(s3, bucket)
    kinds = {
        "delta log": [k for k in keys if "/_delta_log/" in k],
        "data file": [k for k in keys if k.startswith("lake/") and k.endswith(".parquet")],
        "landing": [k for k in keys if k.startswith("landing/")],
        "package": [k for k in keys if k.startswith("packages/")],
    }
    assert all(kinds.values()), {k: len(v) for k, v in kinds.items()}
    for key in keys:
        head = s3.head_object(Bucket=bucket, Key=key)
        assert head.get("ServerSideEncryption") == "aws:kms", key
        assert head["SSEKMSKeyId"].endswith(kms_key), key


def _tiny_wheel(path) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("omnilake_probe/__init__.py", "VALUE = 1\n")


def test_package_builds_the_wheel_and_is_idempotent(
    s3_process_endpoint, bucket, monkeypatch, capsys, tmp_path
):
    from platform_assets.cli import main

    monkeypatch.setenv("OMNILAKE_S3_ENDPOINT_URL", s3_process_endpoint)
    monkeypatch.delenv("OMNILAKE_S3_SSE_KMS_KEY_ID", raising=False)
    role = "arn:aws:iam::123456789012:role/omnilake-glue"
    assert main(["aws", "package", f"s3://{bucket}/pkg", "--glue-job", "omnilake", "--role-arn", role]) == 0
    first = capsys.readouterr()
    out = json.loads(first.out)
    assert "uploaded" in first.err and out["glue"]["job"] == {"omnilake": "created"}
    uri = out["OMNILAKE_AWS_ARTIFACTS"]
    assert uri.startswith(f"s3://{bucket}/pkg/")
    s3 = boto3.client("s3", endpoint_url=s3_process_endpoint)
    digest = uri.rsplit("/", 1)[1]
    keys = sorted(k.rsplit("/", 1)[1] for k in every_key(s3, bucket))
    assert keys == [
        "entrypoint.py",
        "manifest.json",
        "omnilake-0.1.0-py3-none-any.whl",
        "omnilake-0.1.0-py3-none-any.zip",
    ]
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=f"pkg/{digest}/manifest.json")["Body"].read())
    assert manifest["entrypoint"] == f"{uri}/entrypoint.py" and manifest["wheel"].endswith(".whl")
    assert any(r.startswith("deltalake==") for r in manifest["requirements"])

    # The wheel is the project: the packages the entrypoint imports are inside.
    import io
    import zipfile

    wheel = s3.get_object(Bucket=bucket, Key=f"pkg/{digest}/omnilake-0.1.0-py3-none-any.whl")["Body"].read()
    names = zipfile.ZipFile(io.BytesIO(wheel)).namelist()
    assert "platform_assets/core/execution.py" in names and "platform_assets/ecommerce/transforms.py" in names

    # Each mode's parameters point at the package.
    assert out["glue"]["DefaultArguments"]["--extra-py-files"] == manifest["py_files"]
    assert out["glue"]["DefaultArguments"]["--datalake-formats"] == "delta"
    assert "--py-files" in out["emr-serverless"]["sparkSubmitParameters"]
    assert out["emr"]["step_args"][-1] == manifest["entrypoint"]
    job = boto3.client("glue", endpoint_url=s3_process_endpoint).get_job(JobName="omnilake")["Job"]
    assert job["Command"]["ScriptLocation"] == manifest["entrypoint"] and job["Role"] == role

    # Same code again (the same wheel: other work may change the checkout meanwhile): same URI, nothing
    # uploaded, the Glue job left as it is.
    wheel_path = tmp_path / "omnilake-0.1.0-py3-none-any.whl"
    wheel_path.write_bytes(wheel)
    again = packaging.package(f"s3://{bucket}/pkg", s3=s3, wheel=wheel_path)
    assert again.package.uri == uri and not again.uploaded
    glue = boto3.client("glue", endpoint_url=s3_process_endpoint)
    assert (
        packaging.ensure_glue_job(
            glue, "omnilake", packaging.glue_job_definition(again.package, role_arn=role)
        )
        == "unchanged"
    )
    assert len(every_key(s3, bucket)) == 4
    # --bucket/--prefix is the same as the URI form.
    assert main(["aws", "package", "--bucket", bucket, "--prefix", "pkg"]) == 0
    assert json.loads(capsys.readouterr().out)["OMNILAKE_AWS_ARTIFACTS"].startswith(f"s3://{bucket}/pkg/")
    assert main(["aws", "package"]) == 2


def test_gold_tables_are_registered_in_the_glue_catalog(s3_process_endpoint, bucket):
    lake_resource = LakeResource(root=f"s3://{bucket}/lake", endpoint_url=s3_process_endpoint)
    lake = lake_resource.lake()
    lake.write_arrow(sales(["2025-04-01"]), GOLD, ["2025-04-01"], partitioned=True)
    summary = TableRef("gold", "shop", "summary")
    lake.write_arrow(
        pa.table(
            {"user_id": pa.array([1, 2], pa.int64()), "tags": pa.array([["a"], []], pa.list_(pa.string()))}
        ),
        summary,
        None,
        partitioned=False,
    )
    pending = TableRef("gold", "shop", "not_yet")
    asset = catalog.glue_catalog_asset("shop", [GOLD, summary, pending])
    assert asset.key == dg.AssetKey(["catalog", "shop", "glue"])
    assert {k.to_user_string() for k in asset.dependency_keys} == {
        "gold/shop/daily_sales",
        "gold/shop/summary",
        "gold/shop/not_yet",
    }
    glue_resource = catalog.GlueCatalogResource(endpoint_url=s3_process_endpoint, region="us-east-1")
    resources = {"lake": lake_resource, "glue_catalog": glue_resource}

    result = dg.materialize([asset], resources=resources)
    assert result.success
    md = result.asset_materializations_for_node(asset.op.name)[0].metadata
    assert md["registered"].value == 2
    assert md["tables"].value["not_yet"]["action"].startswith("skipped")

    glue = boto3.client("glue", endpoint_url=s3_process_endpoint)
    table = glue.get_table(DatabaseName="omnilake_shop", Name="daily_sales")["Table"]
    assert table["StorageDescriptor"]["Location"] == f"s3://{bucket}/lake/gold/shop/daily_sales"
    assert table["StorageDescriptor"]["SerdeInfo"]["Parameters"] == {
        "serialization.format": "1",
        "path": f"s3://{bucket}/lake/gold/shop/daily_sales",
    }
    assert [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]] == [
        ("orders", "bigint"),
        ("revenue", "double"),
        ("at", "timestamp"),
    ]
    assert table["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]
    assert table["Parameters"]["table_type"] == "DELTA"
    assert table["Parameters"]["spark.sql.sources.provider"] == "delta"
    assert table["Parameters"]["omnilake.delta_version"] == "0"
    flat = glue.get_table(DatabaseName="omnilake_shop", Name="summary")["Table"]
    assert flat["PartitionKeys"] == []
    assert [(c["Name"], c["Type"]) for c in flat["StorageDescriptor"]["Columns"]] == [
        ("user_id", "bigint"),
        ("tags", "array<string>"),
    ]

    # A new commit, registered again: updated in place, not duplicated.
    lake.write_arrow(sales(["2025-04-02"]), GOLD, ["2025-04-02"], partitioned=True)
    again = dg.materialize([asset], resources=resources)
    assert (
        again.asset_materializations_for_node(asset.op.name)[0]
        .metadata["tables"]
        .value["daily_sales"]["action"]
        == "updated"
    )
    tables = glue.get_tables(DatabaseName="omnilake_shop")["TableList"]
    assert sorted(t["Name"] for t in tables) == ["daily_sales", "summary"]
    assert (
        glue.get_table(DatabaseName="omnilake_shop", Name="daily_sales")["Table"]["Parameters"][
            "omnilake.delta_version"
        ]
        == "1"
    )


def test_catalog_builder_covers_every_domain_with_gold_tables() -> None:
    import importlib

    from platform_assets.domains import DOMAINS

    domain_defs = {d: importlib.import_module(f"platform_assets.{d}.definitions").defs for d in DOMAINS}
    defs = catalog.catalog_definitions(domain_defs)
    keys = {a.key for a in defs.assets}
    for domain, d in domain_defs.items():
        gold = catalog.gold_tables(d)
        if gold:
            assert dg.AssetKey(["catalog", domain, "glue"]) in keys
    assert catalog.gold_tables(domain_defs["ecommerce"])[0].layer == "gold"
    with pytest.raises(dg.Failure, match="needs the lake on S3"):
        catalog.register_gold_tables(None, "db", LakeResource(root="/tmp/x").lake(), [GOLD])
