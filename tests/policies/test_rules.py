"""Every rule with a passing and a failing case: one hardened container, one mutation per failure."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from harness import (
    check_resource,
    check_stack,
    hardened_container,
    mutated,
    stack_of,
)
from pulumi_policy import Policy, ResourceValidationPolicy, StackValidationPolicy
from trade2026_policies import POLICIES
from trade2026_policies.framework import CONTAINER, IMAGE, NETWORK, VOLUME

BY_NAME = {policy.name: policy for policy in POLICIES}
HAPPY = {
    CONTAINER: hardened_container(),
    VOLUME: {"name": "trade2026-dev-nats-data"},
    NETWORK: {"name": "trade2026-dev-backend"},
    IMAGE: {"name": "nats:2.10.29-alpine"},
}


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_hardened_resources_pass_every_policy(policy: Policy) -> None:
    if isinstance(policy, StackValidationPolicy):
        assert check_stack(policy, stack_of(hardened_container())) == []
    else:
        for type_, props in HAPPY.items():
            assert check_resource(policy, props, type_=type_) == [], type_


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda props: props.__setitem__(key, value)


RESOURCE_FAILURES = [
    (
        "no-bind-mounts",
        _set("volumes", [{"hostPath": "/srv/nats", "containerPath": "/data"}]),
        ["trade2026-dev-nats: /data is a bind mount of host path /srv/nats; use a docker.Volume instead"],
    ),
    (
        "no-bind-mounts",
        _set("mounts", [{"type": "bind", "source": "/srv/nats", "target": "/data"}]),
        ["trade2026-dev-nats: /data is a bind mount of host path /srv/nats; use a docker.Volume instead"],
    ),
    (
        "no-sensitive-host-mounts",
        _set("volumes", [{"hostPath": "/var/run/docker.sock", "containerPath": "/var/run/docker.sock"}]),
        ["trade2026-dev-nats: /var/run/docker.sock mounts sensitive host path /var/run/docker.sock"],
    ),
    (
        "no-sensitive-host-mounts",
        _set("mounts", [{"type": "bind", "source": "/etc/ssl/", "target": "/ssl"}]),
        ["trade2026-dev-nats: /ssl mounts sensitive host path /etc/ssl/"],
    ),
    (
        "pinned-image-tags",
        _set("image", "nats"),
        ["trade2026-dev-nats: image nats has no tag and runs whatever latest is"],
    ),
    (
        "pinned-image-tags",
        _set("image", "nats:latest"),
        ["trade2026-dev-nats: image nats:latest floats with every release"],
    ),
    (
        "pinned-image-tags",
        _set("image", "nats:2.10-alpine"),
        [
            "trade2026-dev-nats: image nats:2.10-alpine is not an exact release "
            "(needs 3 version parts, or a sha256 digest)"
        ],
    ),
    ("healthcheck-required", lambda p: p.pop("healthcheck"), ["trade2026-dev-nats: no healthcheck"]),
    ("healthcheck-required", _set("healthcheck", {"tests": ["NONE"]}), ["trade2026-dev-nats: no healthcheck"]),
    (
        "restart-policy-set",
        _set("restart", "no"),
        ["trade2026-dev-nats: restart policy 'no' is not one of unless-stopped, always, on-failure"],
    ),
    (
        "restart-policy-set",
        _set("restart", "on-failure"),
        ["trade2026-dev-nats: on-failure needs maxRetryCount between 1 and 5"],
    ),
    (
        "loopback-port-bindings",
        _set("ports", [{"internal": 4222}]),
        [
            "trade2026-dev-nats: port 4222 is published on 0.0.0.0; bind it to 127.0.0.1"
            " (pulumi config set trade2026:bindAddress 127.0.0.1)"
        ],
    ),
    (
        "no-privileged-host-ports",
        _set("ports", [{"internal": 4222, "external": 80, "ip": "127.0.0.1"}]),
        ["trade2026-dev-nats: port 4222 is published on privileged host port 80"],
    ),
    ("no-host-namespaces", _set("networkMode", "host"), ["trade2026-dev-nats: networkMode is host"]),
    ("no-host-namespaces", _set("pidMode", "host"), ["trade2026-dev-nats: pidMode is host"]),
    (
        "user-defined-networks",
        lambda p: p.pop("networksAdvanced"),
        ["trade2026-dev-nats: attached to no user-defined network"],
    ),
    ("memory-limit-required", lambda p: p.pop("memory"), ["trade2026-dev-nats: no memory limit"]),
    ("no-privileged-containers", _set("privileged", True), ["trade2026-dev-nats: runs privileged"]),
    (
        "no-added-capabilities",
        _set("capabilities", {"adds": ["CAP_SYS_ADMIN"]}),
        ["trade2026-dev-nats: adds capability CAP_SYS_ADMIN"],
    ),
    ("no-new-privileges", _set("securityOpts", []), ["trade2026-dev-nats: securityOpts lacks no-new-privileges:true"]),
    (
        "no-unconfined-profiles",
        _set("securityOpts", ["no-new-privileges:true", "seccomp=unconfined"]),
        ["trade2026-dev-nats: security option seccomp=unconfined replaces Docker's default seccomp profile"],
    ),
    (
        "no-host-devices",
        _set("devices", [{"hostPath": "/dev/sda"}]),
        ["trade2026-dev-nats: host device /dev/sda is passed in"],
    ),
    ("no-cgroup-parent", _set("cgroupParent", "/custom"), ["trade2026-dev-nats: cgroupParent is /custom"]),
    (
        "no-default-credentials",
        _set("envs", ["CLICKHOUSE_PASSWORD=trader123"]),
        ["trade2026-dev-nats: env CLICKHOUSE_PASSWORD holds a well-known default credential"],
    ),
    (
        "no-default-credentials",
        _set("uploads", [{"file": "/etc/valkey.conf", "content": "requirepass Quest\n"}]),
        ["trade2026-dev-nats: uploaded file /etc/valkey.conf holds a well-known default credential"],
    ),
    (
        "no-default-credentials",
        _set("uploads", [{"file": "/etc/s3.json", "content": '{"accessKey": "any", "secretKey": "any"}'}]),
        ["trade2026-dev-nats: uploaded file /etc/s3.json holds a well-known default credential"],
    ),
    (
        "stack-scoped-names",
        _set("name", "nats"),
        ["nats: does not carry the stack name dev; another stack could claim it"],
    ),
    (
        "stack-scoped-names",
        _set("name", "trade2026-devx-nats"),
        ["trade2026-devx-nats: does not carry the stack name dev; another stack could claim it"],
    ),
]


@pytest.mark.parametrize(("name", "change", "expected"), RESOURCE_FAILURES, ids=[c[0] for c in RESOURCE_FAILURES])
def test_one_mutation_of_the_hardened_container_violates_exactly_its_policy(
    name: str, change: Callable[[dict[str, Any]], None], expected: list[str]
) -> None:
    assert check_resource(BY_NAME[name], mutated(change)) == expected


def test_pinned_image_tags_checks_remote_images_and_knows_two_part_releases() -> None:
    policy = BY_NAME["pinned-image-tags"]
    assert check_resource(policy, {"name": "chrislusf/seaweedfs:3.97"}, type_=IMAGE) == []
    assert check_resource(policy, {"name": "mirror.internal:5000/library/postgres:16.9-alpine"}, type_=IMAGE) == []
    assert check_resource(policy, {"name": "valkey/valkey:8-alpine"}, type_=IMAGE) == [
        "valkey/valkey:8-alpine: image valkey/valkey:8-alpine is not an exact release "
        "(needs 3 version parts, or a sha256 digest)"
    ]
    assert check_resource(policy, {"name": "opensearchproject/opensearch@sha256:" + "a" * 64}, type_=IMAGE) == []


def test_the_docker_assigned_image_id_of_a_container_is_not_a_tag_to_check() -> None:
    assert check_resource(BY_NAME["pinned-image-tags"], hardened_container()) == []


def test_default_credentials_do_not_match_unrelated_words() -> None:
    identities = (
        '{"identities": [{"credentials": [{"accessKey": "k3y", "secretKey": "s3cr3t"}], "actions": ["Admin"]}]}'
    )
    props = mutated(_set("uploads", [{"file": "/etc/s3.json", "content": identities}]))
    props["envs"] = ["QDB_PG_USER=admin", "POSTGRES_DB=postgres"]  # names, not credentials
    assert check_resource(BY_NAME["no-default-credentials"], props) == []


def test_data_volumes_must_be_protected_outside_developer_stacks() -> None:
    policy, volume = BY_NAME["protected-data-volumes"], {"name": "trade2026-prod-nats-data"}
    assert check_resource(policy, volume, type_=VOLUME, stack="prod") == [
        "trade2026-prod-nats-data: data volume of stack prod is not protected; set protectData: true"
    ]
    assert check_resource(policy, volume, type_=VOLUME, stack="prod", protect=True) == []
    assert check_resource(policy, {"name": "trade2026-dev-alice-nats-data"}, type_=VOLUME, stack="dev-alice") == []
    assert check_resource(policy, volume, type_=VOLUME, stack="dev-alice", config={"unprotectedStacks": []}) != []


def test_opensearch_may_run_without_security_only_on_allowed_stacks() -> None:
    policy = BY_NAME["opensearch-security-enabled"]
    props = mutated(_set("envs", ["DISABLE_SECURITY_PLUGIN=true"]))
    assert check_resource(policy, props) == []
    assert check_resource(policy, props, stack="prod") == [
        "trade2026-dev-nats: OpenSearch without login and TLS on stack prod"
    ]
    assert check_resource(policy, props, config={"allowDisabledStacks": []}) != []


def test_stack_scoped_names_match_a_whole_segment_of_multi_part_stacks() -> None:
    policy = BY_NAME["stack-scoped-names"]
    assert check_resource(policy, {"name": "trade2026-dev-alice-nats"}, stack="dev-alice", type_=VOLUME) == []
    assert check_resource(policy, {}, type_=NETWORK) == [], "auto-named resources cannot collide"


def test_config_overrides_thresholds_and_allowlists() -> None:
    props = mutated(_set("ports", [{"internal": 4222, "ip": "0.0.0.0"}]))
    assert check_resource(BY_NAME["loopback-port-bindings"], props, config={"allowedHostIps": ["0.0.0.0"]}) == []
    caps = mutated(_set("capabilities", {"adds": ["NET_ADMIN"]}))
    assert (
        check_resource(BY_NAME["no-added-capabilities"], caps, config={"allowedCapabilities": ["cap_net_admin"]}) == []
    )
    latest = mutated(_set("image", "nats:2.10-alpine"))
    assert check_resource(BY_NAME["pinned-image-tags"], latest, config={"minVersionParts": 2}) == []


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            {"allowedHostIp": ["0.0.0.0"]},
            "policy loopback-port-bindings: invalid config: allowedHostIp: Extra inputs are not permitted",
        ),
        (
            {"allowedHostIps": "0.0.0.0"},
            "policy loopback-port-bindings: invalid config: allowedHostIps: Input should be a valid list",
        ),
    ],
)
def test_bad_policy_config_is_refused_naming_the_key(config: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValueError, match=re.escape(expected)):
        check_resource(BY_NAME["loopback-port-bindings"], hardened_container(), config=config)


# Stack policies ---------------------------------------------------------------------------------


def _on_port(name: str, port: int, ip: str = "127.0.0.1") -> dict[str, Any]:
    props = hardened_container()
    props["name"] = f"trade2026-dev-{name}"
    props["volumes"] = [{"volumeName": f"trade2026-dev-{name}-data", "containerPath": "/data"}]
    props["ports"] = [{"internal": port, "external": port, "ip": ip}]
    return props


def test_host_port_conflicts_name_both_containers() -> None:
    found = check_stack(
        BY_NAME["no-host-port-conflicts"], stack_of(_on_port("questdb", 9000), _on_port("clickhouse", 9000))
    )
    assert [message for _, message in found] == [
        "trade2026-dev-clickhouse: host port 127.0.0.1:9000/tcp is already published by trade2026-dev-questdb"
    ]
    assert found[0][0].endswith("::trade2026-dev-clickhouse")


def test_wildcard_binding_overlaps_every_address_but_distinct_addresses_do_not() -> None:
    policy = BY_NAME["no-host-port-conflicts"]
    assert check_stack(policy, stack_of(_on_port("a", 9000, "0.0.0.0"), _on_port("b", 9000, "127.0.0.1"))) != []
    assert check_stack(policy, stack_of(_on_port("a", 9000, "127.0.0.1"), _on_port("b", 9000, "127.0.0.2"))) == []


def test_container_volumes_must_be_volumes_of_the_stack() -> None:
    resources = [r for r in stack_of(hardened_container()) if r.resource_type != VOLUME]
    assert [m for _, m in check_stack(BY_NAME["stack-managed-volumes"], resources)] == [
        "trade2026-dev-nats: volume trade2026-dev-nats-data is not a docker.Volume of this stack"
    ]


def test_one_volume_mounted_by_two_containers_is_reported() -> None:
    second = hardened_container()
    second["name"] = "trade2026-dev-nats-2"
    found = check_stack(BY_NAME["no-shared-volumes"], stack_of(hardened_container(), second))
    assert [m for _, m in found] == [
        "trade2026-dev-nats-2: volume trade2026-dev-nats-data is already mounted by trade2026-dev-nats"
    ]


def test_internal_ports_are_resolved_through_the_containers_remote_image() -> None:
    policy = BY_NAME["internal-ports-unpublished"]
    clickhouse = _on_port("clickhouse", 9009)
    found = check_stack(
        policy, stack_of(clickhouse, image="mirror.internal:5000/clickhouse/clickhouse-server:24.9.2.42")
    )
    assert [m for _, m in found] == [
        "trade2026-dev-clickhouse: port 9009 of clickhouse/clickhouse-server is internal; do not publish it"
    ]
    assert check_stack(policy, stack_of(_on_port("questdb", 9009), image="questdb/questdb:8.3.3")) == []


def test_stack_memory_budget_names_the_total_and_largest_consumers() -> None:
    big = [dict(hardened_container(), name=f"trade2026-dev-s{i}", memory=1024, volumes=[]) for i in range(5)]
    found = check_stack(BY_NAME["stack-memory-budget"], stack_of(*big))
    assert [m for _, m in found] == [
        "memory limits add up to 5120 MB, over the 4096 MB budget "
        "(largest: trade2026-dev-s4 1024 MB, trade2026-dev-s3 1024 MB, trade2026-dev-s2 1024 MB)"
    ]
    assert check_stack(BY_NAME["stack-memory-budget"], stack_of(*big), {"budgetMb": 8192}) == []


def test_policy_names_are_unique_kebab_case_and_descriptions_say_what_they_do() -> None:
    names = [p.name for p in POLICIES]
    assert len(names) == len(set(names))
    for policy in POLICIES:
        assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", policy.name), policy.name
        assert policy.description.startswith(("Prohibits ", "Requires ")), policy.name
        assert isinstance(policy, (ResourceValidationPolicy, StackValidationPolicy))
