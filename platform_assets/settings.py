"""Platform configuration: environment variables, each with an embedded default (spec: platform.md).

Every function reads the environment when called, so tests and the CLI can point the platform elsewhere by
setting variables. Nothing here imports heavy libraries: the code location must load fast.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

DEFAULT_START_DATE = "2025-01-01"
# The engines of resources/spark.py; `sail` (embedded) is the default.
SPARK_MODES = ("sail", "local", "connect", "subprocess", "glue", "emr-serverless", "emr")
# A development-only HMAC key: good enough for a laptop demo, never for real card numbers.
DEV_PII_KEY = "omnilake-development-pii-key-do-not-use-in-production"


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else None


def is_s3(uri: str) -> bool:
    return uri.startswith("s3://")


def _resolve(path_or_uri: str) -> str:
    """Local paths become absolute (so runs launched elsewhere agree); URIs are kept."""
    return path_or_uri if "://" in path_or_uri else str(Path(path_or_uri).expanduser().resolve())


def home() -> str:
    return _resolve(_env("OMNILAKE_HOME") or "./.omnilake")


def landing_root() -> str:
    return _resolve(_env("OMNILAKE_LANDING") or f"{home()}/landing")


def lake_root() -> str:
    return _resolve(_env("OMNILAKE_LAKE") or f"{home()}/lake")


def warehouse_url() -> str:
    return _env("OMNILAKE_WAREHOUSE_URL") or f"sqlite:///{home()}/warehouse.db"


def journeys_db_url() -> str:
    return _env("OMNILAKE_JOURNEYS_DB_URL") or f"sqlite:///{home()}/sources/challenge.db"


def spark_mode() -> str:
    mode = _env("OMNILAKE_SPARK") or "sail"
    if mode not in SPARK_MODES:
        raise ValueError(f"OMNILAKE_SPARK={mode!r} is not one of {', '.join(SPARK_MODES)}")
    return mode


def spark_remote() -> str | None:
    """OMNILAKE_SPARK_REMOTE: the Spark Connect URL of OMNILAKE_SPARK=connect (sc://host:15002)."""
    return _env("OMNILAKE_SPARK_REMOTE")


def start_date() -> str:
    return _env("OMNILAKE_START_DATE") or DEFAULT_START_DATE


def s3_endpoint_url() -> str | None:
    return _env("OMNILAKE_S3_ENDPOINT_URL")


def sse_kms_key_id() -> str | None:
    return _env("OMNILAKE_S3_SSE_KMS_KEY_ID")


def pii_key() -> str:
    key = _env("OMNILAKE_PII_KEY")
    if key is None:
        warnings.warn("OMNILAKE_PII_KEY is not set: tokenising with the fixed development key", stacklevel=2)
        return DEV_PII_KEY
    return key


def dagster_home() -> str:
    return _resolve(_env("DAGSTER_HOME") or f"{home()}/dagster")


# ---- AWS (docs/aws.md): every one optional; the local modes never read them ----------------------------
def aws_region() -> str | None:
    return _env("OMNILAKE_AWS_REGION")


def aws_endpoint_url() -> str | None:
    """Custom endpoint of the AWS APIs (Glue, EMR, S3); tests point it at a moto server."""
    return _env("OMNILAKE_AWS_ENDPOINT_URL") or s3_endpoint_url()


def aws_artifacts() -> str | None:
    """s3:// folder of the job package, as printed by `omnilake aws package`."""
    return _env("OMNILAKE_AWS_ARTIFACTS")


def pipes_s3_uri() -> str | None:
    """s3://bucket/prefix where Dagster Pipes context and messages of AWS jobs go."""
    return _env("OMNILAKE_PIPES_S3")


def aws_role_arn() -> str | None:
    return _env("OMNILAKE_AWS_ROLE_ARN")


def glue_job_name() -> str | None:
    return _env("OMNILAKE_GLUE_JOB_NAME")


def emr_serverless_app_id() -> str | None:
    return _env("OMNILAKE_EMR_SERVERLESS_APP_ID")


def emr_cluster_id() -> str | None:
    return _env("OMNILAKE_EMR_CLUSTER_ID")


def emr_log_uri() -> str | None:
    return _env("OMNILAKE_EMR_LOG_URI")


def glue_security_configuration() -> str | None:
    """Glue security configuration set on the job by `omnilake aws package --glue-job` (SSE-KMS for Glue's own writes)."""
    return _env("OMNILAKE_GLUE_SECURITY_CONFIGURATION")


def emr_service_role() -> str:
    """Service role of transient EMR clusters (RunJobFlow's ServiceRole), not the jobs' execution role."""
    return _env("OMNILAKE_EMR_SERVICE_ROLE") or "EMR_DefaultRole"


def glue_catalog_enabled() -> bool:
    """Register gold tables in the Glue Data Catalog: OMNILAKE_GLUE_CATALOG=1 (default: off)."""
    return (_env("OMNILAKE_GLUE_CATALOG") or "0").lower() in ("1", "true", "yes")


def glue_database_prefix() -> str:
    return _env("OMNILAKE_GLUE_DATABASE_PREFIX") or "omnilake_"


def spark_engine_aws() -> dict:
    """The AWS engines' fields that are set in the environment (the rest keep defaults)."""
    values = {
        "region": aws_region(),
        "endpoint_url": aws_endpoint_url(),
        "artifacts_uri": aws_artifacts(),
        "pipes_s3_uri": pipes_s3_uri(),
        "sse_kms_key_id": sse_kms_key_id(),
        "role_arn": aws_role_arn(),
        "glue_job_name": glue_job_name(),
        "emr_serverless_application_id": emr_serverless_app_id(),
        "emr_cluster_id": emr_cluster_id(),
        "emr_log_uri": emr_log_uri(),
        "emr_service_role": emr_service_role(),
    }
    return {k: v for k, v in values.items() if v is not None}


# ---- Failed-partition reload and notifications (sensors/reload.py, resources/notifier.py) -------------
def _int_env(name: str, default: int, minimum: int = 0) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not an integer") from None
    if value < minimum:
        raise ValueError(f"{name}={value} must be >= {minimum}")
    return value


def reload_max_attempts() -> int:
    """OMNILAKE_RELOAD_MAX_ATTEMPTS: automatic reloads of a failed partition range before notifying (3)."""
    return _int_env("OMNILAKE_RELOAD_MAX_ATTEMPTS", 3)


def reload_backoff_minutes() -> int:
    """OMNILAKE_RELOAD_BACKOFF_MINUTES: reload n waits this x 2^(n-1) minutes after the failure (5)."""
    return _int_env("OMNILAKE_RELOAD_BACKOFF_MINUTES", 5)


def notify_sns_topic_arn() -> str | None:
    return _env("OMNILAKE_NOTIFY_SNS_TOPIC_ARN")


def slack_webhook_url_is_set() -> bool:
    """Whether OMNILAKE_SLACK_WEBHOOK_URL is set (a secret: read it with dagster.EnvVar, never here)."""
    return _env("OMNILAKE_SLACK_WEBHOOK_URL") is not None


def notify_channel() -> str:
    """slack when a webhook is configured, else sns when a topic is, else log."""
    if slack_webhook_url_is_set():
        return "slack"
    return "sns" if notify_sns_topic_arn() else "log"


# ---- Journeys (the attribution window and the IHC API) -----------------------------------------------
def journeys_lookback_days() -> int:
    """OMNILAKE_JOURNEYS_LOOKBACK_DAYS: how far back a session still belongs to a conversion's journey (30)."""
    return _int_env("OMNILAKE_JOURNEYS_LOOKBACK_DAYS", 30, minimum=1)


def ihc_conv_type_id() -> str | None:
    """IHC_CONV_TYPE_ID: the conversion type the IHC API scores (the key itself is a secret: EnvVar)."""
    return _env("IHC_CONV_TYPE_ID")


def ihc_api_url() -> str | None:
    """IHC_API_URL: the IHC API's base URL (default in resources/ihc.py)."""
    return _env("IHC_API_URL")
