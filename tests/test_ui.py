"""The real Dagster webserver loads the code location and shows the ecommerce graph as analysts see it."""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest
from conftest import REPO

QUERY = """
{
  assetNodes {
    assetKey { path }
    groupName
    description
    isPartitioned
    partitionDefinition { description }
    dependencyKeys { path }
    metadataEntries { label }
    assetChecksOrError { ... on AssetChecks { checks { name blocking } } }
  }
}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, query: str) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps({"query": query}).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@contextlib.contextmanager
def dagster_webserver(env: dict) -> Iterator[str]:
    """`dagster-webserver` on the repository's workspace, on 127.0.0.1, until the block ends."""
    port = _free_port()
    exe = Path(sys.executable).with_name("dagster-webserver")
    proc = subprocess.Popen(
        [str(exe), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/server_info", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"dagster-webserver exited: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(1)
    else:
        proc.kill()
        raise RuntimeError("dagster-webserver did not come up within 120 s")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    home = tmp_path_factory.mktemp("ui")
    (home / "dagster").mkdir()
    with dagster_webserver(
        {**os.environ, "OMNILAKE_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    ) as url:
        yield url


def test_ui_shows_the_ecommerce_medallion(webserver):
    nodes = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not nodes:  # the code location loads after the server is up
        data = _post(f"{webserver}/graphql", QUERY)
        nodes = {"/".join(n["assetKey"]["path"]): n for n in data.get("data", {}).get("assetNodes", [])}
        if not nodes:
            time.sleep(1)
    ecommerce = {k: n for k, n in nodes.items() if n["groupName"] == "ecommerce"}
    assert {
        "bronze/ecommerce/orders",
        "silver/ecommerce/orders",
        "quarantine/ecommerce/orders",
        "gold/ecommerce/daily_sales",
        "gold/ecommerce/customer_insights",
    } <= set(ecommerce)
    daily = ecommerce["gold/ecommerce/daily_sales"]
    assert daily["isPartitioned"] and "Daily" in daily["partitionDefinition"]["description"]
    assert "Daily sales" in daily["description"]  # the transform's docstring
    assert {"/".join(d["path"]) for d in daily["dependencyKeys"]} == {
        "silver/ecommerce/orders",
        "silver/ecommerce/order_items",
    }
    checks = {c["name"]: c["blocking"] for c in daily["assetChecksOrError"]["checks"]}
    assert checks == {"pandera_contract": True, "unique_key": True}
    items_checks = {
        c["name"]: c["blocking"]
        for c in ecommerce["silver/ecommerce/order_items"]["assetChecksOrError"]["checks"]
    }
    assert items_checks["orphan_items"] is False
    assert not ecommerce["gold/ecommerce/customer_insights"]["isPartitioned"]
    assert {"table", "layer"} <= {m["label"] for m in daily["metadataEntries"]}


# ---------------------------------------------------------------------------------------------------------
# The catalog in a headless browser: a materialized asset's page shows its columns' descriptions, and the
# UI's server holds its column lineage (the open-source UI draws column lineage only in Dagster+, so the
# lineage is read back from the same GraphQL API the page uses).
# ---------------------------------------------------------------------------------------------------------
LINEAGE_QUERY = """
{
  assetNodes(assetKeys: [{path: ["gold", "ecommerce", "daily_sales"]}]) {
    assetMaterializations(limit: 1) {
      metadataEntries {
        label
        ... on TableColumnLineageMetadataEntry { lineage { columnName columnDeps { assetKey { path } columnName } } }
      }
    }
  }
}
"""


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    """Two generated days of ecommerce materialized by `omnilake run`, then the webserver on that instance."""
    home = tmp_path_factory.mktemp("catalog")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMNILAKE_", "SPARK_", "DAGSTER_HOME"))}
    env.update(OMNILAKE_HOME=str(home), DAGSTER_HOME=str(home / "dagster"), OMNILAKE_SPARK="sail")
    (home / "dagster").mkdir()
    cli = [sys.executable, "-m", "platform_assets.cli"]
    for args in (["generate", "--days", "2", "--domain", "ecommerce"], ["run", "--domain", "ecommerce"]):
        done = subprocess.run([*cli, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    with dagster_webserver(env) as url:
        yield url


def test_an_asset_page_shows_column_descriptions_and_its_column_lineage(catalog):
    from conftest import headless_chrome
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with headless_chrome() as chrome:
        chrome.get(f"{catalog}/assets/gold/ecommerce/daily_sales?view=overview")
        WebDriverWait(chrome, 90).until(lambda d: "Columns" in d.find_element(By.TAG_NAME, "body").text)
        # The description written beside the contract (checks.DailySales), in the Columns panel.
        WebDriverWait(chrome, 60).until(
            lambda d: (
                "Revenue of the day: sum of total_amount of its orders."
                in d.find_element(By.TAG_NAME, "body").text
            )
        )
        text = chrome.find_element(By.TAG_NAME, "body").text
        assert "Number of orders on the day." in text and "commerce-data" in text  # descriptions, owner
    [node] = _post(f"{catalog}/graphql", LINEAGE_QUERY)["data"]["assetNodes"]
    [latest] = node["assetMaterializations"]
    lineage = next(e["lineage"] for e in latest["metadataEntries"] if e["label"] == "dagster/column_lineage")
    deps = {
        e["columnName"]: {("/".join(d["assetKey"]["path"]), d["columnName"]) for d in e["columnDeps"]}
        for e in lineage
    }
    assert ("silver/ecommerce/orders", "total_amount") in deps["revenue"]
    assert set(deps) == {"orders", "items", "customers", "revenue", "avg_order_value", "reorder_rate", "dt"}
