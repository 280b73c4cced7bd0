"""Where container data lives: managed volumes of this stack, never the host's filesystem.

A host path reaches a container four ways: a bind mount (`volumes[].hostPath`, `mounts` of type
bind), a `volumes[].volumeName` that is a path (Docker binds a "volume name" starting with `/`),
a local volume whose driver options mount a host directory (`type: none, o: bind, device: /etc`,
or an overlay whose layers are host directories), or a third-party volume driver given a host
`mountpoint`. The storage rules treat all four alike, after normalising the path as the kernel
resolves it.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource, Severity
from pydantic import Field

from .framework import (
    ADVISORY,
    CONTAINER,
    VOLUME,
    RuleConfig,
    Subject,
    cis,
    has,
    items,
    kics,
    known,
    matches_any,
    of_type,
    own,
    resource_rule,
    stack_rule,
)


def normalise(path: str) -> str:
    """`path` as the kernel resolves it: `//x`, `x/`, `.` and `..` segments folded away."""
    if not path.startswith("/"):
        return path  # not a host path Docker accepts; reported verbatim
    # normpath keeps a leading `//` (POSIX leaves it implementation-defined; Linux treats it as `/`).
    return "/" + posixpath.normpath(path).lstrip("/")


# Overlay options that name host directories: the layers the volume shows, and its scratch space.
_OVERLAY_LAYERS = ("lowerdir", "upperdir", "workdir")


def volume_host_path(driver: Any, options: Mapping[str, Any] | None) -> str | None:
    """The host path a volume's driver options mount, if any: `o` containing bind (or rbind),
    a `device` that is a host path, an overlay layer on the host, or any driver's `mountpoint`."""
    given = options or {}
    # Values not known until `up` are skipped, as everywhere in the pack.
    opts = {str(k).lower(): str(known(given, k)) for k in given if known(given, k) is not None}
    device = opts.get("device", "")
    mount_options = [o.strip() for o in opts.get("o", "").split(",")]
    binds = any(o in ("bind", "rbind") for o in mount_options)
    if (binds or (driver in (None, "", "local") and device.startswith("/"))) and device:
        return device
    for option in mount_options:
        layer, _, paths = option.partition("=")
        # lowerdir may stack several directories, separated by colons.
        if layer in _OVERLAY_LAYERS and paths.startswith("/"):
            return paths.split(":")[0]
    if opts.get("mountpoint", "").startswith("/"):
        return opts["mountpoint"]
    return None


def host_paths(subject: Subject) -> Iterator[tuple[str, str]]:
    """(host path, container path) of every bind mount of a container, in either spelling, and of
    volumes it declares inline with driver options that bind a host path."""
    for volume in items(subject.props, "volumes"):
        if known(volume, "hostPath"):
            yield volume["hostPath"], str(known(volume, "containerPath", "?"))
        elif str(known(volume, "volumeName", "")).startswith("/"):
            yield volume["volumeName"], str(known(volume, "containerPath", "?"))
    for mount in items(subject.props, "mounts"):
        target = str(known(mount, "target", "?"))
        if known(mount, "type") == "bind":
            yield str(known(mount, "source", "?")), target
        elif known(mount, "type") == "volume":
            options = known(mount, "volumeOptions", {})
            path = volume_host_path(known(options, "driverName"), known(options, "driverOptions"))
            if path:
                yield path, target


def disguised_host_path(subject: Subject) -> str | None:
    """The host path a docker.Volume binds through its driver options, if any."""
    return volume_host_path(known(subject.props, "driver"), known(subject.props, "driverOpts"))


def subject_host_paths(subject: Subject) -> Iterator[tuple[str, str]]:
    """(host path, what mounts it) for a container's bind mounts or a volume bound to the host."""
    if subject.type == VOLUME:
        path = disguised_host_path(subject)
        if path:
            yield path, f"volume {subject.label} (driverOpts)"
    else:
        yield from host_paths(subject)


def volume_names(subject: Subject) -> Iterator[str]:
    """Names of the Docker volumes a container mounts."""
    for volume in items(subject.props, "volumes"):
        name = known(volume, "volumeName")
        if name and not known(volume, "hostPath") and not str(name).startswith("/"):
            yield name
    for mount in items(subject.props, "mounts"):
        if known(mount, "type") == "volume" and known(mount, "source"):
            yield mount["source"]


@resource_rule(
    "no-bind-mounts",
    "Prohibits host paths: hostPath volumes, bind mounts, volume names that are paths, binding driver options.",
    types=(CONTAINER, VOLUME),
    severity=Severity.HIGH,
    anchor=own("Keep data on a docker.Volume of the stack with the default local driver and no driverOpts."),
)
def no_bind_mounts(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    for host, target in subject_host_paths(subject):
        if subject.type == VOLUME:
            yield f"{target} is a bind mount of host path {host} in disguise; drop its driverOpts"
        else:
            yield f"{subject.label}: {target} is a bind mount of host path {host}; use a docker.Volume instead"


class SensitivePaths(RuleConfig):
    sensitive_paths: list[str] = Field(
        default=[
            "/",
            "/bin",
            "/boot",
            "/dev",
            "/etc",
            "/home",
            "/lib",
            "/media",
            "/proc",
            "/root",
            "/run",
            "/run/docker.sock",
            "/sbin",
            "/srv",
            "/sys",
            "/usr",
            "/var",
            "/var/lib/docker",
            "/var/run",
            "/var/run/docker.sock",
        ],
        alias="sensitivePaths",
        description="Host paths never mounted, nor anything below them ('/' only itself), nor any parent of them.",
    )


def sensitive_match(path: str, sensitive_paths: Sequence[str]) -> str | None:
    """The sensitive path `path` exposes: itself, one it lies below, or one it contains."""
    path = normalise(path)
    for sensitive in map(normalise, sensitive_paths):
        below = sensitive != "/" and path.startswith(sensitive + "/")
        contains = sensitive.startswith(path.rstrip("/") + "/")
        if path == sensitive or below or contains:
            return sensitive
    return None


@resource_rule(
    "no-sensitive-host-mounts",
    "Prohibits mounting the Docker socket or sensitive host directories, however the path is spelt.",
    types=(CONTAINER, VOLUME),
    severity=Severity.CRITICAL,
    config=SensitivePaths,
    anchor=cis(
        "Ensure sensitive host system directories are not mounted on containers; "
        "Ensure that the Docker socket is not mounted inside any containers",
        "Remove the mount; give the service its files with uploads and its data with a docker.Volume.",
    ),
)
def no_sensitive_host_mounts(subject: Subject, config: SensitivePaths) -> Iterator[str]:
    for host, target in subject_host_paths(subject):
        if sensitive_match(host, config.sensitive_paths):
            where = target if subject.type == VOLUME else f"{subject.label}: {target}"
            yield f"{where} mounts sensitive host path {host}"


@stack_rule(
    "stack-managed-volumes",
    "Requires every container volume to be a docker.Volume managed by the same stack.",
    anchor=own("Declare the volume as a docker.Volume in this stack and mount it by that resource's name."),
)
def stack_managed_volumes(resources: Sequence[PolicyResource], _config: RuleConfig) -> Iterator[tuple[str, str]]:
    managed = {known(v.props, "name") for v in of_type(resources, VOLUME)}
    for container in of_type(resources, CONTAINER):
        subject = Subject.of(container)
        for name in volume_names(subject):
            if name not in managed:
                yield container.urn, f"{subject.label}: volume {name} is not a docker.Volume of this stack"


def _storage_of(container: Subject, bound: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    """(kind, key) of each store a container mounts: a host path (normalised, also when reached
    through a volume bound to the host) or a volume name."""
    for host, _ in host_paths(container):
        yield "host", normalise(host)
    for name in volume_names(container):
        yield ("host", normalise(bound[name])) if name in bound else ("volume", name)


def _ancestors(path: str) -> list[str]:
    """Every directory above a normalised absolute path: /a/b/c -> /, /a, /a/b."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:depth]) for depth in range(len(parts))] if path != "/" else []


@stack_rule(
    "no-shared-volumes",
    "Prohibits mounting one Docker volume or one host directory (or one inside another) into two containers.",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    anchor=kics(
        "Shared Volumes Between Containers",
        "Give each container its own docker.Volume; share data over the network, not the filesystem.",
    ),
)
def no_shared_volumes(resources: Sequence[PolicyResource], _config: RuleConfig) -> Iterator[tuple[str, str]]:
    bound = {
        str(known(v.props, "name")): path
        for v in of_type(resources, VOLUME)
        if (path := disguised_host_path(Subject.of(v))) and known(v.props, "name")
    }
    # Indexed, not compared pairwise: who mounts each store, and who mounts something below each
    # host directory, so a store's overlaps are a lookup per directory level.
    mounted: dict[tuple[str, str], list[str]] = defaultdict(list)
    below: dict[str, list[str]] = defaultdict(list)
    for container in of_type(resources, CONTAINER):
        subject = Subject.of(container)
        stores = sorted(set(_storage_of(subject, bound)))
        for kind, key in stores:
            others = list(mounted.get((kind, key), []))
            if kind == "host":
                others += [label for a in _ancestors(key) for label in mounted.get(("host", a), [])]
                others += below.get(key, [])
            if others:
                what = "volume" if kind == "volume" else "host path"
                yield (
                    container.urn,
                    f"{subject.label}: {what} {key} is already mounted by {', '.join(sorted(set(others)))}",
                )
        for kind, key in stores:
            mounted[(kind, key)].append(subject.label)
            if kind == "host":
                for ancestor in _ancestors(key):
                    below[ancestor].append(subject.label)


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
    anchor=own("Set trade2026:protectData: true in the stack's config."),
)
def protected_data_volumes(subject: Subject, config: UnprotectedStacks) -> Iterator[str]:
    if not subject.protect and not matches_any(subject.stack, config.unprotected_stacks):
        yield f"{subject.label}: data volume of stack {subject.stack} is not protected; set protectData: true"


def unmanaged_mounts(subject: Subject) -> Iterator[str]:
    """What a container mounts other than a named volume or a host path (those are judged by
    stack-managed-volumes and no-bind-mounts): volumes of another container, memory, pipes, and
    volumes it declares inline with a driver of their own."""
    for volume in items(subject.props, "volumes"):
        if known(volume, "fromContainer"):
            yield f"takes every volume of container {volume['fromContainer']}, whatever they hold"
        elif not has(volume, "volumeName") and not has(volume, "hostPath"):  # unknown is not anonymous
            # The provider then declares the path only, and Docker gives it an anonymous volume.
            path = known(volume, "containerPath", "?")
            yield f"mounts an anonymous volume on {path}, which no docker.Volume of the stack manages"
    for path in known(subject.props, "tmpfs", {}):
        yield f"keeps {path} in memory (tmpfs), where a restart loses what is written there"
    for mount in items(subject.props, "mounts"):
        type_, target = known(mount, "type"), str(known(mount, "target", "?"))
        if type_ == "volume":
            options = known(mount, "volumeOptions", {})
            driver, driver_options = known(options, "driverName"), known(options, "driverOptions")
            if volume_host_path(driver, driver_options):
                continue  # a host path in disguise: no-bind-mounts reports it
            if driver or driver_options:
                yield f"mounts {target} through an inline volume driver ({driver or 'local'} with options)"
            elif not known(mount, "source"):
                yield f"mounts an anonymous volume on {target}, which no docker.Volume of the stack manages"
        elif type_ == "tmpfs":
            yield f"keeps {target} in memory (tmpfs), where a restart loses what is written there"
        elif type_ != "bind":
            yield f"mounts {target} as {type_}, which is neither a stack volume nor a reviewed path"


@resource_rule(
    "managed-mounts-only",
    "Prohibits mounts other than stack volumes: other containers' volumes, tmpfs, pipes, inline volume drivers.",
    severity=Severity.HIGH,
    anchor=own("Mount a docker.Volume of the stack by name; share data over the network, not through volumes."),
)
def managed_mounts_only(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    for problem in unmanaged_mounts(subject):
        yield f"{subject.label}: {problem}"


@resource_rule(
    "local-volume-driver",
    "Requires docker.Volumes on the local driver with no driver options, so data stays in Docker's own directory.",
    types=(VOLUME,),
    severity=Severity.HIGH,
    anchor=own("Leave the volume's driver and driverOpts unset, as the components do."),
)
def local_volume_driver(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    driver = known(subject.props, "driver")
    options = known(subject.props, "driverOpts")
    if driver not in (None, "", "local"):
        yield f"volume {subject.label}: driver {driver} keeps the data where that plugin decides"
    # Options that mount a host path are no-bind-mounts' to report.
    elif options and not volume_host_path(driver, options):
        kind = known(options, "type", "")
        what = f" (type {kind})" if kind else ""
        yield f"volume {subject.label}: driver options{what} mount something other than Docker's own directory"


@resource_rule(
    "no-host-file-uploads",
    "Prohibits uploads read from a file of the machine that runs Pulumi.",
    severity=Severity.CRITICAL,
    anchor=own("Give the file's content in the program (content), as the components do; never source or sourceHash."),
)
def no_host_file_uploads(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    for upload in items(subject.props, "uploads"):
        source = known(upload, "source")
        if source or known(upload, "sourceHash"):
            where = f" ({source})" if source else ""
            file = known(upload, "file", "?")
            yield f"{subject.label}: {file} is read from a file of the machine running Pulumi{where}"
