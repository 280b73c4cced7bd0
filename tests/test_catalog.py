"""One invariant test per property, over every service in the catalog (STYLE.md point 4)."""

from __future__ import annotations

import re

import pytest

from offline.engine import Plan, run_program
from tests.conftest import CONTAINER, IMAGE, SERVICE_KEYS, VOLUME, config

# An exact release: digits and dots (at least major.minor), an optional variant suffix.
EXACT_TAG = re.compile(r"^[a-z0-9./-]+:\d+(\.\d+)+(-[a-z0-9.]+)?$")
# Ports the compose documentation marks as not for the host.
SEED_INTERNAL = {"nats": {6222}, "clickhouse": {9009}, "opensearch": {9300, 9600}}


@pytest.mark.parametrize("key", SERVICE_KEYS)
def test_image_is_pinned_to_an_exact_release(dev_plan: Plan, key: str) -> None:
    image = dev_plan.get(IMAGE, f"{key}-image").inputs["name"]
    assert EXACT_TAG.match(image), f"{key}: {image} is not an exact release tag"


@pytest.mark.parametrize("key", SERVICE_KEYS)
def test_data_paths_sit_on_managed_volumes_of_the_stack(dev_plan: Plan, key: str) -> None:
    container = dev_plan.get(CONTAINER, key).inputs
    stack_volumes = {v.inputs["name"] for v in dev_plan.of_type(VOLUME)}
    assert all("hostPath" not in v for v in container.get("volumes", [])), f"{key}: bind mount"
    assert "mounts" not in container, f"{key}: mounts bypass managed volumes"
    assert {v["volumeName"] for v in container.get("volumes", [])} <= stack_volumes, f"{key}: unmanaged volume"


@pytest.mark.parametrize("key", SERVICE_KEYS)
def test_no_port_the_compose_documentation_marks_internal_is_published(dev_plan: Plan, key: str) -> None:
    published = {p["internal"] for p in dev_plan.get(CONTAINER, key).inputs.get("ports", [])}
    assert not published & SEED_INTERNAL.get(key, set()), f"{key}: internal port published"


@pytest.mark.parametrize("key", SERVICE_KEYS)
def test_published_ports_bind_to_loopback_by_default(dev_plan: Plan, key: str) -> None:
    ips = {p["ip"] for p in dev_plan.get(CONTAINER, key).inputs["ports"]}
    assert ips == {"127.0.0.1"}, f"{key}: {ips}"


@pytest.mark.parametrize("key", SERVICE_KEYS)
def test_container_waits_for_health_with_limits_and_restart(dev_plan: Plan, key: str) -> None:
    container = dev_plan.get(CONTAINER, key)
    assert container.inputs["wait"] is True
    assert container.inputs["waitTimeout"] >= 60
    assert container.inputs["memory"] > 0
    assert container.inputs["restart"] == "unless-stopped"
    assert container.inputs["securityOpts"] == ["no-new-privileges:true"]
    assert container.inputs["healthcheck"]["tests"][0] in ("CMD", "CMD-SHELL")


@pytest.mark.parametrize("key", SERVICE_KEYS)
def test_container_replaces_cleanly_and_picks_up_healthcheck_changes(dev_plan: Plan, key: str) -> None:
    container = dev_plan.get(CONTAINER, key)
    assert container.delete_before_replace, container.urn
    assert container.replace_on_changes == ("healthcheck",), container.urn


def test_fixed_host_ports_are_unique_across_the_catalog() -> None:
    plan = run_program("dev", config(hostPorts="fixed"))
    host_ports = [p["external"] for c in plan.of_type(CONTAINER) for p in c.inputs["ports"]]
    assert len(host_ports) == len(set(host_ports)), sorted(host_ports)
    # The compose setup's clash: QuestDB's console and ClickHouse's native port were both 9000.
    assert {p["internal"]: p["external"] for p in plan.get(CONTAINER, "clickhouse").inputs["ports"]}[9000] == 19000
