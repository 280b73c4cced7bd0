"""The dev stack for real: `tools/docker/up.sh dev` (the real CLI, its Python language host, the
bridged Docker provider and the stand-in images) on a Docker engine, then the everyday commands
in its project folder. What the engine created is held against the hand-written table of
tests/test_expectations.py; the services are used with their own clients; a second `up` changes
nothing; a memory change updates one container in place; a replaced container keeps its data;
`destroy` leaves only the images.

One stack for the module, in order: each test builds on what the ones before left."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import clickhouse_connect
import nats
import psycopg
import pytest
import redis
from dotenv import dotenv_values
from opensearchpy import OpenSearch

from tests.realdocker.stacks import DockerStack, docker_stack
from tests.realdocker.support import docker
from tests.realengine.support import ROOT
from tests.test_expectations import EXPECTED

pytestmark = pytest.mark.real_docker

# Written out: what the dev stack is, independent of the program (53 offline, less the 6 generated
# passwords the stack supplies here, less nothing else: the stack itself counts).
RESOURCES = 48
SERVICES = ["nats", "valkey", "questdb", "clickhouse", "seaweedfs", "opensearch", "postgres", "opa"]
NETWORKS = {"trade2026-dev-frontend", "trade2026-dev-lowlatency", "trade2026-dev-backend"}
VOLUMES = {f"trade2026-dev-{service}-data" for service in SERVICES if service != "opa"}


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DockerStack]:
    with docker_stack(tmp_path_factory.mktemp("dev"), "dev") as stack:
        stack.up_sh()
        yield stack


@pytest.fixture(scope="module")
def right_after_up(dev: DockerStack) -> dict[str, dict[str, Any]]:
    """Every container as Docker has it the moment `up` returned."""
    return dev.containers()


def image_tags(image_id: str) -> list[str]:
    return list(json.loads(docker("image", "inspect", image_id))[0]["RepoTags"])


def test_up_created_every_service_through_the_engine(dev: DockerStack, right_after_up: dict[str, Any]) -> None:
    assert sorted(right_after_up) == sorted(SERVICES)
    assert dev.last_changes() == {"create": RESOURCES}
    assert dev.networks() == NETWORKS
    assert dev.volumes() == VOLUMES


def test_up_returned_only_once_every_healthcheck_passed(right_after_up: dict[str, Any]) -> None:
    health = {service: item["State"]["Health"]["Status"] for service, item in right_after_up.items()}
    assert health == dict.fromkeys(SERVICES, "healthy")


@pytest.mark.parametrize("service", SERVICES)
def test_each_container_is_what_the_table_says(right_after_up: dict[str, Any], service: str) -> None:
    item, expected = right_after_up[service], EXPECTED[service]
    assert item["Name"] == f"/trade2026-dev-{service}"
    assert expected.image in image_tags(item["Image"])
    assert item["Config"]["Healthcheck"]["Test"] == expected.probe
    mounts = {m["Destination"]: m["Name"] for m in item["Mounts"] if m["Type"] == "volume"}
    assert mounts == expected.volumes
    networks = item["NetworkSettings"]["Networks"]
    assert sorted(networks) == sorted(expected.networks)
    assert all(set(expected.dns) <= set(n["Aliases"]) for n in networks.values())
    host = item["HostConfig"]
    assert host["Memory"] == host["MemorySwap"] == expected.memory * 1024 * 1024
    assert host["RestartPolicy"]["Name"] == "unless-stopped"
    assert host["SecurityOpt"] == ["no-new-privileges:true"]
    # Published on loopback only, each on a port Docker picked.
    bound = [b for bindings in host["PortBindings"].values() for b in bindings]
    assert bound and {b["HostIp"] for b in bound} == {"127.0.0.1"}


@pytest.mark.parametrize("service", ["questdb", "opensearch"])
def test_each_jvm_runs_with_half_its_container_limit_as_heap(right_after_up: dict[str, Any], service: str) -> None:
    # Before QuestDB set JVM_PREPEND, its JVM took a quarter of 512 MB and ran out of heap creating
    # the tables on one CI run out of several.
    processes = docker("top", f"trade2026-dev-{service}", "-eo", "pid,args").splitlines()[1:]
    (java,) = [line for line in processes if "/java " in line]
    heaps = [option for option in java.split() if option.startswith("-Xmx")]
    assert heaps[-1] == f"-Xmx{EXPECTED[service].memory // 2}m", java


def test_verify_finds_every_service_working(dev: DockerStack) -> None:
    done = dev.verify()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "8/8 services work" in done.stdout


def test_the_ready_data_exists_on_the_servers(dev: DockerStack) -> None:
    env = connections(dev)

    async def streams() -> list[str]:
        client = await nats.connect(env["NATS_URL"])
        try:
            return sorted([info.config.name or "" for info in await client.jsm().streams_info()])
        finally:
            await client.close()

    assert asyncio.run(streams()) == ["ANALYTICS", "MARKETDATA", "ORDERS"]
    s3 = boto3.client("s3", region_name="us-east-1", **_aws(env))
    assert sorted(b["Name"] for b in s3.list_buckets()["Buckets"]) == [
        "backtest-results",
        "log-archives",
        "models",
        "reports",
    ]
    search = OpenSearch(hosts=[env["OPENSEARCH_URL"]])
    templates = search.indices.get_index_template()["index_templates"]
    assert sorted(template["name"] for template in templates) == ["logs", "orders", "trades"]
    with psycopg.connect(env["QUESTDB_PG_DSN"], autocommit=True) as questdb:
        tables = {row[0] for row in questdb.execute("SELECT table_name FROM tables()")}
    assert {"orders", "ticks", "fills"} <= tables
    with psycopg.connect(env["DATABASE_URL"]) as postgres:
        library = {row[0] for row in postgres.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert library == {"strategies", "models", "features", "backtests"}
    clickhouse = clickhouse_connect.get_client(dsn=env["CLICKHOUSE_URL"])
    assert sorted(clickhouse.query("SHOW TABLES FROM trading").result_columns[0]) == [
        "order_analytics",
        "portfolio_snapshots",
        "prism_analytics",
    ]


def connections(dev: DockerStack, folder: Path | None = None) -> dict[str, str]:
    """The stack's `.env`, written by `python -m connect.dotenv` from the real outputs, as read by
    python-dotenv (what the applications use)."""
    target = (folder or dev.work) / ".env"
    outputs = dev.pulumi("stack", "output", "--json", "--show-secrets").stdout
    subprocess.run(
        [sys.executable, "-m", "connect.dotenv", "--output", str(target), "--force"],
        cwd=ROOT,
        input=outputs,
        text=True,
        check=True,
        capture_output=True,
    )
    return {key: value for key, value in dotenv_values(target).items() if value is not None}


def test_the_env_file_from_the_real_outputs_connects_every_client(dev: DockerStack, tmp_path: Path) -> None:
    env = connections(dev, tmp_path)

    async def publish() -> int:
        client = await nats.connect(env["NATS_URL"])
        try:
            ack = await client.jetstream().publish("analytics.envtest.probe", b"env")
            return ack.seq
        finally:
            await client.close()

    assert asyncio.run(publish()) >= 1
    assert redis.from_url(env["REDIS_URL"]).ping() is True
    with psycopg.connect(env["DATABASE_URL"]) as postgres:
        assert postgres.execute("SELECT current_user, current_database()").fetchone() == ("trader", "library")
    with psycopg.connect(env["QUESTDB_PG_DSN"], autocommit=True) as questdb:
        assert questdb.execute("SELECT 1").fetchone() == (1,)
    assert clickhouse_connect.get_client(dsn=env["CLICKHOUSE_URL"]).query("SELECT 1").result_rows == [(1,)]
    assert OpenSearch(hosts=[env["OPENSEARCH_URL"]]).ping() is True
    s3 = boto3.client("s3", region_name="us-east-1", **_aws(env))
    assert "models" in {b["Name"] for b in s3.list_buckets()["Buckets"]}
    decision = urllib.request.Request(f"{env['OPA_URL']}/v1/data/trading/allow", data=b'{"input": {}}', method="POST")
    with urllib.request.urlopen(decision, timeout=10) as answer:
        assert json.load(answer) == {"result": False}


def _aws(env: dict[str, str]) -> dict[str, str]:
    return {
        "endpoint_url": env["AWS_ENDPOINT_URL_S3"],
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
    }


def test_a_second_up_changes_nothing(dev: DockerStack) -> None:
    dev.pulumi("up", "--yes")
    assert dev.last_changes() == {"same": RESOURCES}
    # And a preview agrees: no property the provider reads back differs from what the program says.
    assert dev.pulumi("preview", "--expect-no-changes", check=False).returncode == 0


def test_a_memory_change_updates_exactly_one_container_in_place(dev: DockerStack) -> None:
    before = dev.containers()["opa"]["Id"]
    dev.set("trade2026:services.opa.memoryMb", "96")
    dev.pulumi("up", "--yes")
    assert dev.last_changes() == {"update": 1, "same": RESOURCES - 1}
    after = dev.containers()["opa"]
    assert after["Id"] == before
    assert after["HostConfig"]["Memory"] == 96 * 1024 * 1024


def test_a_replaced_container_keeps_its_data(dev: DockerStack) -> None:
    cache = redis.from_url(connections(dev)["REDIS_URL"])
    cache.set("price:BTCUSDT", "50000.00")
    before = dev.containers()["valkey"]["Id"]
    # Valkey sizes maxmemory from the limit in its uploaded config: a new file, so a new container.
    dev.set("trade2026:services.valkey.memoryMb", "128")
    dev.pulumi("up", "--yes")
    assert dev.last_changes() == {"replace": 1, "same": RESOURCES - 1}
    assert dev.containers()["valkey"]["Id"] != before
    # A new host port (hostPorts: auto), the same volume: the append-only file brought the key back.
    assert redis.from_url(connections(dev)["REDIS_URL"]).get("price:BTCUSDT") == b"50000.00"


def test_destroy_removes_every_container_network_and_volume_but_keeps_the_images(dev: DockerStack) -> None:
    images = {service: right_after_image(dev, service) for service in ("nats", "postgres")}
    dev.down_sh()
    assert dev.containers() == {}
    assert dev.networks() == set()
    assert dev.volumes() == set()
    for image in images.values():
        assert image_tags(image)  # keep_locally: another stack on this host may still run it


def right_after_image(dev: DockerStack, service: str) -> str:
    return str(dev.containers()[service]["Image"])
