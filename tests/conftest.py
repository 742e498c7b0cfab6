"""Shared pytest fixtures."""

# ---------------------------------------------------------------------------------------------------------
# S3: a real moto S3 server on 127.0.0.1 (one per test session). Self-contained: nothing here touches other
# fixtures. Credentials are fake and set per test with monkeypatch, never for the whole session.
# ---------------------------------------------------------------------------------------------------------
from __future__ import annotations

import contextlib
import os
import shutil
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
    fake_aws_credentials(monkeypatch, tmp_path_factory)
    return moto_server


def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path_factory) -> None:
    """Fake AWS credentials for one test, and any real AWS configuration of the machine kept out."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    missing = tmp_path_factory.getbasetemp() / "no-aws-config"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(missing))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(missing))


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A fresh, empty bucket on the moto server (its name)."""
    import boto3

    name = f"test-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=name)
    return name


# ---------------------------------------------------------------------------------------------------------
# Spark and the platform environment. The tests run on the embedded default engine, Sail: one server and one
# session for the whole test session, which the platform's in-process engine picks up, as a Dagster run
# does. Classic Spark runs out of process (spark-submit, the AWS fakes, the parity suite): PySpark 3.5 holds
# Connect or classic sessions in one process, never both.
# ---------------------------------------------------------------------------------------------------------
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data" / "external"


@pytest.fixture(scope="session")
def spark():
    from platform_assets.core.spark import sail_session

    return sail_session()


@pytest.fixture
def omnilake_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh OMNILAKE_HOME (landing, lake, Dagster home) for one test."""
    home = tmp_path / "omnilake"
    for name in (
        "OMNILAKE_LANDING",
        "OMNILAKE_LAKE",
        "OMNILAKE_SPARK",
        "OMNILAKE_S3_ENDPOINT_URL",
        "DAGSTER_HOME",
    ):
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


# ---------------------------------------------------------------------------------------------------------
# PostgreSQL: a throwaway cluster on 127.0.0.1 for the session (tests/postgres_server.py), started on first
# use and always stopped. Absent binaries: the tests that need it skip, with the reason, unless
# OMNILAKE_REQUIRE_POSTGRES=1 (set by `make test` once the server is installed), which makes it an error.
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL (psycopg) of a PostgreSQL database; it holds a password: never print it."""
    external = os.environ.get("OMNILAKE_TEST_POSTGRES_URL")
    if external:
        yield external
        return
    import postgres_server

    required = os.environ.get("OMNILAKE_REQUIRE_POSTGRES") == "1"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        if required:
            pytest.fail("psycopg is not installed (pip install -e '.[dev]')")
        pytest.skip("psycopg is not installed: PostgreSQL tests skipped")
    try:
        server = postgres_server.start()
    except postgres_server.Unavailable as exc:
        if required:
            pytest.fail(f"PostgreSQL is required (OMNILAKE_REQUIRE_POSTGRES=1) but unavailable: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def postgres_db(postgres_url: str) -> Iterator[str]:
    """A fresh, empty database on the session's PostgreSQL server (its URL), dropped afterwards."""
    import sqlalchemy as sa

    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# ---------------------------------------------------------------------------------------------------------
# S3 for delta-rs: a moto server in its own process. delta-rs deadlocks against the in-process
# ThreadedMotoServer (its blocking calls run while this process serves the requests), so Delta-on-S3 tests
# use this one. Started on first use, always killed at session end.
# ---------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def moto_process_server() -> Iterator[str]:
    """Endpoint URL of `python -m moto.server` on 127.0.0.1 (a separate process) for the session."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto server did not start on {url}")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def s3_process_endpoint(moto_process_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path_factory) -> str:
    """The process moto endpoint, with fake AWS credentials in the environment for this test only."""
    fake_aws_credentials(monkeypatch, tmp_path_factory)
    return moto_process_server


# ---------------------------------------------------------------------------------------------------------
# Order: the slowest files first, so that under `make test`'s two workers (pytest-xdist, a file per worker)
# they start at once and the quick files fill in around them, instead of one worker finishing alone.
# ---------------------------------------------------------------------------------------------------------
SLOW_FILES = (
    "test_engine_parity.py",
    "test_ecommerce_pipeline.py",
    "test_aws_runners.py",
    "test_restaurants_pipeline.py",
)


def pytest_collection_modifyitems(session, config, items):
    def rank(item) -> int:
        name = item.path.name
        return SLOW_FILES.index(name) if name in SLOW_FILES else len(SLOW_FILES)

    items.sort(key=rank)  # stable: the order inside each file is kept


@contextlib.contextmanager
def headless_chrome():
    """Headless Chromium through selenium. `make test` sets OMNILAKE_REQUIRE_BROWSER=1 once
    tests/ensure_chromium.sh could install the browser: then a missing piece fails instead of skipping."""
    required = os.environ.get("OMNILAKE_REQUIRE_BROWSER") == "1"
    browser = next(
        (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None
    )
    driver = shutil.which("chromedriver")
    if not (browser and driver):
        reason = (
            "chromium and chromedriver are not installed (tests/ensure_chromium.sh installs them as root)"
        )
        pytest.fail(reason) if required else pytest.skip(reason)
    try:
        from selenium import webdriver
    except ImportError:
        reason = "selenium is not installed (pip install -e '.[dev]')"
        pytest.fail(reason) if required else pytest.skip(reason)
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1000",
    ):
        options.add_argument(arg)
    chrome = webdriver.Chrome(service=webdriver.ChromeService(executable_path=driver), options=options)
    try:
        yield chrome
    finally:
        chrome.quit()
