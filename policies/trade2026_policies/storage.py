"""Where container data lives: managed volumes of this stack, never the host's filesystem."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterator, Sequence

from pulumi_policy import PolicyResource, Severity
from pydantic import Field

from .framework import (
    ADVISORY,
    CONTAINER,
    VOLUME,
    RuleConfig,
    Subject,
    items,
    known,
    matches_any,
    of_type,
    resource_rule,
    stack_rule,
)


def host_paths(subject: Subject) -> Iterator[tuple[str, str]]:
    """(host path, container path) of every bind mount, in either spelling."""
    for volume in items(subject.props, "volumes"):
        if known(volume, "hostPath"):
            yield volume["hostPath"], str(known(volume, "containerPath", "?"))
    for mount in items(subject.props, "mounts"):
        if known(mount, "type") == "bind":
            yield str(known(mount, "source", "?")), str(known(mount, "target", "?"))


def volume_names(subject: Subject) -> Iterator[str]:
    """Names of the Docker volumes a container mounts."""
    for volume in items(subject.props, "volumes"):
        if known(volume, "volumeName") and not known(volume, "hostPath"):
            yield volume["volumeName"]
    for mount in items(subject.props, "mounts"):
        if known(mount, "type") == "volume" and known(mount, "source"):
            yield mount["source"]


@resource_rule(
    "no-bind-mounts",
    "Prohibits host-path volumes and bind mounts; data belongs on managed Docker volumes.",
    severity=Severity.HIGH,
)
def no_bind_mounts(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    for host, target in host_paths(subject):
        yield f"{subject.label}: {target} is a bind mount of host path {host}; use a docker.Volume instead"


class SensitivePaths(RuleConfig):
    sensitive_paths: list[str] = Field(
        default=[
            "/",
            "/etc",
            "/proc",
            "/sys",
            "/dev",
            "/boot",
            "/root",
            "/var/lib/docker",
            "/usr",
            "/bin",
            "/sbin",
            "/lib",
            "/run",
            "/var/run",
            "/var/run/docker.sock",
            "/run/docker.sock",
        ],
        alias="sensitivePaths",
        description="Host paths that are never mounted, nor anything below them ('/' only itself).",
    )


@resource_rule(
    "no-sensitive-host-mounts",
    "Prohibits mounting the Docker socket or sensitive host directories.",
    severity=Severity.CRITICAL,
    config=SensitivePaths,
)
def no_sensitive_host_mounts(subject: Subject, config: SensitivePaths) -> Iterator[str]:
    for host, target in host_paths(subject):
        path = posixpath.normpath(host)
        for sensitive in config.sensitive_paths:
            if path == sensitive or (sensitive != "/" and path.startswith(sensitive.rstrip("/") + "/")):
                yield f"{subject.label}: {target} mounts sensitive host path {host}"
                break


@stack_rule("stack-managed-volumes", "Requires every container volume to be a docker.Volume managed by the same stack.")
def stack_managed_volumes(resources: Sequence[PolicyResource], _config: RuleConfig) -> Iterator[tuple[str, str]]:
    managed = {known(v.props, "name") for v in of_type(resources, VOLUME)}
    for container in of_type(resources, CONTAINER):
        subject = Subject.of(container)
        for name in volume_names(subject):
            if name not in managed:
                yield container.urn, f"{subject.label}: volume {name} is not a docker.Volume of this stack"


@stack_rule(
    "no-shared-volumes",
    "Prohibits mounting one Docker volume into more than one container.",
    level=ADVISORY,
    severity=Severity.MEDIUM,
)
def no_shared_volumes(resources: Sequence[PolicyResource], _config: RuleConfig) -> Iterator[tuple[str, str]]:
    users: dict[str, list[str]] = defaultdict(list)
    for container in of_type(resources, CONTAINER):
        subject = Subject.of(container)
        for name in set(volume_names(subject)):
            if users[name]:
                yield container.urn, f"{subject.label}: volume {name} is already mounted by {', '.join(users[name])}"
            users[name].append(subject.label)


class UnprotectedStacks(RuleConfig):
    unprotected_stacks: list[str] = Field(
        default=["dev", "dev-*"],
        alias="unprotectedStacks",
        description="Stack name globs whose data volumes may be deleted (developer stacks).",
    )


@resource_rule(
    "protected-data-volumes",
    "Requires data volumes outside developer stacks to be protected from deletion.",
    types=(VOLUME,),
    severity=Severity.HIGH,
    config=UnprotectedStacks,
)
def protected_data_volumes(subject: Subject, config: UnprotectedStacks) -> Iterator[str]:
    if not subject.protect and not matches_any(subject.stack, config.unprotected_stacks):
        yield f"{subject.label}: data volume of stack {subject.stack} is not protected; set protectData: true"
