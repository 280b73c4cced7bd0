"""Stacks side by side on one Docker engine, for real: two developer stacks made as the docs say
(a copy of Pulumi.dev.yaml, Docker-picked host ports) and the production-shaped stack (its
committed config: the well-known host ports, protectData), all running at once without a clash;
then what protects prod's data: `destroy` is refused, and once unprotected it leaves the data
volumes behind, which the next `up` finds with their data.

Four services per stack (NATS with its streams, Valkey, PostgreSQL with its init SQL, OPA): what a
clash could touch (names, networks, volumes, host ports, DNS names) is the same for all eight, and
three full stacks at once would not fit the 2-core CI machine's time. The full stack runs in
test_dev_stack.py."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import nats
import psycopg
import pytest
import redis
import yaml

from tests.realdocker.stacks import DockerStack, docker_stack
from tests.realdocker.support import docker
from tests.realengine.support import ROOT

pytestmark = pytest.mark.real_docker

RUNNING = ["nats", "valkey", "postgres", "opa"]
OFF = ["questdb", "clickhouse", "seaweedfs", "opensearch"]
# The well-known host ports of port block 0 (docs/config.md), for the four.
PROD_PORTS = {"nats": {4222, 8222}, "valkey": {6379}, "postgres": {5432}, "opa": {8181}}


def subset_of(committed: str) -> str:
    """A committed stack file (as `cp Pulumi.dev.yaml Pulumi.dev-<name>.yaml` copies it) with the
    other four switched off, as `pulumi config set --path 'trade2026:services.<name>.enabled' false`
    would leave it."""
    document = yaml.safe_load((ROOT / committed).read_text())
    services = document["config"].setdefault("trade2026:services", {})
    for service in OFF:
        services.setdefault(service, {})["enabled"] = False
    return yaml.safe_dump(document)


@pytest.fixture(scope="module")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, DockerStack]]:
    work = tmp_path_factory.mktemp("side-by-side")
    with ExitStack() as cleanup:
        made = {name: cleanup.enter_context(docker_stack(work, name)) for name in ("dev-alice", "dev-bob", "prod")}
        for name in ("dev-alice", "dev-bob"):
            made[name].stack_file(subset_of("Pulumi.dev.yaml"))
        made["prod"].stack_file(subset_of("Pulumi.prod.yaml"))
        for stack in made.values():
            stack.up_sh()
        yield made


def host_ports(container: dict[str, Any]) -> set[int]:
    """The host ports Docker bound (a Docker-picked one is 0 in HostConfig, the real one here)."""
    bound = container["NetworkSettings"]["Ports"].values()
    return {int(binding["HostPort"]) for bindings in bound if bindings for binding in bindings}


def test_three_stacks_run_at_once_each_with_its_own_names(stacks: dict[str, DockerStack]) -> None:
    for name, stack in stacks.items():
        containers = stack.containers()
        assert sorted(containers) == sorted(RUNNING), name
        assert {c["Name"] for c in containers.values()} == {f"/trade2026-{name}-{s}" for s in RUNNING}
        assert all(c["State"]["Health"]["Status"] == "healthy" for c in containers.values()), name
        assert stack.networks() == {f"trade2026-{name}-{n}" for n in ("frontend", "lowlatency", "backend")}
        # Switched-off services keep their volumes (and passwords): switching one on finds its data.
        assert stack.volumes() == {f"trade2026-{name}-{s}-data" for s in RUNNING + OFF if s != "opa"}


def test_host_ports_never_clash_and_prod_has_the_well_known_ones(stacks: dict[str, DockerStack]) -> None:
    prod = stacks["prod"].containers()
    assert {service: host_ports(c) for service, c in prod.items()} == PROD_PORTS
    used = [port for stack in stacks.values() for c in stack.containers().values() for port in host_ports(c)]
    assert len(used) == len(set(used)), "two containers on one host port"


def test_each_stacks_dns_names_reach_only_its_own_services(stacks: dict[str, DockerStack]) -> None:
    for name, stack in stacks.items():
        containers = stack.containers()
        opa_ips = {n["IPAddress"] for n in containers["opa"]["NetworkSettings"]["Networks"].values()}
        # From the stack's NATS container (busybox), the name `opa` on its backend network.
        answer = docker("exec", f"trade2026-{name}-nats", "nslookup", "opa")
        resolved = {line.split()[-1] for line in answer.splitlines()[2:] if line.startswith("Address")}
        assert resolved and resolved <= opa_ips, (name, answer)


def test_verify_finds_every_running_service_of_every_stack_working(stacks: dict[str, DockerStack]) -> None:
    for name, stack in stacks.items():
        done = stack.verify()
        assert done.returncode == 0, f"{name}: {done.stdout}{done.stderr}"
        assert "4/4 services work" in done.stdout, done.stdout


def test_prod_refuses_destroy_keeps_its_volumes_and_the_next_up_finds_the_data(stacks: dict[str, DockerStack]) -> None:
    prod = stacks["prod"]
    connections = prod.outputs()["connections"]
    with psycopg.connect(connections["postgres"]["DATABASE_URL"]) as db:
        db.execute(
            "INSERT INTO strategies (name, description, owner) VALUES (%s, %s, %s)",
            ("momentum", "kept across destroy", "alice"),
        )
    sequence = asyncio.run(publish(connections["nats"]["NATS_URL"]))
    redis.from_url(connections["valkey"]["REDIS_URL"]).set("session:user123", "kept")

    refused = prod.pulumi("destroy", "--yes", check=False)
    assert refused.returncode != 0
    assert "protected" in refused.stdout + refused.stderr
    assert sorted(prod.containers()) == sorted(RUNNING), "a refused destroy deletes nothing"

    prod.pulumi("state", "unprotect", "--all", "--yes")
    prod.pulumi("destroy", "--yes")
    assert prod.containers() == {}
    # retainOnDelete: Docker keeps every data volume; the ready data lives on them.
    assert prod.volumes() == {f"trade2026-prod-{s}-data" for s in RUNNING + OFF if s != "opa"}

    prod.pulumi("up", "--yes")
    connections = prod.outputs()["connections"]
    with psycopg.connect(connections["postgres"]["DATABASE_URL"]) as db:
        kept = db.execute("SELECT description FROM strategies WHERE name = 'momentum'").fetchall()
    assert kept == [("kept across destroy",)]
    assert asyncio.run(read(connections["nats"]["NATS_URL"], sequence)) == b"kept across destroy"
    assert redis.from_url(connections["valkey"]["REDIS_URL"]).get("session:user123") == b"kept"


async def publish(url: str) -> int:
    client = await nats.connect(url)
    try:
        return (await client.jetstream().publish("trading.order.audit.kept", b"kept across destroy")).seq
    finally:
        await client.close()


async def read(url: str, sequence: int) -> bytes:
    client = await nats.connect(url)
    try:
        return (await client.jsm().get_msg("ORDERS", sequence)).data or b""
    finally:
        await client.close()
