"""The one place a ServiceSpec becomes pulumi_docker resources.

Every service renders the same way: a pinned RemoteImage, one managed Volume per data path, and a
Container on the stack's networks that `pulumi up` waits on until its healthcheck passes.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi
import pulumi_docker as docker
import pulumi_random as random

from .ready import ReadyObject
from .readydata import port_role, ready_resource
from .settings import ServiceSettings, StackSettings
from .spec import Port, ServiceSpec, Text, probe_test

# Docker's own defaults for these are unbounded; a laptop running eight services needs bounds.
_LOG_OPTS = {"max-size": "10m", "max-file": "3"}


@dataclass(frozen=True)
class Placement:
    """Where this stack's services land: name prefix, networks and settings."""

    prefix: str
    settings: StackSettings
    networks: Mapping[str, docker.Network]


def go_duration(seconds: int) -> str:
    """Docker reports durations in Go's canonical form ("1m30s"); writing them that way avoids
    a permanent diff between the program and the provider's state."""
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}m{rest}s" if minutes else f"{rest}s"


def mirrored(image: str, registry: str) -> str:
    """The same image pulled through `registry`; Docker Hub official images live under library/."""
    if not registry:
        return image
    repository = image.split("@")[0].rsplit(":", 1)[0]
    return f"{registry}/{image if '/' in repository else 'library/' + image}"


class Service(pulumi.ComponentResource):
    """Base of the eight services. Subclasses set `key` and declare their ServiceSpec."""

    key: ClassVar[str]
    # DNS names on the stack's networks besides `key`, kept from the compose setup.
    aliases: ClassVar[tuple[str, ...]] = ()
    endpoints: pulumi.Output[dict[str, str]]
    internal_endpoints: dict[str, str]
    ready: list[pulumi.Resource]
    credentials: pulumi.Output[dict[str, str]] | None

    def __init__(self, placement: Placement, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"trade2026:infra:{type(self).__name__}", self.key, None, opts)
        self.placement = placement
        self.settings: ServiceSettings = getattr(placement.settings.services, self.key)
        self.credentials = None
        spec = self.declare()
        self.spec = spec
        self.volumes = [self._volume(volume.name) for volume in spec.volumes]
        self.internal_endpoints = {port.role: f"{port.scheme}://{self.key}:{port.number}" for port in spec.ports}
        if self.settings.enabled:
            self.container: docker.Container | None = self._container(spec)
            self.endpoints = self.container.ports.apply(lambda ports: self._host_endpoints(spec, ports))
            self.ready = [self._ready(declaration, self.container) for declaration in spec.ready]
        else:
            # A switched-off service keeps its data volume and secrets: switching it back on must
            # find the data and the password that data was initialised with.
            self.container = None
            self.endpoints = pulumi.Output.from_input({})
            # Its streams and tables stay on the kept volume; switching back on adopts them.
            self.ready = []
        outputs: dict[str, Any] = {"endpoints": self.endpoints, "internalEndpoints": self.internal_endpoints}
        if self.credentials is not None:
            outputs["credentials"] = self.credentials
        self.register_outputs(outputs)

    @abstractmethod
    def declare(self) -> ServiceSpec:
        """The service's data sheet for this stack."""

    def memory(self, default_mb: int) -> int:
        """The container memory limit: the stack's override, else the service's default. Services
        size in-process limits (JVM heap, maxmemory) from this same number."""
        return self.settings.memory_mb or default_mb

    def secret(self, purpose: str, *, special: bool = False) -> pulumi.Output[str]:
        """A password generated once per stack and kept in state as a Pulumi secret."""
        password = random.RandomPassword(
            f"{self.key}-{purpose}",
            length=32,
            special=special,
            # OpenSearch refuses an admin password without each character class.
            min_lower=1,
            min_upper=1,
            min_numeric=1,
            min_special=1 if special else 0,
            override_special="_%@+=" if special else None,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return pulumi.Output.secret(password.result)

    def _docker_name(self, *parts: str) -> str:
        return "-".join((self.placement.prefix, self.key, *parts))

    def _volume(self, name: str) -> docker.Volume:
        protect = self.placement.settings.protect_data
        return docker.Volume(
            f"{self.key}-{name}",
            name=self._docker_name(name),
            labels=self._labels(docker.VolumeLabelArgs),
            opts=pulumi.ResourceOptions(parent=self, protect=protect, retain_on_delete=protect),
        )

    def _labels(self, label_type: Any) -> list[Any]:
        return [
            label_type(label="trade2026.stack", value=pulumi.get_stack()),
            label_type(label="trade2026.service", value=self.key),
        ]

    def _container(self, spec: ServiceSpec) -> docker.Container:
        settings = self.placement.settings
        image = docker.RemoteImage(
            f"{self.key}-image",
            name=self.settings.image or mirrored(spec.image, settings.registry_mirror),
            # Another stack on the same Docker host may still run this image.
            keep_locally=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return docker.Container(
            self.key,
            name=self._docker_name(),
            image=image.image_id,
            command=list(spec.command) or None,
            envs=[pulumi.Output.concat(key, "=", value) for key, value in spec.env.items()] or None,
            ports=[self._publish(port) for port in spec.ports if port.published],
            volumes=[
                docker.ContainerVolumeArgs(volume_name=volume.name, container_path=data.path)
                for volume, data in zip(self.volumes, spec.volumes, strict=True)
            ],
            networks_advanced=[
                docker.ContainerNetworksAdvancedArgs(
                    name=self.placement.networks[net].name, aliases=[self.key, *self.aliases]
                )
                for net in spec.networks
            ],
            healthcheck=docker.ContainerHealthcheckArgs(
                tests=probe_test(spec.healthcheck, spec.ports),
                interval="10s",
                timeout="5s",
                retries=3,
                start_period=go_duration(spec.start_period),
            ),
            uploads=[docker.ContainerUploadArgs(file=u.path, content=u.content) for u in spec.uploads] or None,
            ulimits=[
                docker.ContainerUlimitArgs(name=name, soft=soft, hard=hard)
                for name, (soft, hard) in spec.ulimits.items()
            ]
            or None,
            memory=spec.memory_mb,
            restart="unless-stopped",
            security_opts=["no-new-privileges:true"],
            log_driver="json-file",
            log_opts=_LOG_OPTS,
            labels=self._labels(docker.ContainerLabelArgs),
            wait=settings.wait_for_healthy,
            wait_timeout=self.settings.wait_timeout_seconds or spec.wait_timeout,
            opts=pulumi.ResourceOptions(
                parent=self,
                # Names and host ports are single-use: the old container must go first.
                delete_before_replace=True,
                # The provider stores a changed healthcheck without applying it (kreuzwerker #988).
                replace_on_changes=["healthcheck"],
            ),
        )

    def _ready(self, declaration: ReadyObject, container: docker.Container) -> pulumi.Resource:
        role = port_role(declaration)
        protect = self.placement.settings.protect_data
        return ready_resource(
            declaration,
            f"{self.key}-{declaration.kind}-{declaration.name}",
            # Absent only in a preview, where the host port is not assigned yet.
            self.endpoints.apply(lambda endpoints: endpoints.get(role, "")),
            self.credentials,
            pulumi.ResourceOptions(
                parent=self,
                # The host port only answers once the container is healthy, which `up` waits for.
                depends_on=[container],
                protect=protect,
                retain_on_delete=protect,
                delete_before_replace=True,
            ),
        )

    def _publish(self, port: Port) -> docker.ContainerPortArgs:
        settings = self.placement.settings
        fixed = settings.host_ports == "fixed"
        return docker.ContainerPortArgs(
            internal=port.number,
            external=port.host_number + settings.port_offset if fixed else None,
            ip=settings.bind_address,
            protocol="tcp",
        )

    def _host_endpoints(
        self, spec: ServiceSpec, ports: Sequence[docker.outputs.ContainerPort] | None
    ) -> dict[str, str]:
        address = self.placement.settings.bind_address
        # A wildcard bind is reached through loopback from the host itself.
        host = "127.0.0.1" if address in ("0.0.0.0", "::") else address
        external = {p.internal: p.external for p in ports or []}
        return {
            port.role: f"{port.scheme}://{host}:{external[port.number]}"
            for port in spec.ports
            if port.published and external.get(port.number)
        }

    def with_credentials(self, **values: Text) -> None:
        """Expose the credentials clients need, as one secret output."""
        self.credentials = pulumi.Output.secret(pulumi.Output.all(**values))
