"""Run policies as pure functions: constructed validation args and a collecting reporter."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import (
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from trade2026_policies.framework import CONTAINER, IMAGE, NETWORK, VOLUME

STACK = "dev"


def urn(type_: str, name: str, stack: str = STACK) -> str:
    return f"urn:pulumi:{stack}::trade2026::trade2026:infra:Nats${type_}::{name}"


def hardened_container() -> dict[str, Any]:
    """Passes every policy: what the program renders for NATS."""
    return {
        "name": "trade2026-dev-nats",
        "image": "sha256:0123456789abcdef",
        "envs": ["NATS_OPTS=-js"],
        "ports": [{"internal": 4222, "ip": "127.0.0.1", "protocol": "tcp"}],
        "volumes": [{"volumeName": "trade2026-dev-nats-data", "containerPath": "/data"}],
        "networksAdvanced": [{"name": "trade2026-dev-backend", "aliases": ["nats"]}],
        "healthcheck": {"tests": ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8222/healthz"]},
        "restart": "unless-stopped",
        "memory": 256,
        "securityOpts": ["no-new-privileges:true"],
        "uploads": [{"file": "/etc/nats/extra.conf", "content": "max_payload: 1MB\n"}],
    }


def options(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def check_resource(
    policy: Policy,
    props: Mapping[str, Any],
    *,
    type_: str = CONTAINER,
    stack: str = STACK,
    protect: bool = False,
    config: Mapping[str, Any] | None = None,
) -> list[str]:
    assert isinstance(policy, ResourceValidationPolicy)
    found: list[str] = []
    name = str(props.get("name", "r"))
    args = ResourceValidationArgs(type_, props, urn(type_, name, stack), name, options(protect), None, config)
    policy.validate(args, lambda message, _urn=None: found.append(message))
    return found


def resource(
    type_: str, props: Mapping[str, Any], name: str | None = None, **deps: list[PolicyResource]
) -> PolicyResource:
    name = name or str(props.get("name", "r"))
    return PolicyResource(type_, props, urn(type_, name), name, options(), None, None, [], dict(deps))


def stack_of(*containers: Mapping[str, Any], image: str = "nats:2.10.29-alpine") -> list[PolicyResource]:
    """Containers with their RemoteImage (as the `image` dependency), volumes and a network."""
    resources: list[PolicyResource] = [resource(NETWORK, {"name": "trade2026-dev-backend"})]
    for index, props in enumerate(containers):
        remote = resource(IMAGE, {"name": image}, name=f"image-{index}")
        volumes = [resource(VOLUME, {"name": v["volumeName"]}) for v in props.get("volumes", []) if "volumeName" in v]
        resources += [remote, *volumes, resource(CONTAINER, props, image=[remote], volumes=volumes)]
    return resources


def check_stack(
    policy: Policy, resources: list[PolicyResource], config: Mapping[str, Any] | None = None
) -> list[tuple[str, str]]:
    assert isinstance(policy, StackValidationPolicy)
    found: list[tuple[str, str]] = []
    policy.validate(StackValidationArgs(resources, config), lambda message, at=None: found.append((at or "", message)))
    return found


def mutated(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    props = copy.deepcopy(hardened_container())
    change(props)
    return props
