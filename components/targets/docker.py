"""The Docker target: one Docker host, three Docker networks, a container per service.

Every service renders the same way: per declared credential the value the stack supplies or a
RandomPassword, a pinned RemoteImage, one managed Volume per data path, and a Container on the
stack's networks that `pulumi up` waits on until its healthcheck passes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
import pulumi_docker as docker
from pydantic import SecretStr

from .. import dockerhost
from ..images import resolve_image
from ..ports import endpoint_host
from ..ready import ReadyObject
from ..readydata import ready_resource
from ..settings import ConfigError, StackSettings
from ..spec import NETWORKS, Port, ServiceSpec, probe_test
from .base import Rendered, connection, credential_value, resolve, upload_content

# Docker's own defaults for these are unbounded; a laptop running eight services needs bounds.
_LOG_OPTS = {"max-size": "10m", "max-file": "3"}


def go_duration(seconds: int) -> str:
    """Docker reports durations in Go's canonical form ("1m30s"); writing them that way avoids
    a permanent diff between the program and the provider's state."""
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}m{rest}s" if minutes else f"{rest}s"


def create_networks(prefix: str) -> dict[str, docker.Network]:
    return {
        name: docker.Network(
            name,
            name=f"{prefix}-{name}",
            labels=[docker.NetworkLabelArgs(label="trade2026.stack", value=pulumi.get_stack())],
        )
        for name in NETWORKS
    }


@dataclass(frozen=True)
class DockerTarget:
    """Where this stack's services land on the Docker host, and how they are exposed."""

    # Every Docker object name starts with it, so developer stacks share a Docker host safely.
    prefix: str
    networks: Mapping[str, docker.Network]
    bind_address: str = "127.0.0.1"
    host_ports: Literal["auto", "fixed"] = "auto"
    port_block: int = 0
    registry_mirror: str = ""
    wait_for_healthy: bool = True
    protect_data: bool = False
    # service -> credential -> the value the stack supplies instead of a generated one.
    supplied_credentials: Mapping[str, Mapping[str, SecretStr]] = field(default_factory=dict)
    # How endpoint URLs on the developer's machine reach the published ports.
    reach: dockerhost.Reach | None = None

    @classmethod
    def for_stack(cls, settings: StackSettings) -> DockerTarget:
        """The stack's target, with its networks created; refuses a Docker host whose published
        ports no endpoint could reach."""
        provider = pulumi.Config("docker")
        try:
            docker_host = dockerhost.resolve(
                provider.get("host"),
                provider.get("context"),
                os.environ,
                provider.get_object("sshOpts") or (),
                secret_host=pulumi.runtime.is_config_secret("docker:host"),
                secret_options=pulumi.runtime.is_config_secret("docker:sshOpts"),
            )
            reachable = dockerhost.reach(docker_host, settings.bind_address)
        except dockerhost.DockerHostError as error:
            raise ConfigError(f"invalid stack config:\n  {error}") from None
        prefix = f"{pulumi.get_project()}-{pulumi.get_stack()}"
        return cls(
            prefix,
            create_networks(prefix),
            bind_address=settings.bind_address,
            host_ports=settings.host_ports,
            port_block=settings.port_block,
            registry_mirror=settings.registry_mirror,
            wait_for_healthy=settings.wait_for_healthy,
            protect_data=settings.protect_data,
            supplied_credentials=settings.credentials,
            reach=reachable,
        )

    def render(self, parent: pulumi.Resource, name: str, spec: ServiceSpec, enabled: bool) -> Rendered:
        supplied = self.supplied_credentials.get(name, {})
        credentials = {c.name: credential_value(parent, name, c, supplied) for c in spec.credentials}
        volumes = [self._volume(parent, name, volume.name) for volume in spec.volumes]
        internal = {port.role: f"{port.scheme}://{name}:{port.number}" for port in spec.ports}
        endpoints: pulumi.Output[dict[str, str]]
        port_forward: pulumi.Output[str] | None = None
        if enabled:
            container = self._container(parent, name, spec, credentials, volumes)
            endpoints = container.ports.apply(lambda ports: self._host_endpoints(spec, ports))
            if self.reach is not None and self.reach.secret:
                endpoints = pulumi.Output.secret(endpoints)
            tunnel = self.reach.tunnel if self.reach else None
            # The tunnel as ready-data errors name it: nothing of a secret setting in it.
            shown_tunnel: pulumi.Output[str] | None = None
            if tunnel is not None:
                published = container.ports.apply(lambda ports: [p.external for p in ports or [] if p.external])
                port_forward = published.apply(tunnel.command)
                if tunnel.secret:
                    port_forward = pulumi.Output.secret(port_forward)
                shown_tunnel = published.apply(tunnel.shown)
            login = connection(spec, credentials)
            for declaration in spec.ready:
                self._ready(parent, name, declaration, container, endpoints, login, shown_tunnel)
        else:
            # No ready data either: streams and tables stay on the kept volume, and switching the
            # service back on adopts them.
            endpoints = pulumi.Output.from_input({})
        return Rendered(endpoints, internal, connection(spec, credentials), port_forward=port_forward)

    def _docker_name(self, name: str, *parts: str) -> str:
        return "-".join((self.prefix, name, *parts))

    def _volume(self, parent: pulumi.Resource, name: str, volume: str) -> docker.Volume:
        return docker.Volume(
            f"{name}-{volume}",
            name=self._docker_name(name, volume),
            labels=self._labels(docker.VolumeLabelArgs, name),
            opts=pulumi.ResourceOptions(parent=parent, protect=self.protect_data, retain_on_delete=self.protect_data),
        )

    def _labels(self, label_type: Any, name: str) -> list[Any]:
        return [
            label_type(label="trade2026.stack", value=pulumi.get_stack()),
            label_type(label="trade2026.service", value=name),
        ]

    def _container(
        self,
        parent: pulumi.Resource,
        name: str,
        spec: ServiceSpec,
        credentials: Mapping[str, pulumi.Output[str]],
        volumes: Sequence[docker.Volume],
    ) -> docker.Container:
        image = docker.RemoteImage(
            f"{name}-image",
            name=resolve_image(spec.image, self.registry_mirror),
            # Another stack on the same Docker host may still run this image.
            keep_locally=True,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        return docker.Container(
            name,
            name=self._docker_name(name),
            image=image.image_id,
            command=list(spec.command) or None,
            envs=[pulumi.Output.concat(key, "=", resolve(value, credentials)) for key, value in spec.env.items()]
            or None,
            # In container-port order, the order the provider reads them back from Docker: any
            # other order is a diff on every preview, and a replacement (QuestDB's 9000/9009/8812).
            ports=[self._publish(port) for port in sorted(spec.ports, key=lambda p: p.number) if port.published],
            volumes=[
                docker.ContainerVolumeArgs(volume_name=volume.name, container_path=data.path)
                for volume, data in zip(volumes, spec.volumes, strict=True)
            ],
            networks_advanced=[
                docker.ContainerNetworksAdvancedArgs(name=self.networks[net].name, aliases=[name, *spec.aliases(name)])
                for net in spec.networks
            ],
            healthcheck=docker.ContainerHealthcheckArgs(
                tests=probe_test(spec.healthcheck, spec.ports),
                interval="10s",
                timeout="5s",
                retries=3,
                start_period=go_duration(spec.start_period),
            ),
            uploads=[
                docker.ContainerUploadArgs(file=upload.path, content=upload_content(upload, credentials))
                for upload in spec.uploads
            ]
            or None,
            ulimits=[
                docker.ContainerUlimitArgs(name=limit, soft=soft, hard=hard)
                for limit, (soft, hard) in spec.ulimits.items()
            ]
            or None,
            memory=spec.memory_mb,
            # No swap: the limit is the memory the service was sized for. Left unset, Docker sets the
            # swap limit to twice the memory, which the provider then reads back as a change on
            # every preview (seen with the bridged provider on Docker 20.10).
            memory_swap=spec.memory_mb,
            stop_timeout=spec.stop_timeout,
            restart="unless-stopped",
            security_opts=["no-new-privileges:true"],
            log_driver="json-file",
            log_opts=_LOG_OPTS,
            labels=self._labels(docker.ContainerLabelArgs, name),
            wait=self.wait_for_healthy,
            wait_timeout=spec.wait_timeout,
            opts=pulumi.ResourceOptions(
                parent=parent,
                # Names and host ports are single-use: the old container must go first.
                delete_before_replace=True,
                # The provider stores a changed healthcheck without applying it (kreuzwerker #988).
                replace_on_changes=["healthcheck"],
            ),
        )

    def _ready(
        self,
        parent: pulumi.Resource,
        name: str,
        declaration: ReadyObject,
        container: docker.Container,
        endpoints: pulumi.Output[dict[str, str]],
        login: pulumi.Output[dict[str, str]] | None,
        tunnel: pulumi.Output[str] | None,
    ) -> pulumi.Resource:
        role = declaration.port_role
        return ready_resource(
            declaration,
            f"{name}-{declaration.kind}-{declaration.name}",
            # Empty only in a preview, where Docker has not assigned the host port yet.
            endpoints.apply(lambda urls: urls.get(role, "")),
            login,
            tunnel,
            pulumi.ResourceOptions(
                parent=parent,
                # The host port answers once the container is healthy, which `up` waits for.
                depends_on=[container],
                protect=self.protect_data,
                retain_on_delete=self.protect_data,
                delete_before_replace=True,
            ),
            endpoint_secret=self.reach is not None and self.reach.secret,
        )

    def _publish(self, port: Port) -> docker.ContainerPortArgs:
        fixed = self.host_ports == "fixed"
        return docker.ContainerPortArgs(
            internal=port.number,
            external=port.fixed_host_port(self.port_block) if fixed else None,
            ip=self.bind_address,
            protocol="tcp",
        )

    def _host_endpoints(
        self, spec: ServiceSpec, ports: Sequence[docker.outputs.ContainerPort] | None
    ) -> dict[str, str]:
        host = self.reach.host if self.reach else endpoint_host(self.bind_address)
        external = {p.internal: p.external for p in ports or []}
        return {
            port.role: f"{port.scheme}://{host}:{external[port.number]}"
            for port in spec.ports
            if port.published and external.get(port.number)
        }
