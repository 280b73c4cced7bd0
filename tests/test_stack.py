"""The whole stack: composition, parallelism, per-developer stacks, data safety, overrides."""

from __future__ import annotations

import pytest

from offline.engine import Plan, Secret, run_program
from tests.conftest import CONTAINER, IMAGE, NETWORK, PASSWORD, SERVICE_KEYS, VOLUME, config

DOCKER_TYPES = (CONTAINER, VOLUME, NETWORK)


def _docker_names(plan: Plan) -> set[str]:
    return {r.inputs["name"] for r in plan.resources if r.type in DOCKER_TYPES}


def _host_ports(plan: Plan) -> set[int]:
    return {p["external"] for c in plan.of_type(CONTAINER) for p in c.inputs["ports"]}


def test_dev_stack_has_eight_services_on_three_networks(dev_plan: Plan) -> None:
    assert sorted(c.name for c in dev_plan.of_type(CONTAINER)) == sorted(SERVICE_KEYS)
    assert sorted(n.inputs["name"] for n in dev_plan.of_type(NETWORK)) == [
        "trade2026-dev-backend",
        "trade2026-dev-frontend",
        "trade2026-dev-lowlatency",
    ]
    assert len(dev_plan.of_type(VOLUME)) == 7  # OPA is stateless


def test_every_docker_object_name_carries_the_stack(dev_plan: Plan) -> None:
    for name in _docker_names(dev_plan):
        assert name.startswith("trade2026-dev-"), name


def test_each_container_depends_only_on_its_own_image_volumes_and_networks(dev_plan: Plan) -> None:
    """Nothing orders one service after another, so the engine creates all eight in parallel."""
    networks = {n.urn for n in dev_plan.of_type(NETWORK)}
    for container in dev_plan.of_type(CONTAINER):
        own = {r.urn for r in dev_plan.resources if r.parent == container.parent and r.urn != container.urn}
        assert set(container.dependencies) <= own | networks, container.urn
        assert not any(d in {c.urn for c in dev_plan.of_type(CONTAINER)} for d in container.dependencies)
        assert dev_plan.get(IMAGE, f"{container.name}-image").urn in container.dependencies, container.urn


def test_default_memory_limits_fit_in_four_gib(dev_plan: Plan) -> None:
    assert sum(c.inputs["memory"] for c in dev_plan.of_type(CONTAINER)) <= 4096


def test_stack_outputs_tell_where_every_service_is(dev_plan: Plan) -> None:
    endpoints = dev_plan.outputs["endpoints"]
    assert sorted(endpoints) == sorted(SERVICE_KEYS)
    assert endpoints["nats"]["client"].startswith("nats://127.0.0.1:")
    assert endpoints["postgres"]["client"].startswith("postgresql://127.0.0.1:")
    assert dev_plan.outputs["internalEndpoints"]["postgres"]["client"] == "postgresql://postgres:5432"
    assert all(isinstance(entry, Secret) for entry in dev_plan.outputs["credentials"].values())


def test_two_developer_stacks_share_no_docker_names_or_host_ports() -> None:
    alice = run_program("dev-alice", config("dev"))  # as after `stack init dev-alice --copy-config-from dev`
    bob = run_program("dev-bob", config("dev"))
    assert not _docker_names(alice) & _docker_names(bob)
    # Docker-assigned host ports: nothing in either program names one, so they cannot clash.
    assert all("external" not in p for c in alice.of_type(CONTAINER) for p in c.inputs["ports"])
    assert all(n.startswith("trade2026-dev-alice-") for n in _docker_names(alice))


def test_fixed_ports_in_different_blocks_do_not_clash() -> None:
    alice = run_program("dev-alice", config("dev", hostPorts="fixed", portBlock=1))
    bob = run_program("dev-bob", config("dev", hostPorts="fixed", portBlock=2))
    assert not _host_ports(alice) & _host_ports(bob)
    assert alice.outputs["endpoints"]["nats"]["client"] == "nats://127.0.0.1:20000"
    assert bob.outputs["endpoints"]["postgres"]["client"] == "postgresql://127.0.0.1:20030"


def test_data_volumes_are_unprotected_on_dev_so_destroy_cleans_up(dev_plan: Plan) -> None:
    assert not any(v.protect or v.retain_on_delete for v in dev_plan.of_type(VOLUME))


def test_protect_data_protects_and_retains_every_data_volume() -> None:
    plan = run_program("dev", config(protectData=True))
    volumes = plan.of_type(VOLUME)
    assert volumes and all(v.protect and v.retain_on_delete for v in volumes)
    assert not any(c.protect for c in plan.of_type(CONTAINER)), "containers stay replaceable"


def test_disabling_a_service_keeps_its_data_volume_and_password() -> None:
    plan = run_program("dev", config(services={"postgres": {"enabled": False}}))
    assert "postgres" not in {c.name for c in plan.of_type(CONTAINER)}
    assert "postgres" not in {i.name.removesuffix("-image") for i in plan.of_type(IMAGE)}
    assert plan.get(VOLUME, "postgres-data").inputs["name"] == "trade2026-dev-postgres-data"
    assert plan.get(PASSWORD, "postgres-password")
    assert "postgres" not in plan.outputs["endpoints"]


def test_registry_mirror_rewrites_every_image_and_an_override_naming_a_registry_wins() -> None:
    plan = run_program(
        "dev",
        config(
            registryMirror="mirror.internal:5000",
            services={"opa": {"image": "registry.corp/opa:1.4.2"}, "nats": {"image": "nats:2.10.30-alpine"}},
        ),
    )
    images = {i.name.removesuffix("-image"): i.inputs["name"] for i in plan.of_type(IMAGE)}
    assert images["nats"] == "mirror.internal:5000/library/nats:2.10.30-alpine"
    assert images["clickhouse"] == "mirror.internal:5000/clickhouse/clickhouse-server:24.9.2.42"
    assert images["opa"] == "registry.corp/opa:1.4.2"


def test_wait_settings_apply_globally_and_per_service() -> None:
    plan = run_program("dev", config(waitForHealthy=False, services={"opensearch": {"waitTimeoutSeconds": 600}}))
    assert not any(c.inputs["wait"] for c in plan.of_type(CONTAINER))
    assert plan.get(CONTAINER, "opensearch").inputs["waitTimeout"] == 600


@pytest.mark.parametrize(("key", "timeout"), [("opensearch", 180), ("clickhouse", 120), ("nats", 60)])
def test_slow_starters_get_longer_default_wait_timeouts(dev_plan: Plan, key: str, timeout: int) -> None:
    assert dev_plan.get(CONTAINER, key).inputs["waitTimeout"] == timeout


def test_bind_address_is_configurable(dev_plan: Plan) -> None:
    plan = run_program("dev", config(bindAddress="0.0.0.0"))
    assert {p["ip"] for c in plan.of_type(CONTAINER) for p in c.inputs["ports"]} == {"0.0.0.0"}
    assert plan.outputs["endpoints"]["valkey"]["client"].startswith("redis://127.0.0.1:")


def test_preview_leaves_provider_computed_values_unknown() -> None:
    plan = run_program("dev", preview=True)
    assert repr(plan.get(CONTAINER, "nats").inputs["image"]) == "(known after up)"
