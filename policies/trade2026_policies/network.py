"""What a container exposes and which namespaces it shares with the host."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from pulumi_policy import PolicyResource, Severity
from pydantic import Field

from .framework import (
    ADVISORY,
    CONTAINER,
    RuleConfig,
    Subject,
    image_of,
    items,
    known,
    of_type,
    resource_rule,
    stack_rule,
)

_WILDCARDS = {"0.0.0.0", "::", ""}


def published(subject: Subject) -> Iterator[tuple[int, int | None, str, str]]:
    """(container port, host port or None when Docker assigns it, host ip, protocol)."""
    for port in items(subject.props, "ports"):
        external = known(port, "external")
        yield (
            int(known(port, "internal", 0)),
            int(external) if external else None,
            str(known(port, "ip", "0.0.0.0")),
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
)
def loopback_port_bindings(subject: Subject, config: AllowedHostIps) -> Iterator[str]:
    for internal, _, ip, _ in published(subject):
        if ip not in config.allowed_host_ips:
            yield f"{subject.label}: port {internal} is published on {ip}; bind it to {config.allowed_host_ips[0]}"


class MinHostPort(RuleConfig):
    min_host_port: int = Field(
        default=1024, ge=1, le=65535, alias="minHostPort", description="Lowest host port a container may publish on."
    )


@resource_rule(
    "no-privileged-host-ports",
    "Prohibits publishing on privileged host ports (below 1024).",
    severity=Severity.MEDIUM,
    config=MinHostPort,
)
def no_privileged_host_ports(subject: Subject, config: MinHostPort) -> Iterator[str]:
    for internal, external, _, _ in published(subject):
        if external is not None and external < config.min_host_port:
            yield f"{subject.label}: port {internal} is published on privileged host port {external}"


@stack_rule(
    "no-host-port-conflicts", "Prohibits two containers publishing the same host port on overlapping addresses."
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
        default={"nats": [6222], "clickhouse/clickhouse-server": [9009], "opensearchproject/opensearch": [9300, 9600]},
        alias="internalPorts",
        description="Container ports per image repository that are for the stack's networks only.",
    )


@stack_rule(
    "internal-ports-unpublished",
    "Prohibits publishing cluster, interserver and transport ports that are internal to the stack.",
    config=InternalPorts,
)
def internal_ports_unpublished(resources: Sequence[PolicyResource], config: InternalPorts) -> Iterator[tuple[str, str]]:
    for container in of_type(resources, CONTAINER):
        image = image_of(container)
        if image is None:
            continue
        internal = {p for repo, ports in config.internal_ports.items() if image.is_(repo) for p in ports}
        subject = Subject.of(container)
        for port, _, _, _ in published(subject):
            if port in internal:
                yield (
                    container.urn,
                    f"{subject.label}: port {port} of {image.repository} is internal; do not publish it",
                )


@resource_rule(
    "no-host-namespaces",
    "Prohibits sharing the host's network, PID, IPC or user namespace.",
    severity=Severity.CRITICAL,
)
def no_host_namespaces(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    for key in ("networkMode", "pidMode", "ipcMode", "usernsMode"):
        if known(subject.props, key) == "host":
            yield f"{subject.label}: {key} is host"


@resource_rule(
    "user-defined-networks",
    "Requires containers to join user-defined networks, not the default bridge.",
    level=ADVISORY,
    severity=Severity.LOW,
)
def user_defined_networks(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    if not known(subject.props, "networksAdvanced"):
        yield f"{subject.label}: attached to no user-defined network"
