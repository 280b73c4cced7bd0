"""Typed stack config: everything a user may set per stack, validated before any resource exists.

Pulumi hands config to the program as strings (structured values as JSON) and accepts any key;
this module is where a misspelt key, a wrong type or an out-of-range value is refused, with one
line per problem naming the fully qualified key.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable
from typing import Annotated, Any, Literal

import pulumi
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel

NAMESPACE = "trade2026"
_REGISTRY = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9._-]+)*")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel)


class ServiceSettings(_Strict):
    enabled: bool = Field(True, description="Run the service; when false its data volume is kept.")
    image: str | None = Field(None, description="Full image reference replacing the pinned one.")
    memory_mb: int | None = Field(None, ge=64, le=65536, description="Container memory limit.")
    wait_timeout_seconds: int | None = Field(
        None, ge=10, le=3600, description="How long `pulumi up` waits for the service to be healthy."
    )


class OpenSearchSettings(ServiceSettings):
    security_plugin: bool = Field(True, description="TLS and login on 9200; turn off only on a developer laptop.")


class ServicesSettings(_Strict):
    nats: ServiceSettings = Field(default_factory=ServiceSettings)
    valkey: ServiceSettings = Field(default_factory=ServiceSettings)
    questdb: ServiceSettings = Field(default_factory=ServiceSettings)
    clickhouse: ServiceSettings = Field(default_factory=ServiceSettings)
    seaweedfs: ServiceSettings = Field(default_factory=ServiceSettings)
    opensearch: OpenSearchSettings = Field(default_factory=OpenSearchSettings)
    postgres: ServiceSettings = Field(default_factory=ServiceSettings)
    opa: ServiceSettings = Field(default_factory=ServiceSettings)


# Target selection and the Kubernetes target's own keys ------------------------------------------

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")
_STORAGE_SIZE = re.compile(r"[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?")
# Keys that configure how Docker publishes ports on its host; a cluster publishes nothing.
DOCKER_ONLY_KEYS = ("bind_address", "host_ports", "port_offset")
# Each target's Pulumi provider reads its own config namespace (docker:host, kubernetes:context).
_PROVIDER_NAMESPACES = ("docker", "kubernetes")


def _storage_class(value: str) -> str:
    if not _DNS_SUBDOMAIN.fullmatch(value):
        raise ValueError("expected a StorageClass name (lowercase letters, digits, '-' and '.')")
    return value


def _storage_size(value: str) -> str:
    if not _STORAGE_SIZE.fullmatch(value):
        raise ValueError("expected a Kubernetes quantity such as 10Gi or 500Mi")
    return value


def _namespace(value: str) -> str:
    if not _DNS_LABEL.fullmatch(value):
        raise ValueError("expected a namespace name: up to 63 lowercase letters, digits and '-'")
    return value


StorageClass = Annotated[str, AfterValidator(_storage_class)]
StorageSize = Annotated[str, AfterValidator(_storage_size)]


class KubernetesVolumeSettings(_Strict):
    size: StorageSize | None = Field(None, description="PersistentVolumeClaim size, such as 20Gi.")
    storage_class: StorageClass | None = Field(None, description="StorageClass of this volume's claim.")


class KubernetesSettings(_Strict):
    namespace: Annotated[str, AfterValidator(_namespace)] | None = Field(
        None, description="The stack's namespace, instead of trade2026-<stack>."
    )
    storage_class: StorageClass | None = Field(
        None, description="StorageClass of every data volume; unset: the cluster's default."
    )
    volume_size: StorageSize = Field("1Gi", description="Size of every data volume not sized under `volumes`.")
    volumes: dict[str, dict[str, KubernetesVolumeSettings]] = Field(
        default_factory=dict, description="service -> data volume -> size and storageClass."
    )

    @field_validator("volumes")
    @classmethod
    def _known_services(
        cls, value: dict[str, dict[str, KubernetesVolumeSettings]]
    ) -> dict[str, dict[str, KubernetesVolumeSettings]]:
        unknown = sorted(set(value) - set(ServicesSettings.model_fields))
        if unknown:
            raise ValueError(f"no service named {', '.join(unknown)}")
        return value


class TargetSettings(_Strict):
    """Which target renders the stack; the keys only the Kubernetes target reads."""

    platform: Literal["docker", "kubernetes"] = Field("docker", description="Where the services run.")
    kubernetes: KubernetesSettings = Field(
        default_factory=KubernetesSettings, description="Namespace and storage on the Kubernetes target."
    )

    @field_validator("kubernetes")
    @classmethod
    def _kubernetes_only(cls, value: KubernetesSettings, info: ValidationInfo) -> KubernetesSettings:
        if info.data.get("platform", "docker") != "kubernetes":
            raise ValueError(f"only applies when {NAMESPACE}:platform is 'kubernetes'")
        return value


def target_problems(settings: StackSettings, keys: Iterable[str]) -> list[str]:
    """Keys that only one target reads, set on a stack of the other: one line each."""
    problems = []
    for key in keys:
        namespace = key.partition(":")[0]
        if namespace in _PROVIDER_NAMESPACES and namespace != settings.platform:
            problems.append(f"{key}: only applies when {NAMESPACE}:platform is '{namespace}'")
    if settings.platform != "docker":
        for name in DOCKER_ONLY_KEYS:
            # The CLI passes Pulumi.yaml's defaults too, so only a value other than the default counts.
            if getattr(settings, name) != StackSettings.model_fields[name].default:
                alias = StackSettings.model_fields[name].alias
                problems.append(f"{NAMESPACE}:{alias}: only applies when {NAMESPACE}:platform is 'docker'")
    return problems


class StackSettings(TargetSettings):
    bind_address: str = Field("127.0.0.1", description="Host address published ports bind to.")
    host_ports: Literal["auto", "fixed"] = Field(
        "auto",
        description="auto: Docker picks free host ports (stack outputs say which); "
        "fixed: each service's well-known port plus portOffset.",
    )
    port_offset: int = Field(0, ge=0, le=40000, description="Added to well-known ports when fixed.")
    registry_mirror: str = Field("", description="Pull every pinned image through this registry.")
    wait_for_healthy: bool = Field(True, description="`pulumi up` finishes only when healthy.")
    protect_data: bool = Field(False, description="Protect and retain data volumes.")
    services: ServicesSettings = Field(default_factory=ServicesSettings)

    @field_validator("bind_address")
    @classmethod
    def _is_ip_address(cls, value: str) -> str:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise ValueError("expected an IP address such as 127.0.0.1 or 0.0.0.0") from None
        return value

    @field_validator("port_offset")
    @classmethod
    def _offset_needs_fixed_ports(cls, value: int, info: ValidationInfo) -> int:
        if value and info.data.get("host_ports") == "auto":
            raise ValueError(f"only applies when {NAMESPACE}:hostPorts is 'fixed'")
        return value

    @field_validator("registry_mirror")
    @classmethod
    def _is_registry(cls, value: str) -> str:
        if value and not _REGISTRY.fullmatch(value):
            raise ValueError("expected host[:port][/path], with no scheme, tag or trailing /")
        return value


class ConfigError(pulumi.RunError):
    """Bad stack config. A RunError, so the Pulumi CLI prints the message without a traceback."""


def _describe(error: Any) -> str:
    key = f"{NAMESPACE}:" + ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key"
    if error["type"] == "model_type":
        return f"{key}: expected an object (got {error['input']!r})"
    return f"{key}: {error['msg'].removeprefix('Value error, ')} (got {error['input']!r})"


def parse_settings(config: dict[str, Any]) -> StackSettings:
    """Validate a `{"trade2026:key": value}` map; raises ConfigError listing every problem."""
    prefix = f"{NAMESPACE}:"
    raw: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in config.items():
        if not key.startswith(prefix):
            continue  # other namespaces (docker:host, ...) belong to their providers
        name = key[len(prefix) :]
        # Structured config reaches the program as JSON text; scalars stay strings for pydantic's
        # lax parsing ("true" -> True, "8080" -> 8080).
        if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                problems.append(f"{key}: not valid JSON ({exc.msg} at column {exc.colno})")
                continue
        raw[name] = value
    try:
        settings = StackSettings.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_describe(error) for error in exc.errors())
    else:
        problems.extend(target_problems(settings, config))
        if not problems:
            return settings
    raise ConfigError("invalid stack config:\n  " + "\n  ".join(sorted(set(problems))))


def load_settings() -> StackSettings:
    """Read this stack's config from the Pulumi runtime (the CLI, or the offline mock engine)."""
    config = dict(pulumi.runtime.config.get_config_env())
    config.update(pulumi.runtime.config.CONFIG.get())
    return parse_settings(config)
