"""The Spark runner's AWS modes (glue, emr-serverless, emr) against a moto server on 127.0.0.1.

moto holds the services' API state; `FakeCompute` plays their compute: when a run appears in moto it
downloads the packaged entrypoint and code that the run names from S3, runs them with spark-submit (local
Spark) on the run's own arguments / environment, and moves the run to its final state, as the service
would.

What the fake does NOT verify: it runs local[1] Spark on this test venv, so it drops `--deploy-mode`, the
`spark.archives` deps archive and the `*PYSPARK_PYTHON` settings that point into it (the archive is only
named, never built or unpacked), and Glue's `--additional-python-modules` / `--datalake-formats` are not
installed. Those flags are asserted as parameters (`test_submit_parameters_*`), not executed. The step under test is the real ecommerce silver_orders asset on a few bronze rows (local lake).
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import boto3
import dagster as dg
import pyarrow as pa
import pytest

from platform_assets.core.lake import Lake
from platform_assets.core.spark import submit_conf_args
from platform_assets.ecommerce.sources import ORDERS
from resources.aws import packaging
from resources.lake import LakeResource
from resources.object_store import ObjectStoreResource
from resources.spark import SparkEngine, spark_engine, spark_submit

pytestmark = pytest.mark.spark

ACCOUNT, REGION = "123456789012", "us-east-1"
DT = "2025-04-01"
JOB = "omnilake-test"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/omnilake-jobs"


def backend(service: str):
    from moto.backends import get_backend

    return get_backend(service)[ACCOUNT][REGION]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return packaging.build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture
def aws(s3_endpoint: str, s3_bucket: str, wheel: Path, omnilake_home: Path, monkeypatch):
    """The job package on moto S3, a bronze orders partition in a local lake, the step's resources."""
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    deps = f"s3://{s3_bucket}/deps/omnilake-env.tar.gz"  # named only: FakeCompute runs on this venv
    pkg = packaging.package(f"s3://{s3_bucket}/packages", s3=s3, wheel=wheel, deps_archive=deps).package
    lake_root = str(omnilake_home / "lake")
    bronze = {c: [] for c in ORDERS.columns}
    rows = [
        ("1", "1001", "7", "2025-04-01T08:00:00", "12.50", DT),
        ("2", "1002", "8", "2025-04-01T09:30:00", "30.00", DT),
        ("3", "1003", "9", "2025-04-01T10:15:00", "7.25", DT),
        ("4", "1004", "9", "2025-04-01T11:00:00", "not-a-number", DT),
    ]
    for row in rows:
        for c, v in zip(ORDERS.columns, row):
            bronze[c].append(v)
    table = pa.table(
        {
            **{c: pa.array(v, pa.string()) for c, v in bronze.items()},
            "_source_file": pa.array(["orders.csv"] * len(rows)),
            "_row": pa.array(range(1, len(rows) + 1), pa.int64()),
            "_ingested_at": pa.array(
                [datetime(2025, 4, 1, 12, tzinfo=timezone.utc)] * len(rows), pa.timestamp("us", tz="UTC")
            ),
            "dt": pa.array([DT] * len(rows)),
        }
    )
    Lake(lake_root).write_arrow(table, "bronze/ecommerce/orders", [DT], partitioned=True)
    # The played job reaches moto through this variable (on AWS it is unset).
    monkeypatch.setenv("OMNILAKE_S3_ENDPOINT_URL", s3_endpoint)
    return {
        "endpoint": s3_endpoint,
        "bucket": s3_bucket,
        "package": pkg,
        "lake": LakeResource(root=lake_root),
        "landing": ObjectStoreResource(root=str(omnilake_home / "landing")),
        "runner": dict(
            region=REGION,
            endpoint_url=s3_endpoint,
            artifacts_uri=pkg.uri,
            pipes_s3_uri=f"s3://{s3_bucket}/pipes",
            role_arn=ROLE,
            poll_interval=0.2,
            message_interval=0.5,
        ),
        "workdir": omnilake_home / "compute",
    }


class FakeCompute(threading.Thread):
    """Plays one run of `mode`: `behaviour` is "succeed" (run the job), "fail" (end in `final_state`, the
    service's failure state, with FAILURE as its message) or "silent" (end SUCCEEDED without running
    anything: a job that never speaks Pipes)."""

    FAILURE = "Container killed by YARN for exceeding memory limits (exit 137)"

    def __init__(self, mode: str, behaviour: str, workdir: Path, endpoint: str, final_state: str = "FAILED"):
        super().__init__(daemon=True)
        self.mode, self.behaviour, self.workdir, self.endpoint = mode, behaviour, workdir, endpoint
        self.final_state = final_state
        # moto lives for the whole session: only runs started after this point belong to this test.
        self.before = self.run_ids()
        self.started: dict = {}
        self.log = ""
        self.error: BaseException | None = None
        self.done = threading.Event()

    def run(self) -> None:
        try:
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                if getattr(self, f"_{self.mode.replace('-', '_')}")():
                    return
                time.sleep(0.1)
            raise TimeoutError(f"no {self.mode} run appeared in moto")
        except BaseException as exc:  # reported by the test
            self.error = exc
        finally:
            self.done.set()

    # ---- the services ---------------------------------------------------------------------------------
    @staticmethod
    def run_ids() -> set[str]:
        glue = {r.job_run_id for j in backend("glue").jobs.values() for r in j.job_runs}
        serverless = {r.id for rs in backend("emr-serverless").job_runs.values() for r in rs}
        steps = {s.id for c in backend("emr").clusters.values() for s in c.steps}
        return glue | serverless | set(backend("emr").clusters) | steps

    def _glue(self) -> bool:
        job = backend("glue").jobs.get(JOB)
        runs = [r for r in (job.job_runs if job else []) if r.job_run_id not in self.before]
        if not runs:
            return False
        run = runs[0]
        run.status = "RUNNING"
        args = dict(run.arguments or {})
        self.started = {"script": job.command["ScriptLocation"], "arguments": args, "run_id": run.job_run_id}
        if self.behaviour == "succeed":
            # Glue hands every job argument to the script as `--key value`.
            flat = [x for k, v in args.items() for x in (k, v)]
            ok = self.play(["--py-files", args["--extra-py-files"], self.started["script"], *flat], {})
            run.status = "SUCCEEDED" if ok else "FAILED"
        else:
            run.status = self.final_state if self.behaviour == "fail" else "SUCCEEDED"
            if self.behaviour == "fail":
                run.error_message = self.FAILURE
        return True

    def _emr_serverless(self) -> bool:
        runs = [
            r for rs in backend("emr-serverless").job_runs.values() for r in rs if r.id not in self.before
        ]
        if not runs:
            return False
        run = runs[0]
        run.state = "RUNNING"
        driver = run.job_driver["sparkSubmit"]
        params = shlex.split(driver.get("sparkSubmitParameters", ""))
        self.started = {"driver": driver, "run_id": run.id, "params": params}
        env = {}
        for i, p in enumerate(params):
            if p == "--conf" and params[i + 1].startswith("spark.emr-serverless.driverEnv."):
                key, _, value = params[i + 1][len("spark.emr-serverless.driverEnv.") :].partition("=")
                env[key] = value
        self.started["env"] = env
        if self.behaviour == "succeed":
            ok = self.play([*params, driver["entryPoint"], *driver.get("entryPointArguments", [])], env)
            run.state = "SUCCESS" if ok else "FAILED"
        else:
            run.state = self.final_state if self.behaviour == "fail" else "SUCCESS"
            if self.behaviour == "fail":
                run.state_details = self.FAILURE
        return True

    def _emr(self) -> bool:
        clusters = [c for c in backend("emr").clusters.values() if c.steps and c.id not in self.before]
        if not clusters:
            return False
        cluster = clusters[0]
        step = cluster.steps[0]
        env = export_properties(cluster.configurations)
        self.started = {"args": list(step.args), "env": env, "run_id": cluster.id, "cluster": cluster}
        assert step.args[0] == "spark-submit"
        if self.behaviour == "succeed":
            ok = self.play(list(step.args[1:]), env)
            step.state = "COMPLETED" if ok else "FAILED"
        else:
            step.state = self.final_state if self.behaviour == "fail" else "COMPLETED"
            if self.behaviour == "fail":
                step.last_state_change_reason = self.FAILURE
        cluster.state = "TERMINATED" if step.state == "COMPLETED" else "TERMINATED_WITH_ERRORS"
        return True

    def _emr_step(self) -> bool:
        """A step added to a running cluster: the Pipes bootstrap rides in the entrypoint's arguments."""
        found = [(c, s) for c in backend("emr").clusters.values() for s in c.steps if s.id not in self.before]
        if not found:
            return False
        cluster, step = found[0]
        self.started = {"args": list(step.args), "env": {}, "run_id": f"{cluster.id}/{step.id}"}
        if self.behaviour == "succeed":
            ok = self.play(list(step.args[1:]), {})
            step.state = "COMPLETED" if ok else "FAILED"
        else:
            step.state = self.final_state if self.behaviour == "fail" else "COMPLETED"
            if self.behaviour == "fail":
                step.last_state_change_reason = self.FAILURE
        return True

    # ---- the compute ------------------------------------------------------------------------------------
    def fetch(self, uri: str) -> str:
        bucket, _, key = uri[len("s3://") :].partition("/")
        path = self.workdir / key.rsplit("/", 1)[-1]
        path.parent.mkdir(parents=True, exist_ok=True)
        boto3.client("s3", endpoint_url=self.endpoint).download_file(bucket, key, str(path))
        return str(path)

    @staticmethod
    def local_args(submit_args: list[str]) -> list[str]:
        """The run's spark-submit arguments minus what only a YARN / serverless container honours."""
        out, i = [], 0
        while i < len(submit_args):
            arg = submit_args[i]
            if arg == "--deploy-mode":
                i += 2
                continue
            if arg == "--conf":
                key = submit_args[i + 1].partition("=")[0]
                if key == "spark.archives" or key.endswith(("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON")):
                    i += 2
                    continue
            out.append(arg)
            i += 1
        return out

    def play(self, submit_args: list[str], env: dict[str, str]) -> bool:
        """spark-submit (local Spark) of the run's arguments, its s3:// artefacts downloaded first."""
        import os

        local = [self.fetch(a) if a.startswith("s3://") else a for a in self.local_args(submit_args)]
        command = [
            spark_submit(),
            "--master",
            "local[1]",
            *submit_conf_args(),
            "--conf",
            f"spark.pyspark.python={sys.executable}",
            "--conf",
            f"spark.pyspark.driver.python={sys.executable}",
            *local,
        ]
        run_env = {
            **os.environ,
            **env,
            "PYSPARK_PYTHON": sys.executable,
            "PYSPARK_DRIVER_PYTHON": sys.executable,
        }
        proc = subprocess.run(
            command, env=run_env, capture_output=True, text=True, cwd=self.workdir, timeout=240
        )
        self.log = proc.stdout[-4000:] + proc.stderr[-4000:]
        return proc.returncode == 0


def export_properties(configurations) -> dict[str, str]:
    """The `export` properties of the cluster's spark-env configuration (the driver's environment)."""
    for conf in configurations or []:
        if conf.get("Classification") == "spark-env":
            for inner in conf.get("Configurations", []):
                if inner.get("Classification") == "export":
                    return dict(inner.get("Properties", {}))
    return {}


@pytest.fixture(autouse=True)
def prompt_pipes_readers(monkeypatch):
    """moto's S3 holds every message the moment the job writes it: the Pipes readers' grace period for a
    cloud store's late writes (10 s after every job) would only slow these tests down."""
    from dagster._core.pipes import utils

    monkeypatch.setattr(utils, "WAIT_FOR_LOGS_AFTER_EXECUTION_INTERVAL", 0)


@pytest.fixture
def moto_modes(monkeypatch):
    """moto's job runs held until FakeCompute moves them, and Glue's error message on a failed run."""
    from moto.emrserverless import models as emr_serverless_models
    from moto.glue.models import FakeJobRun
    from moto.moto_api import state_manager

    state_manager.set_transition("glue::job_run", {"progression": "manual", "times": 10**9})
    monkeypatch.setattr(emr_serverless_models, "JOB_STATUS", "SUBMITTED")
    as_dict = FakeJobRun.as_dict

    def with_error(self):
        out = as_dict(self)
        if getattr(self, "error_message", None):
            out["ErrorMessage"] = self.error_message
        return out

    monkeypatch.setattr(FakeJobRun, "as_dict", with_error)
    yield
    state_manager.unset_transition("glue::job_run")


def prepare(mode: str, aws: dict, **settings) -> SparkEngine:
    extra = dict(settings)
    if mode == "glue":
        glue = boto3.client("glue", endpoint_url=aws["endpoint"])
        definition = packaging.glue_job_definition(aws["package"], role_arn=ROLE)
        glue.delete_job(JobName=JOB)  # the session's moto may hold one from an earlier test
        assert packaging.ensure_glue_job(glue, JOB, definition) == "created"
        extra["glue_job_name"] = JOB
    elif mode == "emr-step":
        cluster = boto3.client("emr", endpoint_url=aws["endpoint"]).run_job_flow(
            Name="omnilake-shared",
            ReleaseLabel="emr-7.5.0",
            Instances={
                "MasterInstanceType": "m5.xlarge",
                "InstanceCount": 1,
                "KeepJobFlowAliveWhenNoSteps": True,
            },
            JobFlowRole="EMR_EC2_DefaultRole",
            ServiceRole="EMR_DefaultRole",
        )
        return spark_engine("emr", emr_cluster_id=cluster["JobFlowId"], **aws["runner"], **extra)
    elif mode == "emr-serverless":
        client = boto3.client("emr-serverless", endpoint_url=aws["endpoint"])
        app = client.create_application(
            name=f"omnilake-{uuid.uuid4().hex[:6]}", releaseLabel="emr-7.5.0", type="SPARK"
        )
        extra["emr_serverless_application_id"] = app["applicationId"]
    return spark_engine(mode, **aws["runner"], **extra)


def materialize(runner: SparkEngine, aws: dict, compute: FakeCompute):
    from platform_assets.ecommerce.assets import silver_orders

    compute.start()
    result = dg.materialize(
        [silver_orders],
        partition_key=DT,
        resources={"spark": runner, "lake": aws["lake"], "landing": aws["landing"]},
        raise_on_error=False,
    )
    compute.done.wait(60)
    if compute.error:
        raise compute.error
    return result, silver_orders


def failure_message(result) -> str:
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failures, "the step did not fail"
    error = failures[0].step_failure_data.error
    return error.message + "".join((error.cause.message if error.cause else "",))


MODES = ["glue", "emr-serverless", "emr", "emr-step"]


@pytest.mark.parametrize("mode", MODES)
def test_runs_the_packaged_entrypoint_and_materializes(mode, aws, moto_modes):
    key_id = boto3.client("kms", endpoint_url=aws["endpoint"]).create_key()["KeyMetadata"]["KeyId"]
    compute = FakeCompute(mode, "succeed", aws["workdir"], aws["endpoint"])
    result, asset = materialize(prepare(mode, aws, sse_kms_key_id=key_id), aws, compute)
    assert result.success, failure_message(result) if not result.success else ""
    pkg = aws["package"]

    # The job was started on the package, with the Pipes bootstrap pointing at S3.
    if mode == "glue":
        assert compute.started["script"] == pkg.entrypoint
        args = compute.started["arguments"]
        assert args["--extra-py-files"] == pkg.python_path and args["--datalake-formats"] == "delta"
        assert {"--dagster-pipes-context", "--dagster-pipes-messages"} <= set(args)
    elif mode == "emr-serverless":
        assert compute.started["driver"]["entryPoint"] == pkg.entrypoint
        assert compute.started["params"][:2] == ["--py-files", pkg.python_path]
        assert {"DAGSTER_PIPES_CONTEXT", "DAGSTER_PIPES_MESSAGES"} <= set(compute.started["env"])
    elif mode == "emr":
        assert compute.started["args"][-1] == pkg.entrypoint and pkg.python_path in compute.started["args"]
        assert {"DAGSTER_PIPES_CONTEXT", "DAGSTER_PIPES_MESSAGES"} <= set(compute.started["env"])
    else:
        args = compute.started["args"]
        assert pkg.python_path in args and args[-5] == pkg.entrypoint
        assert args[-4] == "--dagster-pipes-context" and args[-2] == "--dagster-pipes-messages"

    # The entrypoint's metadata, reported through Pipes over S3.
    mats = {
        m.asset_key.to_user_string(): m.metadata
        for m in result.asset_materializations_for_node(asset.op.name)
    }
    silver, quarantine = mats["silver/ecommerce/orders"], mats["quarantine/ecommerce/orders"]
    assert silver["dagster/row_count"].value == 3 and quarantine["dagster/row_count"].value == 1
    assert silver["delta_version"].value == 0
    assert "order_id" in [c.name for c in silver["dagster/column_schema"].schema.columns]
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    # 1 order of 4 quarantined: above the 5% share, a warning; every other check passes.
    share = evaluations.pop("quarantine_share")
    assert (
        not share.passed
        and share.severity == dg.AssetCheckSeverity.WARN
        and share.metadata["share"].value == 0.25
    )
    assert evaluations and all(e.passed for e in evaluations.values()), evaluations
    # ...and the tables are really committed.
    assert Lake(aws["lake"].root).read_arrow("silver/ecommerce/orders").num_rows == 3
    # Pipes objects live under the configured prefix only (the context is deleted at the end), and the
    # job wrote its message chunks with SSE-KMS under the key the orchestrator passed along.
    s3 = boto3.client("s3", endpoint_url=aws["endpoint"])
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=aws["bucket"], Prefix="pipes/").get("Contents", [])]
    assert keys and all(k.startswith("pipes/messages/") for k in keys)
    for key in keys:
        head = s3.head_object(Bucket=aws["bucket"], Key=key)
        assert head.get("ServerSideEncryption") == "aws:kms" and head["SSEKMSKeyId"].endswith(key_id), key


FINAL_STATES = [
    *[("glue", s) for s in ("FAILED", "STOPPED", "TIMEOUT", "EXPIRED", "ERROR")],
    *[("emr-serverless", s) for s in ("FAILED", "CANCELLED")],
    *[(mode, s) for mode in ("emr", "emr-step") for s in ("FAILED", "CANCELLED")],
]


@pytest.mark.parametrize(("mode", "state"), FINAL_STATES)
def test_a_failed_run_fails_the_step_with_the_service_message(mode, state, aws, moto_modes):
    compute = FakeCompute(mode, "fail", aws["workdir"], aws["endpoint"], final_state=state)
    result, _ = materialize(prepare(mode, aws), aws, compute)
    assert not result.success
    message = failure_message(result)
    assert FakeCompute.FAILURE in message and compute.started["run_id"] in message
    assert state in message


@pytest.mark.parametrize("mode", MODES)
def test_a_run_that_never_speaks_pipes_fails_the_step(mode, aws, moto_modes):
    compute = FakeCompute(mode, "silent", aws["workdir"], aws["endpoint"])
    result, _ = materialize(prepare(mode, aws), aws, compute)
    assert not result.success
    message = failure_message(result)
    assert "never reported back through Dagster Pipes" in message and compute.started["run_id"] in message


def test_missing_settings_fail_clearly(aws):
    from platform_assets.ecommerce.assets import silver_orders

    runner = spark_engine("glue", **{**aws["runner"], "artifacts_uri": None})
    result = dg.materialize(
        [silver_orders],
        partition_key=DT,
        resources={"spark": runner, "lake": aws["lake"], "landing": aws["landing"]},
        raise_on_error=False,
    )
    assert "OMNILAKE_AWS_ARTIFACTS" in failure_message(result)
    runner = spark_engine("glue", **aws["runner"])  # no Glue job name
    result = dg.materialize(
        [silver_orders],
        partition_key=DT,
        resources={"spark": runner, "lake": aws["lake"], "landing": aws["landing"]},
        raise_on_error=False,
    )
    assert "OMNILAKE_GLUE_JOB_NAME" in failure_message(result)


def test_submit_parameters_put_the_driver_where_the_deps_archive_is(aws):
    from resources.aws.runners import emr_step_args, spark_submit_parameters, submit_parameters_string

    pkg = aws["package"]
    archive = f"spark.archives={pkg.deps_archive}#environment"
    serverless = submit_parameters_string(spark_submit_parameters(pkg, {"spark.executor.cores": "2"}))
    # A plain space join: '#' stays bare (shlex quoting would hand EMR Serverless a quoted value).
    assert serverless.split(" ")[:2] == ["--py-files", pkg.python_path] and f"--conf {archive}" in serverless
    assert (
        "'" not in serverless
        and "spark.emr-serverless.driverEnv.PYSPARK_PYTHON=./environment/bin/python" in serverless
    )
    assert "--conf spark.executor.cores=2" in serverless and "appMasterEnv" not in serverless
    step = emr_step_args(pkg)
    assert step[:3] == ["spark-submit", "--deploy-mode", "cluster"] and step[-1] == pkg.entrypoint
    assert archive in step and "spark.yarn.appMasterEnv.PYSPARK_PYTHON=./environment/bin/python" in step
    assert "spark.executorEnv.PYSPARK_PYTHON=./environment/bin/python" in step
    assert not any("emr-serverless" in a for a in step)
    assert packaging.job_parameters(pkg)["emr-serverless"][
        "sparkSubmitParameters"
    ] == submit_parameters_string(spark_submit_parameters(pkg))
    for bad in ("spark.driver.extraJavaOptions=-Da=1 -Db=2", ""):
        with pytest.raises(ValueError, match="whitespace"):
            submit_parameters_string(["--conf", bad])


@pytest.mark.parametrize("mode", ["emr-serverless", "emr", "emr-step"])
def test_emr_modes_without_a_deps_archive_fail_early(mode, aws, wheel, moto_modes):
    from platform_assets.ecommerce.assets import silver_orders

    s3 = boto3.client("s3", endpoint_url=aws["endpoint"])
    bare = packaging.package(f"s3://{aws['bucket']}/bare-packages", s3=s3, wheel=wheel).package
    runner = prepare(mode, {**aws, "runner": {**aws["runner"], "artifacts_uri": bare.uri}})
    result = dg.materialize(
        [silver_orders],
        partition_key=DT,
        resources={"spark": runner, "lake": aws["lake"], "landing": aws["landing"]},
        raise_on_error=False,
    )
    assert "no dependency archive" in failure_message(result) and "--deps-archive" in failure_message(result)


def test_glue_job_updates_keep_its_settings_and_a_stale_script_fails_clearly(aws):
    """moto has no UpdateJob: the JobUpdate is built from moto's real GetJob answer and checked as a value."""
    from resources.aws.runners import check_glue_script

    glue = boto3.client("glue", endpoint_url=aws["endpoint"])
    name = f"omnilake-{uuid.uuid4().hex[:6]}"
    pkg = aws["package"]
    glue.create_job(
        Name=name,
        Role=ROLE,
        Command={"Name": "glueetl", "ScriptLocation": "s3://elsewhere/old_entrypoint.py"},
        ExecutionClass="FLEX",
        SecurityConfiguration="omnilake-kms",
        Connections={"Connections": ["vpc"]},
        MaxCapacity=10.0,
    )
    with pytest.raises(dg.Failure, match=f"omnilake aws package --glue-job {name}"):
        check_glue_script(glue, name, pkg)
    current = glue.get_job(JobName=name)["Job"]
    update = packaging.job_update(current, packaging.glue_job_definition(pkg, role_arn=ROLE))
    assert update["Command"]["ScriptLocation"] == pkg.entrypoint and update["WorkerType"] == "G.1X"
    assert update["ExecutionClass"] == "FLEX" and update["SecurityConfiguration"] == "omnilake-kms"
    assert update["Connections"] == {"Connections": ["vpc"]}
    assert not {"Name", "CreatedOn", "LastModifiedOn", "MaxCapacity", "AllocatedCapacity"} & set(update)
    kms = packaging.glue_job_definition(pkg, role_arn=ROLE, security_configuration="omnilake-kms-2")
    assert packaging.job_update(current, kms)["SecurityConfiguration"] == "omnilake-kms-2"
    # A job created from the package passes the check.
    fresh = f"{name}-new"
    assert (
        packaging.ensure_glue_job(glue, fresh, packaging.glue_job_definition(pkg, role_arn=ROLE)) == "created"
    )
    check_glue_script(glue, fresh, pkg)


def test_service_logs_use_the_kms_key_and_emr_its_own_service_role(aws):
    from types import SimpleNamespace

    from resources.aws.runners import (
        emr_run_job_flow_params,
        emr_serverless_start_params,
        glue_arguments,
    )

    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234"
    settings = {**aws["runner"], "emr_log_uri": "s3://logs/emr/", "sse_kms_key_id": key}
    spec, pkg = SimpleNamespace(transform="ecommerce.silver_orders"), aws["package"]
    serverless = emr_serverless_start_params(
        spark_engine("emr-serverless", emr_serverless_application_id="app", **settings), pkg, spec
    )
    s3_logs = serverless["configurationOverrides"]["monitoringConfiguration"]["s3MonitoringConfiguration"]
    assert s3_logs == {"logUri": "s3://logs/emr/", "encryptionKeyArn": key}
    flow = emr_run_job_flow_params(spark_engine("emr", **settings), pkg, spec)
    assert flow["LogUri"] == "s3://logs/emr/" and flow["LogEncryptionKmsKeyId"] == key
    # The cluster's service role is its own setting, never the jobs' execution role.
    assert flow["ServiceRole"] == "EMR_DefaultRole" and ROLE not in flow["ServiceRole"]
    custom = spark_engine("emr", emr_service_role="omnilake-emr-service", **settings)
    assert emr_run_job_flow_params(custom, pkg, spec)["ServiceRole"] == "omnilake-emr-service"
    assert "--enable-glue-datacatalog" not in glue_arguments(pkg)
