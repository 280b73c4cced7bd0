"""Run policies as pure functions: constructed validation args and a collecting reporter."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import (
    Policy,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy
from trade2026_policies.framework import CONTAINER, IMAGE, NETWORK, VOLUME

STACK = "dev"
# What a value computed by a provider is at preview, on the wire and in a policy's props.
UNKNOWN = UNKNOWN_STRING_VALUE
ROOT_STACK = f"urn:pulumi:{STACK}::trade2026::pulumi:pulumi:Stack::trade2026-{STACK}"


def default_provider(package: str, version: str = "") -> PolicyProviderResource:
    """The provider the engine creates for a package, as it sends it beside each resource."""
    name = "default_" + version.replace(".", "_") if version else "default"
    urn = f"urn:pulumi:{STACK}::trade2026::pulumi:providers:{package}::{name}"
    return PolicyProviderResource(f"pulumi:providers:{package}", {"version": version}, urn, name)


def provider_of(type_: str) -> PolicyProviderResource:
    return default_provider(type_.split(":", 1)[0])


def at_preview(props: Mapping[str, Any]) -> Any:
    """`props` as a policy sees them during preview: UNKNOWN values raise when read."""
    return unknown_checking_proxy(copy.deepcopy(dict(props)))


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


def options(protect: bool = False, parent: str | None = ROOT_STACK) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], parent)


def _name_of(props: Mapping[str, Any]) -> str:
    try:
        return str(props.get("name", "r"))
    except UnknownValueError:
        return "r"


def check_resource(
    policy: Policy,
    props: Mapping[str, Any],
    *,
    type_: str = CONTAINER,
    stack: str = STACK,
    protect: bool = False,
    config: Mapping[str, Any] | None = None,
    provider: PolicyProviderResource | None = None,
    parent: str | None = ROOT_STACK,
    name: str | None = None,
) -> list[str]:
    """`policy`'s messages on one resource; `provider` is what the engine would send beside it
    (none for a component or a provider resource), `parent` None for an engine-made provider."""
    assert isinstance(policy, ResourceValidationPolicy)
    found: list[str] = []
    name = name or _name_of(props)
    args = ResourceValidationArgs(
        type_, props, urn(type_, name, stack), name, options(protect, parent), provider, config
    )
    policy.validate(args, lambda message, _urn=None: found.append(message))
    return found


def resource(
    type_: str, props: Mapping[str, Any], name: str | None = None, **deps: list[PolicyResource]
) -> PolicyResource:
    name = name or _name_of(props)
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
