"""The Kubernetes target: one namespace per stack, a StatefulSet per service, the three networks as
NetworkPolicies, nothing reachable from outside the cluster.

Each service renders the same way: a RandomPassword per declared credential kept in one Secret
(containers read it through `secretKeyRef`), its uploads as a ConfigMap (secret ones as a Secret)
mounted file by file, a StatefulSet with a PersistentVolumeClaim template per data volume, a
headless Service for the pod's stable DNS name and a ClusterIP Service for clients.
"""

from __future__ import annotations

import math
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pydantic import SecretStr

from ..images import resolve_image
from ..settings import KubernetesSettings, StackSettings
from ..spec import NETWORKS, HttpProbe, Port, SecretRef, ServiceSpec, Upload, probe_test
from .base import Rendered, connection, credential_value, upload_content

# A pod carries one label per network it is on; a NetworkPolicy per network admits traffic
# between pods that carry the same label, as containers on one Docker network reach each other.
NETWORK_LABEL = "trade2026.io/network-{}"

# The capabilities an entrypoint needs that starts as root, gives the data directory to the
# service's user (chown, chmod across directories it does not own) and switches to that user
# (gosu, su-exec, setpriv): a sheet's `switches_user`. All are in the container runtime's default
# set: dropping ALL and adding these back grants less than the default, and the process that
# serves keeps none. Every other image runs with every capability dropped.
_SWITCHES_USER = ("CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID")


# Probe cadence, as the Docker target's healthcheck (10 s interval, 5 s timeout, 3 retries).
_PERIOD_S = 10
_TIMEOUT_S = 5
_READY_FAILURES = 3
# A liveness failure restarts the container, which Docker's healthcheck never does: a minute of
# failures, not thirty seconds, before a busy database is killed.
_LIVE_FAILURES = 6
# Container port names are IANA service names: at most 15 characters.
_PORT_NAME_MAX = 15
_FILE_KEY = re.compile(r"[^-._a-zA-Z0-9]")


def port_name(role: str) -> str:
    """A port role as a container port name (`performance-analyzer` -> `performance-ana`)."""
    return role[:_PORT_NAME_MAX].rstrip("-")


def file_keys(uploads: Sequence[Upload]) -> list[str]:
    """One ConfigMap/Secret key per upload: its file name, numbered where two names collide."""
    names = [_FILE_KEY.sub("_", posixpath.basename(upload.path)) for upload in uploads]
    return [name if names.count(name) == 1 else f"{index}-{name}" for index, name in enumerate(names)]


def exec_command(test: Sequence[str]) -> list[str]:
    """Docker's healthcheck `test` as an exec probe's command (CMD-SHELL runs under /bin/sh -c)."""
    if test[0] == "CMD-SHELL":
        return ["/bin/sh", "-c", test[1]]
    return list(test[1:])


def probe(spec: ServiceSpec, failures: int) -> k8s.core.v1.ProbeArgs:
    """The service's one probe: httpGet where it is an HTTP probe on an HTTP port (the kubelet
    speaks HTTP itself, so the image needs no client), exec of the Docker command otherwise."""
    check = spec.healthcheck
    port = spec.port(check.port)
    handler: dict[str, Any]
    if isinstance(check, HttpProbe) and port.scheme in ("http", "https"):
        handler = {
            "http_get": k8s.core.v1.HTTPGetActionArgs(path=check.path, port=port.number, scheme=port.scheme.upper())
        }
    else:
        handler = {"exec_": k8s.core.v1.ExecActionArgs(command=exec_command(probe_test(check, spec.ports)))}
    return k8s.core.v1.ProbeArgs(
        period_seconds=_PERIOD_S, timeout_seconds=_TIMEOUT_S, failure_threshold=failures, **handler
    )


# Ours: the kubernetes client would be 15 packages (aiohttp among them) for this one f-string.
def memory_quantity(mb: int) -> str:
    """`mb` MiB in the canonical form the API server stores and the provider writes (1024Mi is
    stored as 1Gi), so the program's inputs are what the cluster holds."""
    return f"{mb // 1024}Gi" if mb % 1024 == 0 else f"{mb}Mi"


def cluster_url(port: Port, host: str) -> str:
    return f"{port.scheme}://{host}:{port.number}"


@dataclass(frozen=True)
class KubernetesTarget:
    """The stack's namespace on the cluster `kubernetes:context` names, and how services land in it."""

    namespace: str
    # project-stack, as the Docker target's name prefix: the `app.kubernetes.io/instance` label.
    instance: str
    namespace_resource: k8s.core.v1.Namespace
    storage: KubernetesSettings
    registry_mirror: str = ""
    wait_for_healthy: bool = True
    protect_data: bool = False
    # service -> credential -> the value the stack supplies instead of a generated one.
    supplied_credentials: Mapping[str, Mapping[str, SecretStr]] = field(default_factory=dict)
    # For the port-forward lines: the context the provider deploys to, when the stack names one.
    context: str | None = None
    # The stack marked kubernetes:context secret, so the lines naming it are secret outputs.
    context_secret: bool = False

    @classmethod
    def for_stack(cls, settings: StackSettings) -> KubernetesTarget:
        """The stack's target, with its namespace and network policies created."""
        instance = f"{pulumi.get_project()}-{pulumi.get_stack()}"
        namespace = settings.kubernetes.namespace or instance
        resource = create_namespace(namespace, settings.protect_data)
        create_network_policies(namespace, resource)
        return cls(
            namespace,
            instance,
            resource,
            settings.kubernetes,
            registry_mirror=settings.registry_mirror,
            wait_for_healthy=settings.wait_for_healthy,
            protect_data=settings.protect_data,
            supplied_credentials=settings.credentials,
            context=pulumi.Config("kubernetes").get("context"),
            context_secret=pulumi.runtime.is_config_secret("kubernetes:context"),
        )

    def render(self, parent: pulumi.Resource, name: str, spec: ServiceSpec, enabled: bool) -> Rendered:
        claims = self._claims(name, spec)
        supplied = self.supplied_credentials.get(name, {})
        credentials = {c.name: credential_value(parent, name, c, supplied) for c in spec.credentials}
        after = [self._credentials_secret(parent, name, credentials)] if credentials else []
        self._stateful_set(parent, name, spec, enabled, claims, credentials, after)
        if enabled:
            # A Service with no ready pod behind it would hold `pulumi up` until it times out.
            for service in (name, *spec.aliases(name)):
                self._service(parent, name, service, spec, headless=False)
            self._service(parent, name, f"{name}-headless", spec, headless=True)
        internal = {port.role: cluster_url(port, f"{name}.{self.namespace}.svc") for port in spec.ports}
        # Reachable once the port-forward line runs, on the host ports of the Docker target's fixed scheme.
        endpoints = {p.role: f"{p.scheme}://127.0.0.1:{p.host_number}" for p in spec.ports if p.published}
        forward = self.port_forward(name, spec)
        return Rendered(
            pulumi.Output.from_input(endpoints if enabled else {}),
            internal,
            connection(spec, credentials),
            port_forward=pulumi.Output.secret(forward) if self.context and self.context_secret else forward,
        )

    def port_forward(self, name: str, spec: ServiceSpec) -> str:
        """The command that makes the service's published ports reachable on a laptop's loopback."""
        context = f" --context {self.context}" if self.context else ""
        ports = " ".join(f"{p.host_number}:{p.number}" for p in spec.ports if p.published)
        return f"kubectl{context} --namespace {self.namespace} port-forward service/{name} {ports}"

    # Pieces -------------------------------------------------------------------------------------

    def _labels(self, name: str) -> dict[str, str]:
        return {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": self.instance}

    def _metadata(self, name: str | None, service: str, *, awaited: bool = False) -> k8s.meta.v1.ObjectMetaArgs:
        labels = {**self._labels(service), "app.kubernetes.io/part-of": "trade2026"}
        # pulumi-kubernetes waits for a StatefulSet's pods, and a Service's endpoints, to be ready.
        skip = {"pulumi.com/skipAwait": "true"} if awaited and not self.wait_for_healthy else None
        # An object without a name is auto-named by Pulumi and replaced, under a new name, when
        # its content changes: the StatefulSet then rolls its pod onto the new files.
        return k8s.meta.v1.ObjectMetaArgs(name=name, namespace=self.namespace, labels=labels, annotations=skip)

    def _opts(
        self, parent: pulumi.Resource, after: Sequence[pulumi.Resource] = (), **extra: Any
    ) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=parent, depends_on=[self.namespace_resource, *after], **extra)

    def _claims(self, name: str, spec: ServiceSpec) -> list[k8s.core.v1.PersistentVolumeClaimArgs]:
        # The settings refused a size for a volume the instance does not declare.
        sized = self.storage.volumes.get(name, {})
        claims = []
        for volume in spec.volumes:
            own = sized.get(volume.name)
            size = (own.size if own else None) or self.storage.volume_size
            storage_class = (own.storage_class if own else None) or self.storage.storage_class
            claims.append(
                k8s.core.v1.PersistentVolumeClaimArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(name=volume.name),
                    spec=k8s.core.v1.PersistentVolumeClaimSpecArgs(
                        access_modes=["ReadWriteOnce"],
                        storage_class_name=storage_class,
                        resources=k8s.core.v1.VolumeResourceRequirementsArgs(requests={"storage": size}),
                    ),
                )
            )
        return claims

    def _credentials_secret(
        self, parent: pulumi.Resource, name: str, credentials: Mapping[str, pulumi.Output[str]]
    ) -> k8s.core.v1.Secret:
        return k8s.core.v1.Secret(
            f"{name}-credentials",
            metadata=self._metadata(f"{name}-credentials", name),
            string_data=dict(credentials),
            type="Opaque",
            opts=self._opts(parent),
        )

    def _files(
        self, parent: pulumi.Resource, name: str, spec: ServiceSpec, credentials: Mapping[str, pulumi.Output[str]]
    ) -> tuple[list[k8s.core.v1.VolumeArgs], list[k8s.core.v1.VolumeMountArgs]]:
        """The uploads: plain files in a ConfigMap, files with credentials in a Secret, each
        mounted read-only at its own path."""
        volumes: list[k8s.core.v1.VolumeArgs] = []
        mounts: list[k8s.core.v1.VolumeMountArgs] = []
        keys = dict(zip(spec.uploads, file_keys(spec.uploads), strict=True))
        for secret in (False, True):
            chosen = [u for u in spec.uploads if (u.secret or callable(u.content)) is secret]
            if not chosen:
                continue
            data = {keys[u]: upload_content(u, credentials) for u in chosen}
            volume = "secret-files" if secret else "files"
            if secret:
                stored = k8s.core.v1.Secret(
                    f"{name}-secret-files",
                    metadata=self._metadata(None, name),
                    string_data=data,
                    immutable=True,
                    opts=self._opts(parent),
                )
                source: dict[str, Any] = {
                    "secret": k8s.core.v1.SecretVolumeSourceArgs(secret_name=stored.metadata.name)
                }
            else:
                files = k8s.core.v1.ConfigMap(
                    f"{name}-files",
                    metadata=self._metadata(None, name),
                    data=data,
                    immutable=True,
                    opts=self._opts(parent),
                )
                source = {"config_map": k8s.core.v1.ConfigMapVolumeSourceArgs(name=files.metadata.name)}
            volumes.append(k8s.core.v1.VolumeArgs(name=volume, **source))
            mounts.extend(
                k8s.core.v1.VolumeMountArgs(name=volume, mount_path=u.path, sub_path=keys[u], read_only=True)
                for u in chosen
            )
        return volumes, mounts

    def _env(self, name: str, spec: ServiceSpec) -> list[k8s.core.v1.EnvVarArgs]:
        env = []
        for key, value in spec.env.items():
            if isinstance(value, SecretRef):
                ref = k8s.core.v1.SecretKeySelectorArgs(name=f"{name}-credentials", key=value.credential)
                env.append(
                    k8s.core.v1.EnvVarArgs(name=key, value_from=k8s.core.v1.EnvVarSourceArgs(secret_key_ref=ref))
                )
            else:
                env.append(k8s.core.v1.EnvVarArgs(name=key, value=value))
        return env

    def _stateful_set(
        self,
        parent: pulumi.Resource,
        name: str,
        spec: ServiceSpec,
        enabled: bool,
        claims: list[k8s.core.v1.PersistentVolumeClaimArgs],
        credentials: Mapping[str, pulumi.Output[str]],
        after: Sequence[pulumi.Resource],
    ) -> k8s.apps.v1.StatefulSet:
        volumes, file_mounts = self._files(parent, name, spec, credentials)
        timeout = spec.wait_timeout
        container = k8s.core.v1.ContainerArgs(
            name=name,
            image=resolve_image(spec.image, self.registry_mirror),
            # Docker's `command` replaces the image's CMD, which is what Kubernetes calls args.
            args=list(spec.command) or None,
            env=self._env(name, spec) or None,
            ports=[
                k8s.core.v1.ContainerPortArgs(name=port_name(p.role), container_port=p.number, protocol="TCP")
                for p in spec.ports
            ],
            volume_mounts=[
                *(k8s.core.v1.VolumeMountArgs(name=v.name, mount_path=v.path) for v in spec.volumes),
                *file_mounts,
            ],
            # Liveness and readiness wait until the startup probe has passed once, so a slow starter
            # gets as long as `pulumi up` waits for it.
            startup_probe=probe(spec, max(1, math.ceil(timeout / _PERIOD_S))),
            readiness_probe=probe(spec, _READY_FAILURES),
            liveness_probe=probe(spec, _LIVE_FAILURES),
            resources=k8s.core.v1.ResourceRequirementsArgs(
                requests={"memory": memory_quantity(spec.memory_mb)}, limits={"memory": memory_quantity(spec.memory_mb)}
            ),
            security_context=k8s.core.v1.SecurityContextArgs(
                allow_privilege_escalation=False,
                capabilities=k8s.core.v1.CapabilitiesArgs(
                    drop=["ALL"], add=list(_SWITCHES_USER) if spec.switches_user else None
                ),
            ),
        )
        pod_security = k8s.core.v1.PodSecurityContextArgs(
            seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
            # An image running as a fixed non-root user gets its claims made writable for its group.
            fs_group=spec.data_group,
            # Only when the claim's root is not already the group's: no recursive walk per restart.
            fs_group_change_policy="OnRootMismatch" if spec.data_group is not None else None,
        )
        labels = {**self._labels(name), **{NETWORK_LABEL.format(net): "true" for net in spec.networks}}
        return k8s.apps.v1.StatefulSet(
            name,
            metadata=self._metadata(name, name, awaited=True),
            spec=k8s.apps.v1.StatefulSetSpecArgs(
                service_name=f"{name}-headless",
                # Switched off: no pod, but the claims (and so the data) stay for switching back on.
                replicas=1 if enabled else 0,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=self._labels(name)),
                persistent_volume_claim_retention_policy=k8s.apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicyArgs(
                    when_deleted="Retain", when_scaled="Retain"
                ),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=k8s.core.v1.PodSpecArgs(
                        containers=[container],
                        volumes=volumes or None,
                        termination_grace_period_seconds=spec.stop_timeout,
                        security_context=pod_security,
                        # None of these services talks to the API server.
                        automount_service_account_token=False,
                        # Service links would inject NATS_PORT, POSTGRES_PORT... which images read as config.
                        enable_service_links=False,
                    ),
                ),
                volume_claim_templates=claims or None,
            ),
            opts=self._opts(
                parent,
                after,
                protect=self.protect_data,
                retain_on_delete=self.protect_data,
                custom_timeouts=pulumi.CustomTimeouts(create=f"{timeout}s", update=f"{timeout}s"),
            ),
        )

    def _service(self, parent: pulumi.Resource, name: str, service: str, spec: ServiceSpec, *, headless: bool) -> None:
        k8s.core.v1.Service(
            service,
            metadata=self._metadata(service, name, awaited=True),
            spec=k8s.core.v1.ServiceSpecArgs(
                type="ClusterIP",
                # Headless: DNS answers with the pod itself (nats-0.nats-headless), ready or not.
                cluster_ip="None" if headless else None,
                publish_not_ready_addresses=True if headless else None,
                selector=self._labels(name),
                ports=[
                    k8s.core.v1.ServicePortArgs(name=p.role, port=p.number, target_port=p.number, protocol="TCP")
                    for p in spec.ports
                ],
            ),
            opts=self._opts(parent),
        )


def create_namespace(namespace: str, protect: bool) -> k8s.core.v1.Namespace:
    return k8s.core.v1.Namespace(
        "namespace",
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=namespace,
            labels={
                "trade2026.io/stack": pulumi.get_stack(),
                # The cluster refuses what the gate refuses at its baseline, and records what the
                # stricter profile would refuse (root entrypoints, which "restricted" forbids).
                "pod-security.kubernetes.io/enforce": "baseline",
                "pod-security.kubernetes.io/audit": "restricted",
            },
        ),
        # Deleting a namespace deletes the claims in it, so protected data protects it too.
        opts=pulumi.ResourceOptions(protect=protect, retain_on_delete=protect),
    )


def create_network_policies(namespace: str, parent: k8s.core.v1.Namespace) -> None:
    """No pod accepts traffic, except from pods that share one of its networks."""
    opts = pulumi.ResourceOptions(depends_on=[parent])
    k8s.networking.v1.NetworkPolicy(
        "default-deny-ingress",
        metadata=k8s.meta.v1.ObjectMetaArgs(name="default-deny-ingress", namespace=namespace),
        spec=k8s.networking.v1.NetworkPolicySpecArgs(
            pod_selector=k8s.meta.v1.LabelSelectorArgs(), policy_types=["Ingress"]
        ),
        opts=opts,
    )
    for network in NETWORKS:
        members = k8s.meta.v1.LabelSelectorArgs(match_labels={NETWORK_LABEL.format(network): "true"})
        k8s.networking.v1.NetworkPolicy(
            f"network-{network}",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=f"network-{network}", namespace=namespace),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=members,
                policy_types=["Ingress"],
                ingress=[
                    k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                        from_=[k8s.networking.v1.NetworkPolicyPeerArgs(pod_selector=members)]
                    )
                ],
            ),
            opts=opts,
        )
