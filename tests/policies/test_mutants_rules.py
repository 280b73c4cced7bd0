"""Rule verdicts mutation testing (tools/mutation.sh) found unguarded: each case here is one a
surviving mutant decided differently. Same style as test_rules.py: the hardened container, one
change, the exact messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from harness import check_resource, check_stack, hardened_container, resource, stack_of
from pulumi_policy import PolicyResource
from trade2026_policies import POLICIES
from trade2026_policies.framework import CONTAINER, IMAGE

BY_NAME = {policy.name: policy for policy in POLICIES}
LABEL = "trade2026-dev-nats"


def _with(**changes: Any) -> dict[str, Any]:
    return {**hardened_container(), **changes}


def _without(key: str) -> dict[str, Any]:
    props = hardened_container()
    del props[key]
    return props


@pytest.mark.parametrize("key", ["networkMode", "pidMode", "ipcMode", "usernsMode"])
def test_each_host_namespace_is_refused(key: str) -> None:
    assert check_resource(BY_NAME["no-host-namespaces"], _with(**{key: "host"})) == [f"{LABEL}: {key} is host"]


@pytest.mark.parametrize(
    ("opt", "reason"),
    [
        ("seccomp=unconfined", "replaces Docker's default seccomp profile"),
        ("seccomp:unconfined", "replaces Docker's default seccomp profile"),
        ("apparmor=unconfined", "replaces Docker's default AppArmor profile"),
        ("apparmor:unconfined", "replaces Docker's default AppArmor profile"),
    ],
)
def test_either_unconfined_profile_is_refused_in_either_spelling(opt: str, reason: str) -> None:
    props = _with(securityOpts=["no-new-privileges:true", opt])
    assert check_resource(BY_NAME["no-unconfined-profiles"], props) == [f"{LABEL}: security option {opt} {reason}"]


def test_a_container_without_security_opts_runs_confined_but_lacks_no_new_privileges() -> None:
    props = _without("securityOpts")
    assert check_resource(BY_NAME["no-unconfined-profiles"], props) == []
    assert check_resource(BY_NAME["no-new-privileges"], props) == [
        f"{LABEL}: securityOpts lacks no-new-privileges:true"
    ]


def test_no_new_privileges_is_not_switched_by_other_security_opts() -> None:
    props = _with(securityOpts=["no-new-privileges:true", "label=disable", "seccomp:default.json"])
    assert check_resource(BY_NAME["no-new-privileges"], props) == []


@pytest.mark.parametrize("opt", ["no-new-privileges:true:x", "no-new-privileges=true=x"])
def test_no_new_privileges_splits_at_the_first_separator_as_docker_does(opt: str) -> None:
    # Docker reads everything after the first ':' or '=' as the value, and refuses "true:x".
    value = opt.removeprefix("no-new-privileges")[1:]
    assert check_resource(BY_NAME["no-new-privileges"], _with(securityOpts=[opt])) == [
        f"{LABEL}: no-new-privileges value {value!r} is not a boolean Docker accepts"
    ]


def test_a_healthcheck_that_starts_with_none_is_no_healthcheck() -> None:
    props = _with(healthcheck={"tests": ["NONE", "CMD", "true"]})
    assert check_resource(BY_NAME["healthcheck-required"], props) == [f"{LABEL}: no healthcheck"]


def test_a_host_device_without_a_host_path_is_still_refused() -> None:
    props = _with(devices=[{"containerPath": "/dev/fuse"}])
    assert check_resource(BY_NAME["no-host-devices"], props) == [f"{LABEL}: host device ? is passed in"]


def test_an_env_value_containing_equals_is_split_at_the_first_equals() -> None:
    # NOTE is not a credential, whatever its value says; Docker splits KEY=VALUE at the first '='.
    props = _with(envs=["NOTE=PASSWORD=admin"])
    assert check_resource(BY_NAME["no-default-credentials"], props) == []
    props = _with(envs=["CLICKHOUSE_PASSWORD=admin"])
    assert check_resource(BY_NAME["no-default-credentials"], props) == [
        f"{LABEL}: env CLICKHOUSE_PASSWORD holds a well-known default credential"
    ]


def _container(name: str, **props: Any) -> dict[str, Any]:
    return {**hardened_container(), "name": f"trade2026-dev-{name}", "volumes": [], **props}


def test_a_docker_assigned_port_does_not_hide_a_conflict_on_the_next_port() -> None:
    first = _container("a", ports=[{"internal": 9000, "external": 9000, "ip": "127.0.0.1"}])
    second = _container(
        "b", ports=[{"internal": 80, "ip": "127.0.0.1"}, {"internal": 9000, "external": 9000, "ip": "127.0.0.1"}]
    )
    assert [m for _, m in check_stack(BY_NAME["no-host-port-conflicts"], stack_of(first, second))] == [
        "trade2026-dev-b: host port 127.0.0.1:9000/tcp is already published by trade2026-dev-a"
    ]


def test_every_host_port_conflict_of_a_stack_is_reported() -> None:
    ports = [{"internal": p, "external": p, "ip": "127.0.0.1"} for p in (9000, 9001)]
    stack = stack_of(_container("a", ports=ports), _container("b", ports=ports), _container("c", ports=ports[:1]))
    assert [m for _, m in check_stack(BY_NAME["no-host-port-conflicts"], stack)] == [
        "trade2026-dev-b: host port 127.0.0.1:9000/tcp is already published by trade2026-dev-a",
        "trade2026-dev-b: host port 127.0.0.1:9001/tcp is already published by trade2026-dev-a",
        "trade2026-dev-c: host port 127.0.0.1:9000/tcp is already published by trade2026-dev-a",
    ]


def test_a_container_of_unknown_image_does_not_stop_the_internal_port_check() -> None:
    unknown = resource(CONTAINER, _container("unknown", image="sha256:0123"))
    seaweed_image = resource(IMAGE, {"name": "chrislusf/seaweedfs:4.30"}, name="image-seaweedfs")
    seaweed = resource(
        CONTAINER, _container("seaweedfs", ports=[{"internal": 8080, "ip": "127.0.0.1"}]), image=[seaweed_image]
    )
    found = check_stack(BY_NAME["internal-ports-unpublished"], [unknown, seaweed_image, seaweed])
    assert [m for _, m in found] == [
        "trade2026-dev-seaweedfs: port 8080 of chrislusf/seaweedfs is internal; do not publish it"
    ]


def _memory_stack(*sizes: int | None) -> list[PolicyResource]:
    containers: list[Mapping[str, Any]] = []
    for index, size in enumerate(sizes):
        props = _container(f"s{index}")
        if size is None:
            del props["memory"]
        else:
            props["memory"] = size
        containers.append(props)
    return stack_of(*containers)


def test_the_memory_budget_may_be_used_exactly_and_a_container_without_a_limit_adds_nothing() -> None:
    assert check_stack(BY_NAME["stack-memory-budget"], _memory_stack(2048, 2048, None)) == []


def test_a_memory_budget_overrun_is_reported_on_the_largest_container() -> None:
    found = check_stack(BY_NAME["stack-memory-budget"], _memory_stack(1024, 3072, 512))
    assert [(urn.rsplit("::", 1)[-1], m) for urn, m in found] == [
        (
            "trade2026-dev-s1",
            "memory limits add up to 4608 MB, over the 4096 MB budget "
            "(largest: trade2026-dev-s1 3072 MB, trade2026-dev-s0 1024 MB, trade2026-dev-s2 512 MB)",
        )
    ]


def test_mounting_the_root_exposes_a_configured_sensitive_path_below_it() -> None:
    props = _with(volumes=[{"hostPath": "/", "containerPath": "/host"}])
    config = {"sensitivePaths": ["/var/run/docker.sock"]}
    assert check_resource(BY_NAME["no-sensitive-host-mounts"], props, config=config) == [
        f"{LABEL}: /host mounts sensitive host path /"
    ]


def test_a_host_directory_inside_another_containers_is_shared_whatever_its_name() -> None:
    # Upper-case X at the end of a path once fooled the ancestor walk (a mutant stripped it).
    first = _container("a", volumes=[{"hostPath": "/mnt", "containerPath": "/data"}])
    second = _container("b", volumes=[{"hostPath": "/mnt/X", "containerPath": "/data"}])
    found = check_stack(BY_NAME["no-shared-volumes"], stack_of(first, second))
    assert [m for _, m in found] == ["trade2026-dev-b: host path /mnt/X is already mounted by trade2026-dev-a"]
