"""Event-driven ingestion on a Dagster instance: a purchases file put into an S3 bucket (a moto server on
127.0.0.1) is seen by the landing sensor, whose run request, executed, serves the file's customers."""

import boto3
import dagster as dg

from platform_assets.definitions import build_definitions
from resources.lake import LakeResource
from resources.object_store import ObjectStoreResource
from resources.spark import spark_engine
from resources.warehouse import WarehouseResource

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
DAY = "2025-02-03"
PURCHASES_CSV = (
    "customer_id,first_name,last_name,email,purchase_id,purchase_date,amount,currency\r\n"
    "7001, Mona ,Flores,Mona.Flores@Example.com,31000001,2025-02-02,410.5,usd\r\n"
    "7002,Tina,Campbell,tina.campbell@example.com,31000002,2025-02-03,120,AUD\r\n"
    "7001,Mona,Flores,mona.flores@example.com,31000003,2025-02-03,10.00,AUD\r\n"
    "7003,Bad,Row,not-an-email,31000004,2025-02-03,5,AUD\r\n"
)
FX_CSV = "date,currency,aud_per_unit\n2025-01-31,USD,1.5\n2025-02-03,USD,1.6\n"


def test_a_file_landing_in_s3_reaches_the_served_table_through_the_sensor(
    s3_bucket, s3_endpoint, tmp_path, spark
):
    root = f"s3://{s3_bucket}/landing"
    landing = ObjectStoreResource(root=root, endpoint_url=s3_endpoint)
    warehouse_url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    defs = build_definitions(
        {
            "spark": spark_engine("sail"),
            "lake": LakeResource(root=str(tmp_path / "lake")),  # the lake can stay local
            "landing": landing,
            "warehouse": WarehouseResource(url=warehouse_url),
        }
    )
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.put_object(
        Bucket=s3_bucket, Key=f"landing/purchases/fx_rates/{DAY}/fx_rates.csv", Body=FX_CSV.encode()
    )
    s3.put_object(
        Bucket=s3_bucket, Key=f"landing/purchases/purchases/{DAY}/purchases.csv", Body=PURCHASES_CSV.encode()
    )

    sensor = defs.resolve_sensor_def("purchases_purchases_landing")
    with dg.instance_for_test() as instance:
        with dg.build_sensor_context(instance=instance, resources={"landing": landing}) as ctx:
            tick = sensor.evaluate_tick(ctx)
        assert len(tick.run_requests) == 1
        request = tick.run_requests[0]
        assert (request.tags[RANGE_START], request.tags[RANGE_END]) == (DAY, DAY)
        assert request.job_name == "purchases_purchases_landing_job"

        result = defs.resolve_job_def(request.job_name).execute_in_process(
            instance=instance, tags=request.tags, run_config=request.run_config, raise_on_error=False
        )
        assert result.success, [e.event_specific_data.error.message for e in result.get_step_failure_events()]

        # Nothing new: the next tick requests nothing.
        with dg.build_sensor_context(
            instance=instance, resources={"landing": landing}, cursor=tick.cursor
        ) as ctx:
            assert not sensor.evaluate_tick(ctx).run_requests

    served = {
        r["customer_id"]: r
        for r in WarehouseResource(url=warehouse_url).read(
            "select customer_id, full_name, email, purchases, total_spent_aud from customer_purchase_summary"
        )
    }
    assert sorted(served) == [7001, 7002]  # 7003's only row broke email_valid
    # 410.50 USD at the latest rate on or before 2025-02-02 (1.5, Friday's) + 10.00 AUD.
    assert float(served[7001]["total_spent_aud"]) == 615.75 + 10.00
    assert served[7001]["email"] == "mona.flores@example.com" and served[7001]["full_name"] == "Mona Flores"
    assert served[7002]["purchases"] == 1 and float(served[7002]["total_spent_aud"]) == 120.0
