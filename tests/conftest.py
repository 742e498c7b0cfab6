"""Shared pytest fixtures."""

# ---------------------------------------------------------------------------------------------------------
# S3: a real moto S3 server on 127.0.0.1 (one per test session). Self-contained: nothing here touches other
# fixtures. Credentials are fake and set per test with monkeypatch, never for the whole session.
# ---------------------------------------------------------------------------------------------------------
from __future__ import annotations

import uuid
from typing import Iterator

import pytest


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """Endpoint URL of a moto server (S3, KMS, ...) running in a thread for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_endpoint(moto_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path_factory) -> str:
    """The moto endpoint, with fake AWS credentials in the environment for this test only."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    # Keep any real AWS configuration of the machine out of the tests.
    missing = tmp_path_factory.getbasetemp() / "no-aws-config"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(missing))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(missing))
    return moto_server


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A fresh, empty bucket on the moto server (its name)."""
    import boto3

    name = f"test-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=name)
    return name


# ---------------------------------------------------------------------------------------------------------
# Spark and the platform environment. One local SparkSession for the whole test session: the platform's
# in-process runner picks the same session up, as a Dagster run does.
# ---------------------------------------------------------------------------------------------------------
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data" / "external"


@pytest.fixture(scope="session")
def spark():
    from platform_assets.core.spark import local_session

    return local_session()


@pytest.fixture
def omnilake_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh OMNILAKE_HOME (landing, lake, Dagster home) for one test."""
    home = tmp_path / "omnilake"
    for name in ("OMNILAKE_LANDING", "OMNILAKE_LAKE", "OMNILAKE_SPARK", "OMNILAKE_S3_ENDPOINT_URL", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMNILAKE_HOME", str(home))
    (home / "landing").mkdir(parents=True)
    return home


def shared_file(*parts: str) -> Path:
    """A file of ../shared/data/external, or a skip naming what is missing (it is never copied here)."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"sample data {path} is absent (../shared/data/external is a local fixture)")
    return path
