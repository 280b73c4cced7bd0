"""What a container exposes and which namespaces it shares with the host."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from pulumi_policy import PolicyResource, Severity
from pulumi_policy.proxy import UnknownValueError
from pydantic import Field

from .framework import (
    ADVISORY,
    CONTAINER,
    NETWORK,
    RuleConfig,
    Subject,
    cis,
    image_of,
    items,
    kics,
    known,
    of_type,
    own,
    resource_rule,
    stack_rule,
)

_WILDCARDS = {"0.0.0.0", "::", ""}
# What `published` gives for an address not known until `up`: Docker may bind it anywhere.
_UNKNOWN_IP = "(unknown at preview)"


def published(subject: Subject) -> Iterator[tuple[int, int | None, str, str]]:
    """(container port, host port or None when Docker assigns it, host ip, protocol)."""
    for port in items(subject.props, "ports"):
        external = known(port, "external")
        try:
            ip = str(port.get("ip") or "0.0.0.0")
        except UnknownValueError:
            ip = _UNKNOWN_IP
        yield (
            int(known(port, "internal", 0)),
            int(external) if external else None,
            ip,
            str(known(port, "protocol", "tcp")),
        )


class AllowedHostIps(RuleConfig):
    allowed_host_ips: list[str] = Field(
        default=["127.0.0.1", "::1"],
        alias="allowedHostIps",
        description="Host addresses published ports may bind to.",
    )


@resource_rule(
    "loopback-port-bindings",
    "Requires published ports to bind to loopback unless the address is allowed.",
    config=AllowedHostIps,
    anchor=cis(
        "Ensure that incoming container traffic is bound to a specific host interface",
        "Set the port's ip (trade2026:bindAddress) to 127.0.0.1; never set publishAllPorts.",
    ),
)
def loopback_port_bindings(subject: Subject, config: AllowedHostIps) -> Iterator[str]:
    if known(subject.props, "publishAllPorts") is True:
        # Docker publishes every EXPOSEd port of the image on all interfaces, on random host ports.
        yield f"{subject.label}: publishAllPorts publishes every exposed port on 0.0.0.0"
    for internal, _, ip, _ in published(subject):
        # An address unknown at preview reads as the default here; known-at-preview reports it.
        if ip == _UNKNOWN_IP:
            continue
        if ip not in config.allowed_host_ips:
            # Named as the user sets it: the program publishes every port on trade2026:bindAddress.
            yield (
                f"{subject.label}: port {internal} is published on {ip}; bind it to {config.allowed_host_ips[0]} "
                f"(pulumi config set trade2026:bindAddress {config.allowed_host_ips[0]})"
            )


class MinHostPort(RuleConfig):
    min_host_port: int = Field(
        default=1024, ge=1, le=65535, alias="minHostPort", description="Lowest host port a container may publish on."
    )


@resource_rule(
    "no-privileged-host-ports",
    "Prohibits publishing on privileged host ports (below 1024).",
    severity=Severity.MEDIUM,
    config=MinHostPort,
    anchor=cis(
        "Ensure that privileged ports are not mapped within containers",
        "Publish on a host port of 1024 or above (hostPorts: auto, or a portOffset that keeps fixed ports there).",
    ),
)
def no_privileged_host_ports(subject: Subject, config: MinHostPort) -> Iterator[str]:
    for internal, external, _, _ in published(subject):
        if external is not None and external < config.min_host_port:
            yield f"{subject.label}: port {internal} is published on privileged host port {external}"


class MinContainerPort(RuleConfig):
    min_container_port: int = Field(
        default=1024,
        ge=1,
        le=65535,
        alias="minContainerPort",
        description="Lowest container port that may be published on the host.",
    )


@resource_rule(
    "no-privileged-container-ports",
    "Prohibits publishing a container port below 1024 on the host, whatever the host port.",
    level=ADVISORY,
    severity=Severity.LOW,
    config=MinContainerPort,
    anchor=kics(
        "Privileged Ports Mapped In Container",
        "Make the service listen on a port of 1024 or above inside the container, so it needs no root "
        "or NET_BIND_SERVICE to bind it.",
    ),
)
def no_privileged_container_ports(subject: Subject, config: MinContainerPort) -> Iterator[str]:
    for internal, external, _, _ in published(subject):
        if 0 < internal < config.min_container_port:
            on = f"host port {external}" if external else "a Docker-assigned host port"
            yield f"{subject.label}: privileged container port {internal} is published on {on}"


@stack_rule(
    "no-host-port-conflicts",
    "Prohibits two containers publishing the same host port on overlapping addresses.",
    anchor=own("Give each service its own host port: hostPorts: auto, or a portOffset unique per stack."),
)
def no_host_port_conflicts(resources: Sequence[PolicyResource], _config: RuleConfig) -> Iterator[tuple[str, str]]:
    # Indexed by (port, protocol): linear in the number of containers, whatever the stack size.
    claimed: dict[tuple[int, str], list[tuple[str, str]]] = defaultdict(list)
    for container in of_type(resources, CONTAINER):
        subject = Subject.of(container)
        for _, external, ip, protocol in published(subject):
            if external is None:
                continue  # Docker assigns a free port
            holders = claimed[(external, protocol)]
            for other_ip, other in holders:
                if ip == other_ip or ip in _WILDCARDS or other_ip in _WILDCARDS:
                    yield (
                        container.urn,
                        (f"{subject.label}: host port {ip}:{external}/{protocol} is already published by {other}"),
                    )
                    break
            holders.append((ip, subject.label))


class InternalPorts(RuleConfig):
    internal_ports: dict[str, list[int]] = Field(
        default={
            "nats": [6222],
            "clickhouse/clickhouse-server": [9009],
            "opensearchproject/opensearch": [9300, 9600],
            "questdb/questdb": [9003],
            "chrislusf/seaweedfs": [8080, 8888, 9333],
        },
        alias="internalPorts",
        description="Container ports per image repository that are for the stack's networks only.",
    )


@stack_rule(
    "internal-ports-unpublished",
    "Prohibits publishing cluster, interserver and transport ports that are internal to the stack.",
    config=InternalPorts,
    anchor=cis(
        "Ensure that only needed ports are open on the container",
        "Mark the port published=False in the service's data sheet; the stack's networks still reach it.",
    ),
)
def internal_ports_unpublished(resources: Sequence[PolicyResource], config: InternalPorts) -> Iterator[tuple[str, str]]:
    for container in of_type(resources, CONTAINER):
        image = image_of(container)
        if image is None:
            continue
        internal = {p for repo, ports in config.internal_ports.items() if image.is_(repo) for p in ports}
        subject = Subject.of(container)
        if internal and known(subject.props, "publishAllPorts") is True:
            listed = ", ".join(map(str, sorted(internal)))
            yield (
                container.urn,
                f"{subject.label}: publishAllPorts publishes every port {image.repository} exposes, "
                f"internal ones ({listed}) included",
            )
        for port, _, _, _ in published(subject):
            if port in internal:
                yield (
                    container.urn,
                    f"{subject.label}: port {port} of {image.repository} is internal; do not publish it",
                )


# The namespace modes a container may set: its own (private, or none at all) or, for IPC, one it
# shares out. `host` and `container:<name>` join a namespace that is not the container's.
_NAMESPACE_KEYS = ("networkMode", "pidMode", "ipcMode", "usernsMode", "cgroupnsMode")


@resource_rule(
    "no-host-namespaces",
    "Prohibits joining the host's or another container's network, PID, IPC, user or cgroup namespace.",
    severity=Severity.CRITICAL,
    anchor=cis(
        "Ensure that the host's network, process, IPC and user namespaces are not shared",
        "Remove networkMode/pidMode/ipcMode/usernsMode/cgroupnsMode host or container:<name>; publish ports and "
        "join a user-defined network.",
    ),
)
def no_host_namespaces(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    for key in _NAMESPACE_KEYS:
        mode = str(known(subject.props, key, ""))
        if mode == "host":
            yield f"{subject.label}: {key} is host"
        elif mode.startswith("container:"):
            yield f"{subject.label}: {key} is {mode}, another container's namespace"


# networkMode values that put a container on Docker's default bridge; any other value names a
# user-defined network, `none`, `host` (no-host-namespaces) or `container:<id>`.
_DEFAULT_BRIDGE = {"bridge", "default"}


@resource_rule(
    "user-defined-networks",
    "Requires containers to join user-defined networks, not the default bridge.",
    level=ADVISORY,
    severity=Severity.LOW,
    anchor=cis(
        "Ensure that Docker's default bridge docker0 is not used",
        "Attach the container to the stack's networks with networksAdvanced and leave networkMode unset.",
    ),
)
def user_defined_networks(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    mode = known(subject.props, "networkMode")
    joins = known(subject.props, "networksAdvanced")
    # The provider's Check fills in networkMode "bridge" when the program leaves it unset (its
    # schema's Default), so the real CLI's Analyze sees it on every container; with
    # networksAdvanced the provider disconnects the container from the default bridge after
    # creating it, before starting it (kreuzwerker resource_docker_container_funcs.go,
    # resourceDockerContainerCreate), so that container is on the user-defined networks only.
    if mode in _DEFAULT_BRIDGE and not joins:
        yield f"{subject.label}: networkMode {mode} is Docker's default bridge"
    elif not mode and not joins:
        yield f"{subject.label}: attached to no user-defined network"


_BRIDGE = {None, "", "bridge"}
_DEFAULT_IPAM = {None, "", "default"}


@resource_rule(
    "bridge-networks",
    "Requires docker.Networks on the bridge driver with Docker's own address management, so containers reach the "
    "host only through published ports.",
    types=(NETWORK,),
    severity=Severity.HIGH,
    anchor=own(
        "Leave the network's driver (bridge) and ipamDriver (default) unset; host, macvlan, ipvlan and overlay "
        "join other networks."
    ),
)
def bridge_networks(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    driver = known(subject.props, "driver")
    if driver not in _BRIDGE:
        yield f"network {subject.label}: driver {driver} is not bridge"
    # "default" is Docker's own address management, what an unset ipamDriver gets: the provider's
    # Check fills it in (its schema's Default), so the real CLI's Analyze sees it on every network.
    ipam = known(subject.props, "ipamDriver")
    if ipam not in _DEFAULT_IPAM:
        yield f"network {subject.label}: ipamDriver {ipam} hands address management to a plugin"


@stack_rule(
    "stack-managed-networks",
    "Requires every network a container joins to be a docker.Network of the same stack.",
    anchor=own("Declare the network as a docker.Network in this stack and join it by that resource's name."),
)
def stack_managed_networks(resources: Sequence[PolicyResource], _config: RuleConfig) -> Iterator[tuple[str, str]]:
    managed = {known(n.props, "name") for n in of_type(resources, NETWORK)}
    for container in of_type(resources, CONTAINER):
        subject = Subject.of(container)
        joined = [known(n, "name") for n in items(subject.props, "networksAdvanced")]
        mode = str(known(subject.props, "networkMode", ""))
        # host and container:<name> are no-host-namespaces', bridge and default user-defined-networks'.
        if mode and mode not in ("none", "host", *_DEFAULT_BRIDGE) and not mode.startswith("container:"):
            joined.append(mode)
        for name in joined:
            if name is not None and name not in managed:
                yield container.urn, f"{subject.label}: network {name} is not a docker.Network of this stack"
