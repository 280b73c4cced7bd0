"""`python -m verify` against the local servers: green when they work, one clear red line when not.

Real nats-server, valkey-server, weed and PostgreSQL from the dev stack's rendered configuration,
with the ready data the providers create; ClickHouse is a FAKE (ClickHouse's engine, chDB, behind a
small HTTP front; see tests/real/clickhouse_http.py). verify runs as users run it: a separate
process reading the stack outputs on stdin.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from offline.engine import ROOT, Plan
from tests.real.local_stack import LocalStack, local_stack, missing
from tests.real.support import require, require_modules

require_modules("nats", "boto3", "valkey", "psycopg", "chdb", how="venv/bin/pip install -r requirements-real.txt")

pytestmark = pytest.mark.real_server


@pytest.fixture(scope="module")
def stack(dev_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    require(None if missing() else True, ", ".join(missing()), "see tests/real/servers.py for how to install them")
    with local_stack(dev_plan, tmp_path_factory.mktemp("stack")) as running:
        yield running


def verify(outputs: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "verify", "--no-progress", *args],
        input=outputs,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=180,
    )


def test_a_full_run_is_green_and_prints_no_secret(stack: LocalStack) -> None:
    result = verify(stack.outputs(), "--json")
    assert result.returncode == 0, result.stdout
    document = json.loads(result.stdout)
    # By instance name, as `pulumi stack output` lists them.
    assert [(r["service"], r["ok"], r["detail"]) for r in document["results"]] == [
        ("clickhouse", True, "INSERT, SELECT, DELETE on trading.prism_analytics"),
        ("nats", True, "publish + read back + delete in ORDERS, MARKETDATA, ANALYTICS"),
        ("postgres", True, "library tables: insert + join, rolled back"),
        ("seaweedfs", True, "PUT, GET, DELETE in bucket models"),
        ("valkey", True, "AUTH, SET, GET, DEL"),
    ]
    for login in stack.credentials.values():
        for value in login.values():
            if len(value) >= 8:
                assert value not in result.stdout + result.stderr


def test_a_run_leaves_nothing_behind(stack: LocalStack) -> None:
    assert verify(stack.outputs()).returncode == 0
    import boto3
    from botocore.config import Config

    login = stack.credentials["seaweedfs"]
    s3 = boto3.client(
        "s3",
        endpoint_url=stack.endpoints["seaweedfs"]["s3"],
        aws_access_key_id=login["accessKey"],
        aws_secret_access_key=login["secretKey"],
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )
    assert s3.list_objects_v2(Bucket="models").get("KeyCount") == 0
    postgres = stack.servers["postgres"]
    assert postgres.sql("SELECT count(*) FROM strategies", database="library") == ["0"]
    login = stack.credentials["clickhouse"]
    assert clickhouse_round_trip_count(stack.endpoints["clickhouse"]["http"], login) == "0"
    assert stream_messages(stack.endpoints["nats"]["client"]) == {"ORDERS": 0, "MARKETDATA": 0, "ANALYTICS": 0}
    import valkey

    valkey_server = stack.servers["valkey"]
    client = valkey.Valkey(
        host=valkey_server.host, port=valkey_server.port, password=stack.credentials["valkey"]["password"]
    )
    assert client.dbsize() == 0


def clickhouse_round_trip_count(url: str, login: dict[str, str]) -> str:
    from components.roundtrips import _clickhouse

    client = _clickhouse({"http": url}, login)
    try:
        return str(client.command("SELECT count() FROM trading.prism_analytics"))
    finally:
        client.close()


def stream_messages(url: str) -> dict[str, int]:
    import asyncio

    import nats

    async def count() -> dict[str, int]:
        client = await nats.connect(url)
        try:
            jsm = client.jsm()
            return {
                name: (await jsm.stream_info(name)).state.messages for name in ("ORDERS", "MARKETDATA", "ANALYTICS")
            }
        finally:
            await client.close()

    return asyncio.run(count())


def test_a_wrong_password_is_one_red_line_and_exit_1(stack: LocalStack) -> None:
    outputs = json.loads(stack.outputs())
    outputs["credentials"]["valkey"]["password"] = "WrongPassword0123456789"
    result = verify(json.dumps(outputs), "--attempts", "1")
    assert result.returncode == 1
    [line] = [line for line in result.stdout.splitlines() if line.startswith("valkey")]
    assert "FAIL" in line
    assert line.endswith("AuthenticationError: invalid username-password pair or user is disabled.")
    assert "WrongPassword0123456789" not in result.stdout + result.stderr
    summary = result.stdout.splitlines()[-1]
    assert summary.startswith("4/5 services work (") and summary.endswith("); FAILED: valkey"), summary


def test_a_stopped_server_is_one_red_line_and_exit_1(stack: LocalStack, dev_plan: Plan, tmp_path: Path) -> None:
    from tests.real import servers
    from tests.real.support import Rendered

    with servers.nats(str(servers.nats_binary()), Rendered.of(dev_plan, "nats").command, tmp_path, tmp_path) as nats:
        stopped = nats.url
    outputs = json.loads(stack.outputs())
    outputs["endpoints"]["nats"]["client"] = stopped
    result = verify(json.dumps(outputs), "--attempts", "2")
    assert result.returncode == 1
    [line] = [line for line in result.stdout.splitlines() if line.startswith("nats")]
    assert "FAIL" in line
    assert line.endswith("NoServersError: nats: no servers available for connection")
