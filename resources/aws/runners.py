"""Run the generic Spark entrypoint on AWS Glue, EMR Serverless or EMR, through Dagster Pipes over S3.

The launchers are dagster-aws's `PipesGlueClient`, `PipesEMRServerlessClient` and `PipesEMRClient` (plus a
small step launcher for an already running EMR cluster). Context and messages travel through S3
(`PipesS3ContextInjector` / `PipesS3MessageReader` under a configurable prefix), so no CloudWatch is needed.

Two guards the stock clients lack: a run that ends in any state but success (FAILED / CANCELLED / STOPPED /
TIMEOUT / ERROR / EXPIRED, the last one a Flex run that never got capacity) fails the step with the service's own error message and the run id; and a run that ends well but never spoke Pipes
(no `closed` message: wrong script, missing package, a job that exits early) fails the step too, where the
stock clients would report success with nothing materialized.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

import dagster as dg
from dagster_aws.pipes import (
    PipesEMRClient,
    PipesEMRServerlessClient,
    PipesGlueClient,
    PipesS3ContextInjector,
    PipesS3MessageReader,
)

from platform_assets.core.entrypoint import SPEC_EXTRA, SSE_KMS_PARAM
from platform_assets.core.execution import JobSpec
from platform_assets.core.storage import enforce_sse_kms
from resources.spark import EngineRun

if TYPE_CHECKING:  # pragma: no cover
    from resources.spark import AwsEngine

MANIFEST = "manifest.json"
# Any Glue state outside these is terminal (SUCCEEDED, FAILED, STOPPED, TIMEOUT, ERROR, EXPIRED, ...).
GLUE_ACTIVE = ("STARTING", "RUNNING", "STOPPING", "WAITING")
SERVERLESS_WAITING = ("PENDING", "SUBMITTED", "SCHEDULED", "RUNNING", "QUEUED")
CLUSTER_DONE = ("TERMINATED", "TERMINATED_WITH_ERRORS")
STEP_DONE = ("COMPLETED", "CANCELLED", "FAILED", "INTERRUPTED")


def split_s3(uri: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` -> ("bucket", "some/prefix/") (prefix '' or ending with '/')."""
    if not uri or not uri.startswith("s3://"):
        raise ValueError(f"expected an s3:// URI, got {uri!r}")
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


@dataclass
class RunOutcome:
    """What the service said about the run the step launched."""

    service: str
    run_id: str | None = None
    state: str | None = None
    message: str | None = None

    def describe(self) -> str:
        text = f"{self.service} run {self.run_id or '?'} ended {self.state or 'in an unknown state'}"
        return f"{text}: {self.message}" if self.message else text


def failure(outcome: RunOutcome) -> dg.Failure:
    return dg.Failure(
        outcome.describe(),
        metadata={"service": outcome.service, "run_id": outcome.run_id or "", "state": outcome.state or ""},
    )


# ---- Pipes over S3 -----------------------------------------------------------------------------------
class PrefixedS3MessageReader(PipesS3MessageReader):
    """`PipesS3MessageReader` writing under `prefix` (the stock reader uses a random top-level key) and
    telling the job which KMS key its message objects must use."""

    def __init__(self, *, prefix: str, sse_kms_key_id: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.prefix = prefix
        self.sse_kms_key_id = sse_kms_key_id
        self.handler: Any = None

    @contextmanager
    def read_messages(self, handler: Any) -> Iterator[dict]:
        self.handler = handler  # kept to tell, once the run ended, whether the job ever closed Pipes
        with super().read_messages(handler) as params:
            yield params

    @property
    def job_closed(self) -> bool:
        return self.handler is not None and self.handler.received_closed_message

    @contextmanager
    def get_params(self) -> Iterator[dict]:
        with super().get_params() as params:
            out = {**params, "key_prefix": f"{self.prefix}{params['key_prefix']}"}
            if self.sse_kms_key_id:
                out[SSE_KMS_PARAM] = self.sse_kms_key_id
            yield out


def aws_client(service: str, *, region: str | None = None, endpoint_url: str | None = None) -> Any:
    """The one boto3 client factory of the AWS modules (runners, packaging, catalog)."""
    import boto3

    return boto3.client(service, region_name=region or None, endpoint_url=endpoint_url or None)


def runner_client(runner: "AwsEngine", service: str) -> Any:
    return aws_client(service, region=runner.region, endpoint_url=runner.endpoint_url)


def pipes_io(runner: "AwsEngine", s3: Any) -> tuple[PipesS3ContextInjector, PrefixedS3MessageReader]:
    if not runner.pipes_s3_uri:
        raise dg.Failure(
            f"OMNILAKE_SPARK={runner.mode} needs OMNILAKE_PIPES_S3 (s3://bucket/prefix for Pipes)"
        )
    bucket, prefix = split_s3(runner.pipes_s3_uri)
    injector = PipesS3ContextInjector(bucket=bucket, client=s3, key_prefix=f"{prefix}context/")
    reader = PrefixedS3MessageReader(
        bucket=bucket,
        client=s3,
        prefix=f"{prefix}messages/",
        sse_kms_key_id=runner.sse_kms_key_id,
        interval=runner.message_interval,
    )
    return injector, reader


@dataclass
class Package:
    """The job package `omnilake aws package` uploaded: the wheel, the entrypoint, pinned requirements."""

    uri: str
    wheel: str
    entrypoint: str
    requirements: list[str] = field(default_factory=list)
    deps_archive: str | None = None
    # The wheel's bytes under a .zip name: Spark ships only .zip/.egg/.py --py-files to executors' paths.
    py_files: str | None = None

    @property
    def python_path(self) -> str:
        return self.py_files or self.wheel

    @classmethod
    def load(cls, s3: Any, uri: str) -> "Package":
        bucket, prefix = split_s3(uri)
        try:
            body = s3.get_object(Bucket=bucket, Key=f"{prefix}{MANIFEST}")["Body"].read()
        except Exception as exc:
            raise dg.Failure(
                f"no job package at {uri} ({exc}); run `omnilake aws package` and set OMNILAKE_AWS_ARTIFACTS "
                "to the URI it prints"
            ) from exc
        m = json.loads(body)
        return cls(
            uri,
            m["wheel"],
            m["entrypoint"],
            list(m.get("requirements", [])),
            m.get("deps_archive"),
            m.get("py_files"),
        )


# ---- job parameters per mode (also printed by `omnilake aws package`) --------------------------------
def glue_arguments(package: Package, spark_conf: dict[str, str] | None = None) -> dict[str, str]:
    """Glue job arguments: the wheel on the Python path, the runtime requirements pip-installed."""
    # No --enable-glue-datacatalog: the job reads and writes Delta paths, never the metastore.
    args = {"--extra-py-files": package.python_path, "--datalake-formats": "delta"}
    if package.requirements:
        args["--additional-python-modules"] = ",".join(package.requirements)
    conf = [f"{k}={v}" for k, v in (spark_conf or {}).items()]
    if conf:
        # Glue takes one --conf argument; further settings ride in its value.
        args["--conf"] = " --conf ".join(conf)
    return args


ENV_PYTHON = "./environment/bin/python"  # the deps archive, unpacked as ./environment in each container


def spark_submit_parameters(
    package: Package, spark_conf: dict[str, str] | None = None, *, mode: str = "emr-serverless"
) -> list[str]:
    """spark-submit options for EMR / EMR Serverless: the wheel via --py-files, deps via an archive.

    The archive is unpacked only inside YARN / serverless containers, so the driver must run in one too:
    EMR Serverless takes `spark.emr-serverless.driverEnv.*`, EMR on EC2 runs `--deploy-mode cluster` with
    `spark.yarn.appMasterEnv.*` (the application master hosts the driver)."""
    params = ["--py-files", package.python_path]
    conf = dict(spark_conf or {})
    if package.deps_archive:
        conf.setdefault("spark.archives", f"{package.deps_archive}#environment")
        if mode == "emr-serverless":
            conf.setdefault("spark.emr-serverless.driverEnv.PYSPARK_DRIVER_PYTHON", ENV_PYTHON)
            conf.setdefault("spark.emr-serverless.driverEnv.PYSPARK_PYTHON", ENV_PYTHON)
        else:
            conf.setdefault("spark.yarn.appMasterEnv.PYSPARK_PYTHON", ENV_PYTHON)
        conf.setdefault("spark.executorEnv.PYSPARK_PYTHON", ENV_PYTHON)
    for key, value in conf.items():
        params += ["--conf", f"{key}={value}"]
    return params


def submit_parameters_string(params: list[str]) -> str:
    """EMR Serverless `sparkSubmitParameters`: split on spaces by the service and never unquoted, so a
    plain space join (no shell quoting: `spark.archives=...#environment` must stay bare) and no value
    may contain whitespace."""
    bad = [p for p in params if not p or any(c.isspace() for c in p)]
    if bad:
        raise ValueError(f"sparkSubmitParameters values must not be empty or contain whitespace: {bad}")
    return " ".join(params)


def require_deps_archive(package: Package, mode: str) -> None:
    if not package.deps_archive:
        raise dg.Failure(
            f"OMNILAKE_SPARK={mode}: the job package at {package.uri} has no dependency archive, so the job "
            "could not import dagster_pipes / deltalake; build one (venv-pack on the EMR image, Python 3.11) "
            "and re-run `omnilake aws package --deps-archive s3://...` (see docs/aws.md)"
        )


def glue_start_params(runner: "AwsEngine", package: Package, spec: JobSpec) -> dict:
    if not runner.glue_job_name:
        raise dg.Failure("OMNILAKE_SPARK=glue needs OMNILAKE_GLUE_JOB_NAME (create it: see docs/aws.md)")
    return {"JobName": runner.glue_job_name, "Arguments": glue_arguments(package, runner.spark_conf)}


def check_glue_script(glue: Any, job_name: str, package: Package) -> None:
    """StartJobRun cannot override ScriptLocation: the job itself must point at this package's entrypoint."""
    script = glue.get_job(JobName=job_name)["Job"]["Command"].get("ScriptLocation")
    if script != package.entrypoint:
        raise dg.Failure(
            f"Glue job {job_name} runs {script}, not the package's entrypoint {package.entrypoint}: re-run "
            f"`omnilake aws package --glue-job {job_name}` to point the job at this package"
        )


def emr_serverless_start_params(runner: "AwsEngine", package: Package, spec: JobSpec) -> dict:
    if not (runner.emr_serverless_application_id and runner.role_arn):
        raise dg.Failure(
            "OMNILAKE_SPARK=emr-serverless needs OMNILAKE_EMR_SERVERLESS_APP_ID and OMNILAKE_AWS_ROLE_ARN"
        )
    params: dict[str, Any] = {
        "applicationId": runner.emr_serverless_application_id,
        "executionRoleArn": runner.role_arn,
        "name": f"omnilake:{spec.transform}"[:256],
        "jobDriver": {
            "sparkSubmit": {
                "entryPoint": package.entrypoint,
                "entryPointArguments": [],
                "sparkSubmitParameters": submit_parameters_string(
                    spark_submit_parameters(package, runner.spark_conf)
                ),
            }
        },
    }
    if runner.emr_log_uri:
        monitoring = {"logUri": runner.emr_log_uri}
        if runner.sse_kms_key_id:
            monitoring["encryptionKeyArn"] = runner.sse_kms_key_id  # the service's logs under the lake's key
        params["configurationOverrides"] = {
            "monitoringConfiguration": {"s3MonitoringConfiguration": monitoring}
        }
    return params


def emr_step_args(package: Package, spark_conf: dict[str, str] | None = None) -> list[str]:
    """The EMR step's command: cluster deploy mode, so the driver runs in a YARN container with the archive."""
    return [
        "spark-submit",
        "--deploy-mode",
        "cluster",
        *spark_submit_parameters(package, spark_conf, mode="emr"),
        package.entrypoint,
    ]


def emr_step(runner: "AwsEngine", package: Package, spec: JobSpec) -> dict:
    return {
        "Name": f"omnilake:{spec.transform}"[:256],
        "ActionOnFailure": "CONTINUE" if runner.emr_cluster_id else "TERMINATE_CLUSTER",
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args": emr_step_args(package, runner.spark_conf)},
    }


def emr_run_job_flow_params(runner: "AwsEngine", package: Package, spec: JobSpec) -> dict:
    """A transient cluster: it runs the one step and terminates."""
    params: dict[str, Any] = {
        "Name": f"omnilake:{spec.transform}"[:256],
        "ReleaseLabel": runner.emr_release_label,
        "Applications": [{"Name": "Spark"}],
        "Instances": {
            "InstanceGroups": [
                {
                    "Name": "primary",
                    "InstanceRole": "MASTER",
                    "InstanceType": runner.emr_instance_type,
                    "InstanceCount": 1,
                }
            ],
            "KeepJobFlowAliveWhenNoSteps": False,
            "TerminationProtected": False,
        },
        "Steps": [emr_step(runner, package, spec)],
        "JobFlowRole": runner.emr_instance_profile,
        "ServiceRole": runner.emr_service_role,
        "VisibleToAllUsers": True,
    }
    if runner.emr_log_uri:
        params["LogUri"] = runner.emr_log_uri
        if runner.sse_kms_key_id:
            params["LogEncryptionKmsKeyId"] = runner.sse_kms_key_id  # the cluster's logs under the lake's key
    return params


# ---- the clients, with the guards ----------------------------------------------------------------------
class GlueClient(PipesGlueClient):
    def __init__(self, *, poll_interval: float, **kwargs: Any):
        super().__init__(**kwargs)
        self.poll_interval = poll_interval
        self.outcome = RunOutcome("Glue job")

    def _wait_for_job_run_completion(self, job_name: str, run_id: str) -> Any:
        self.outcome.run_id = run_id
        while True:
            response = self._client.get_job_run(JobName=job_name, RunId=run_id)
            run = response["JobRun"]
            self.outcome.state = run["JobRunState"]
            if self.outcome.state not in GLUE_ACTIVE:
                self.outcome.message = run.get("ErrorMessage")
                if self.outcome.state != "SUCCEEDED":
                    raise failure(self.outcome)
                return response
            time.sleep(self.poll_interval)


class EMRServerlessClient(PipesEMRServerlessClient):
    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.outcome = RunOutcome("EMR Serverless job")

    def _wait_for_completion(self, context: Any, start_response: Any) -> Any:
        self.outcome.run_id = start_response["jobRunId"]
        while True:
            response = self.client.get_job_run(
                applicationId=start_response["applicationId"], jobRunId=start_response["jobRunId"]
            )
            run = response["jobRun"]
            self.outcome.state = run["state"]
            self.outcome.message = run.get("stateDetails") or None
            if self.outcome.state == "SUCCESS":
                return response
            if self.outcome.state not in SERVERLESS_WAITING:
                raise failure(self.outcome)
            time.sleep(self.poll_interval)

    def _read_messages(self, context: Any, session: Any, response: Any) -> None:
        """Messages arrive through S3 while the job runs; nothing to attach from CloudWatch."""


class EMRClient(PipesEMRClient):
    def __init__(self, *, poll_interval: float, **kwargs: Any):
        super().__init__(**kwargs)
        self.poll_interval = poll_interval
        self.outcome = RunOutcome("EMR cluster")

    def _wait_for_completion(self, context: Any, response: Any) -> Any:
        cluster_id = response["JobFlowId"]
        self.outcome.run_id = cluster_id
        while True:
            cluster = self._client.describe_cluster(ClusterId=cluster_id)
            status = cluster["Cluster"]["Status"]
            self.outcome.state = status["State"]
            if self.outcome.state in CLUSTER_DONE:
                break
            time.sleep(self.poll_interval)
        steps = self._client.list_steps(ClusterId=cluster_id)["Steps"]
        failed = [s for s in steps if s["Status"]["State"] != "COMPLETED"]
        if self.outcome.state == "TERMINATED_WITH_ERRORS" or failed or not steps:
            reason = status.get("StateChangeReason", {}).get("Message")
            details = [step_failure(s) for s in failed]
            self.outcome.message = "; ".join(m for m in [*details, reason] if m) or None
            raise failure(self.outcome)
        return cluster

    def _read_application_logs(self, context: Any, session: Any, response: Any) -> None:
        """Messages arrive through S3 while the job runs; step logs stay under the cluster's LogUri."""


def step_failure(step: dict) -> str:
    status = step["Status"]
    details = status.get("FailureDetails") or {}
    reason = (
        details.get("Message") or details.get("Reason") or status.get("StateChangeReason", {}).get("Message")
    )
    return f"step {step['Id']} {status['State']}" + (f": {reason}" if reason else "")


class EMRStepClient:
    """Runs the entrypoint as one step of an already running EMR cluster (`emr_cluster_id`).

    `PipesEMRClient` always starts a new cluster; this launcher uses the same Pipes session machinery and
    passes the bootstrap as arguments of the entrypoint (a step cannot change the cluster's environment).
    """

    def __init__(self, *, client: Any, context_injector: Any, message_reader: Any, poll_interval: float):
        self.client = client
        self.context_injector = context_injector
        self.message_reader = message_reader
        self.poll_interval = poll_interval
        self.outcome = RunOutcome("EMR step")

    def run(
        self, *, context: Any, cluster_id: str, step: dict, extras: dict
    ) -> dg.PipesClientCompletedInvocation:
        with dg.open_pipes_session(
            context=context,
            message_reader=self.message_reader,
            context_injector=self.context_injector,
            extras=extras,
        ) as session:
            for key, value in session.get_bootstrap_cli_arguments().items():
                step["HadoopJarStep"]["Args"] += [key, value]
            step_id = self.client.add_job_flow_steps(JobFlowId=cluster_id, Steps=[step])["StepIds"][0]
            self.outcome.run_id = f"{cluster_id}/{step_id}"
            context.log.info(f"[pipes] EMR step {step_id} submitted to cluster {cluster_id}")
            try:
                while True:
                    described = self.client.describe_step(ClusterId=cluster_id, StepId=step_id)["Step"]
                    self.outcome.state = described["Status"]["State"]
                    if self.outcome.state in STEP_DONE:
                        break
                    time.sleep(self.poll_interval)
            except dg.DagsterExecutionInterruptedError:
                self.client.cancel_steps(ClusterId=cluster_id, StepIds=[step_id])
                raise
            if self.outcome.state != "COMPLETED":
                self.outcome.message = step_failure(described)
                raise failure(self.outcome)
        return dg.PipesClientCompletedInvocation(session, metadata={"AWS EMR Step": self.outcome.run_id})


# ---- the runner's entry -----------------------------------------------------------------------------------
def run_on_aws(runner: "AwsEngine", context: dg.AssetExecutionContext, spec: JobSpec) -> "EngineRun":
    """Launch `spec` in the runner's AWS mode; return what the entrypoint reported through Pipes."""
    if not runner.artifacts_uri:
        raise dg.Failure(
            f"OMNILAKE_SPARK={runner.mode} needs OMNILAKE_AWS_ARTIFACTS: the s3:// URI printed by "
            "`omnilake aws package`"
        )
    s3 = enforce_sse_kms(runner_client(runner, "s3"), runner.sse_kms_key_id)
    package = Package.load(s3, runner.artifacts_uri)
    injector, reader = pipes_io(runner, s3)
    extras = {SPEC_EXTRA: spec.to_dict()}
    if runner.mode == "glue":
        glue = runner_client(runner, "glue")
        start_params = glue_start_params(runner, package, spec)
        check_glue_script(glue, runner.glue_job_name, package)
        client: Any = GlueClient(
            client=glue,
            context_injector=injector,
            message_reader=reader,
            poll_interval=runner.poll_interval,
        )
        invocation = client.run(context=context, start_job_run_params=start_params, extras=extras)
    elif runner.mode == "emr-serverless":
        require_deps_archive(package, runner.mode)
        client = EMRServerlessClient(
            client=runner_client(runner, "emr-serverless"),
            context_injector=injector,
            message_reader=reader,
            poll_interval=runner.poll_interval,
        )
        invocation = client.run(
            context=context,
            start_job_run_params=emr_serverless_start_params(runner, package, spec),
            extras=extras,
        )
    elif runner.mode == "emr" and runner.emr_cluster_id:
        require_deps_archive(package, runner.mode)
        client = EMRStepClient(
            client=runner_client(runner, "emr"),
            context_injector=injector,
            message_reader=reader,
            poll_interval=runner.poll_interval,
        )
        invocation = client.run(
            context=context,
            cluster_id=runner.emr_cluster_id,
            step=emr_step(runner, package, spec),
            extras=extras,
        )
    elif runner.mode == "emr":
        require_deps_archive(package, runner.mode)
        client = EMRClient(
            client=runner_client(runner, "emr"),
            context_injector=injector,
            message_reader=reader,
            poll_interval=runner.poll_interval,
        )
        invocation = client.run(
            context=context, run_job_flow_params=emr_run_job_flow_params(runner, package, spec), extras=extras
        )
    else:
        raise dg.Failure(f"not an AWS Spark mode: {runner.mode!r}")
    if not reader.job_closed:
        bucket, prefix = split_s3(runner.pipes_s3_uri or "")
        raise dg.Failure(
            f"{client.outcome.describe()}, but the job never reported back through Dagster Pipes (no 'closed' "
            f"message under s3://{bucket}/{prefix}messages/): is the job running the omnilake entrypoint "
            f"{package.entrypoint}?",
            metadata={"service": client.outcome.service, "run_id": client.outcome.run_id or ""},
        )
    context.log.info(f"{client.outcome.describe()}")
    return EngineRun.of_pipes(invocation)
