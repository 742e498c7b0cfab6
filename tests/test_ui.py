"""The real Dagster webserver loads the code location and shows the ecommerce graph as analysts see it."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

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


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    home = tmp_path_factory.mktemp("ui")
    port = _free_port()
    env = {**os.environ, "OMNILAKE_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    (home / "dagster").mkdir()
    exe = Path(sys.executable).with_name("dagster-webserver")
    proc = subprocess.Popen(
        [str(exe), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
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
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_ui_shows_the_ecommerce_medallion(webserver):
    nodes = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not nodes:  # the code location loads after the server is up
        data = _post(f"{webserver}/graphql", QUERY)
        nodes = {"/".join(n["assetKey"]["path"]): n for n in data.get("data", {}).get("assetNodes", [])}
        if not nodes:
            time.sleep(1)
    ecommerce = {k: n for k, n in nodes.items() if n["groupName"] == "ecommerce"}
    assert {"bronze/ecommerce/orders", "silver/ecommerce/orders", "quarantine/ecommerce/orders",
            "gold/ecommerce/daily_sales", "gold/ecommerce/customer_insights"} <= set(ecommerce)
    daily = ecommerce["gold/ecommerce/daily_sales"]
    assert daily["isPartitioned"] and "Daily" in daily["partitionDefinition"]["description"]
    assert "Daily sales" in daily["description"]  # the transform's docstring
    assert {"/".join(d["path"]) for d in daily["dependencyKeys"]} == {
        "silver/ecommerce/orders", "silver/ecommerce/order_items"
    }
    checks = {c["name"]: c["blocking"] for c in daily["assetChecksOrError"]["checks"]}
    assert checks == {"pandera_contract": True, "unique_key": True}
    items_checks = {c["name"]: c["blocking"] for c in ecommerce["silver/ecommerce/order_items"]["assetChecksOrError"]["checks"]}
    assert items_checks["orphan_items"] is False
    assert not ecommerce["gold/ecommerce/customer_insights"]["isPartitioned"]
    assert {"table", "layer"} <= {m["label"] for m in daily["metadataEntries"]}
