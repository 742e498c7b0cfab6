"""Platform configuration: environment variables, each with an embedded default (spec: platform.md).

Every function reads the environment when called, so tests and the CLI can point the platform elsewhere by
setting variables. Nothing here imports heavy libraries: the code location must load fast.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

DEFAULT_START_DATE = "2025-01-01"
SPARK_MODES = ("local", "subprocess", "glue", "emr-serverless", "emr")
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


def warehouse_url_is_set() -> bool:
    return _env("OMNILAKE_WAREHOUSE_URL") is not None


def journeys_db_url() -> str:
    return _env("OMNILAKE_JOURNEYS_DB_URL") or f"sqlite:///{home()}/sources/challenge.db"


def spark_mode() -> str:
    mode = _env("OMNILAKE_SPARK") or "local"
    if mode not in SPARK_MODES:
        raise ValueError(f"OMNILAKE_SPARK={mode!r} is not one of {', '.join(SPARK_MODES)}")
    return mode


def start_date() -> str:
    return _env("OMNILAKE_START_DATE") or DEFAULT_START_DATE


def s3_endpoint_url() -> str | None:
    return _env("OMNILAKE_S3_ENDPOINT_URL")


def sse_kms_key_id() -> str | None:
    return _env("OMNILAKE_S3_SSE_KMS_KEY_ID")


def pii_key() -> str:
    key = _env("OMNILAKE_PII_KEY")
    if key is None:
        warnings.warn(
            "OMNILAKE_PII_KEY is not set: tokenising with the fixed development key", stacklevel=2
        )
        return DEV_PII_KEY
    return key


def dagster_home() -> str:
    return _resolve(_env("DAGSTER_HOME") or f"{home()}/dagster")
