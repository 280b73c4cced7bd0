"""Typed stack config: everything a user may set per stack, validated before any resource exists.

Pulumi hands config to the program as strings (structured values as JSON) and accepts any key;
this module is where a misspelt key, a wrong type or an out-of-range value is refused, with one
line per problem naming the fully qualified key. No message repeats a value the stack marked
secret, and no input, however large or deeply nested, escapes as anything but a ConfigError.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Annotated, Any, Literal

import pulumi
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.alias_generators import to_camel

from .images import pinning_problem, registry_problem
from .ports import MAX_BLOCK

NAMESPACE = "trade2026"

# The least memory each service starts and serves with, in MB. OpenSearch: its JVM heap is half
# the limit, and 512 MB of heap is what OpenSearch's own compose example gives a node. ClickHouse
# sizes its caches and memory limits from the container's; PostgreSQL's default shared_buffers
# alone is 128 MB. None of these was measured here (no Docker): they are conservative guesses.
MEMORY_FLOOR_MB: dict[str, int] = {
    "nats": 64,
    "valkey": 64,
    "questdb": 256,
    "clickhouse": 512,
    "seaweedfs": 128,
    "opensearch": 1024,
    "postgres": 256,
    "opa": 64,
}
_FLOOR_REASON = {
    "opensearch": "its JVM heap is half the limit and needs 512 MB",
}
# Seconds of start-up during which Docker does not count failed probes. These mirror the
# `start_period` in the service files (the lead merges them into one source of truth).
START_PERIOD_S: dict[str, int] = {"questdb": 10, "clickhouse": 30, "opensearch": 60}

# Structured keys arrive as JSON text; everything else stays text for the field validators.
_STRUCTURED = frozenset({"services", "kubernetes", "credentials"})
# Keys whose values are never shown in a message, secret-marked or not. Their key paths are shown:
# `pulumi config set --secret --path` encrypts only the leaf values of Pulumi.<stack>.yaml.
_NEVER_SHOWN = frozenset({"credentials"})
_MAX_JSON_CHARS = 65536
_MAX_DEPTH = 8
_RETIRED = {"portOffset": f"replaced by {NAMESPACE}:portBlock (one block of host ports per stack)"}
_BOOLEANS = {"true": True, "True": True, "false": False, "False": False}
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,9}")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_SHOWN_CHARS = 60


def _cli_bool(value: Any) -> Any:
    # Exactly what pulumi.Config.get_bool accepts ("true"/"false" are how the CLI passes
    # booleans), plus JSON booleans inside structured values. No guessing: "no" is not false.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in _BOOLEANS:
        return _BOOLEANS[value]
    raise ValueError("expected true or false")


def _cli_int(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        return int(value)
    raise ValueError("expected a whole number")


CliBool = Annotated[bool, BeforeValidator(_cli_bool)]
CliInt = Annotated[int, BeforeValidator(_cli_int)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel)


class ServiceSettings(_Strict):
    enabled: CliBool = Field(True, description="Run the service; when false its data volume is kept.")
    image: str | None = Field(None, description="Pinned image reference replacing the service's own.")
    memory_mb: CliInt | None = Field(None, le=65536, description="Container memory limit; at least the floor.")
    wait_timeout_seconds: CliInt | None = Field(
        None, ge=10, le=3600, description="How long `pulumi up` waits for the service to be healthy."
    )

    @field_validator("image")
    @classmethod
    def _is_pinned(cls, value: str | None) -> str | None:
        problem = None if value is None else pinning_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class OpenSearchSettings(ServiceSettings):
    security_plugin: CliBool = Field(True, description="TLS and login on 9200; turn off only on a developer laptop.")


class ServicesSettings(_Strict):
    nats: ServiceSettings = Field(default_factory=ServiceSettings)
    valkey: ServiceSettings = Field(default_factory=ServiceSettings)
    questdb: ServiceSettings = Field(default_factory=ServiceSettings)
    clickhouse: ServiceSettings = Field(default_factory=ServiceSettings)
    seaweedfs: ServiceSettings = Field(default_factory=ServiceSettings)
    opensearch: OpenSearchSettings = Field(default_factory=OpenSearchSettings)
    postgres: ServiceSettings = Field(default_factory=ServiceSettings)
    opa: ServiceSettings = Field(default_factory=ServiceSettings)


# The credentials each data sheet declares (`Credential(...)` in components/<service>.py; a test
# keeps the two in step). A stack may supply any of them instead of having them generated.
DECLARED_CREDENTIALS: dict[str, tuple[str, ...]] = {
    "valkey": ("password",),
    "questdb": ("pg-password",),
    "clickhouse": ("password",),
    "seaweedfs": ("s3-access-key", "s3-secret-key"),
    "opensearch": ("admin-password",),
    "postgres": ("password",),
}


# Target selection and the Kubernetes target's own keys ------------------------------------------

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")
_STORAGE_SIZE = re.compile(r"[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?")
# Keys that configure how Docker publishes ports on its host; a cluster publishes nothing.
DOCKER_ONLY_KEYS = ("bind_address", "host_ports", "port_block")
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
        "fixed: the ports of block portBlock, the same on every `pulumi up`.",
    )
    port_block: CliInt = Field(
        0, ge=0, le=MAX_BLOCK, description="With fixed host ports: 0 is the well-known ports, N a block of its own."
    )
    registry_mirror: str = Field("", description="Pull every pinned image through this registry.")
    wait_for_healthy: CliBool = Field(True, description="`pulumi up` finishes only when healthy.")
    protect_data: CliBool = Field(False, description="Protect and retain data volumes.")
    services: ServicesSettings = Field(default_factory=ServicesSettings)
    credentials: dict[str, dict[str, SecretStr]] = Field(
        default_factory=dict,
        description="service -> credential -> value (from a vault), instead of a generated password; "
        "set with `pulumi config set --secret --path`.",
    )

    def declared_credentials(self, service: str) -> tuple[str, ...]:
        """What `service`'s data sheet declares with this stack's settings."""
        if service == "opensearch" and not self.services.opensearch.security_plugin:
            return ()  # no login without the security plugin
        return DECLARED_CREDENTIALS.get(service, ())

    @field_validator("bind_address")
    @classmethod
    def _is_bindable(cls, value: str) -> str:
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            raise ValueError("expected an IP address such as 127.0.0.1, 0.0.0.0 or ::1 (no brackets)") from None
        plain = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped else address
        if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
            raise ValueError("is zone-scoped (%zone); Docker cannot publish ports on it")
        if plain.is_multicast:
            raise ValueError("is a multicast address; a host cannot bind a listening port to it")
        if plain == ipaddress.IPv4Address("255.255.255.255"):
            raise ValueError("is the broadcast address; a host cannot bind a listening port to it")
        if isinstance(plain, ipaddress.IPv6Address) and plain.is_link_local:
            raise ValueError("is IPv6 link-local, which needs a zone Docker cannot take")
        return str(address)

    @field_validator("port_block")
    @classmethod
    def _block_needs_fixed_ports(cls, value: int, info: ValidationInfo) -> int:
        if value and info.data.get("host_ports") == "auto":
            raise ValueError(f"only applies when {NAMESPACE}:hostPorts is 'fixed'")
        return value

    @field_validator("registry_mirror")
    @classmethod
    def _is_registry(cls, value: str) -> str:
        problem = registry_problem(value) if value else None
        if problem:
            raise ValueError(f"{problem}; expected host[:port][/path]")
        return value


class ConfigError(pulumi.RunError):
    """Bad stack config. A RunError, so the Pulumi CLI prints the message without a traceback."""


def _field_names(model: type[BaseModel]) -> set[str]:
    names: set[str] = set()
    for field in model.model_fields.values():
        names.add(field.alias or "")
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= _field_names(annotation)
    return names


_FIELDS = _field_names(StackSettings)
_TOP_LEVEL = frozenset(field.alias or name for name, field in StackSettings.model_fields.items())


def _text(part: object) -> str:
    """A key or key part on one line: plain names as they are, anything else quoted and cut."""
    text = str(part)
    if _PLAIN_KEY.fullmatch(text):
        return text
    shown = ascii(text)
    return shown if len(shown) <= _SHOWN_CHARS else shown[: _SHOWN_CHARS - 3] + "..."


def _depth(value: Any) -> int:
    depth, level = 0, [value]
    while level:
        depth += 1
        level = [
            child
            for item in level
            if isinstance(item, (dict, list))
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if depth > _MAX_DEPTH:
            break
    return depth


def _shown(value: Any, secret: bool) -> str:
    if secret:
        return "[secret]"
    if _depth(value) > 2:
        return "a nested value"
    shown = ascii(value)
    return shown if len(shown) <= _SHOWN_CHARS else shown[: _SHOWN_CHARS - 3] + "..."


class _Problems:
    """One line per problem, each naming the key; values of secret keys shown as [secret]."""

    def __init__(self, secret_names: set[str]) -> None:
        self.secret_names = secret_names
        self.lines: list[str] = []

    def key(self, *loc: object) -> str:
        if not loc:
            return f"{NAMESPACE}:"
        top, *nested = loc
        # Key names are public (`pulumi config` lists them). Below a secret key, only this
        # program's own field names are shown: anything else came from the secret value.
        secret = str(top) in self.secret_names and str(top) not in _NEVER_SHOWN
        parts = [_text(top), *("[secret]" if secret and str(part) not in _FIELDS else _text(part) for part in nested)]
        return f"{NAMESPACE}:" + ".".join(parts)

    def add(self, loc: tuple[object, ...], message: str, value: Any = None, *, show: bool = True) -> None:
        secret = bool(loc) and (str(loc[0]) in self.secret_names or str(loc[0]) in _NEVER_SHOWN)
        got = f" (got {_shown(value, secret)})" if show else ""
        self.lines.append(f"{self.key(*loc)}: {message}{got}")

    def add_pydantic(self, error: Any) -> None:
        loc = tuple(error["loc"])
        top = str(loc[0]) if loc else ""
        if error["type"] == "extra_forbidden":
            hint = _RETIRED.get(top) if len(loc) == 1 else None
            if hint is None and len(loc) == 1 and top.split(".")[0] in _TOP_LEVEL:
                hint = "unknown key (nested settings are set with `pulumi config set --path`)"
            self.add(loc, hint or "unknown key", show=False)
        elif error["type"] == "model_type":
            self.add(loc, "expected an object", error["input"])
        else:
            self.add(loc, str(error["msg"]).removeprefix("Value error, "), error["input"])


def _looks_like_ours(namespace: str) -> bool:
    lowered = namespace.lower()
    return NAMESPACE in lowered or bool(difflib.get_close_matches(lowered, [NAMESPACE], n=1, cutoff=0.75))


def _parse_json(text: str) -> tuple[Any, str | None]:
    if len(text) > _MAX_JSON_CHARS:
        return None, f"longer than {_MAX_JSON_CHARS} characters"
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}" if exc.lineno > 1 else f"column {exc.colno}"
        return None, f"not valid JSON ({exc.msg} at {where})"
    except (ValueError, RecursionError):
        # Numbers beyond Python's digit limit, or nesting beyond its recursion limit.
        return None, "not valid JSON this program can read"


def _service_problems(settings: StackSettings, problems: _Problems) -> None:
    services = settings.services
    for key, floor in MEMORY_FLOOR_MB.items():
        service: ServiceSettings = getattr(services, key)
        if service.memory_mb is not None and service.memory_mb < floor:
            reason = f"; {_FLOOR_REASON[key]}" if key in _FLOOR_REASON else ""
            message = f"below the {floor} MB {key} needs to start{reason}"
            problems.add(("services", key, "memoryMb"), message, service.memory_mb)
        start = START_PERIOD_S.get(key, 0)
        if service.wait_timeout_seconds is not None and service.wait_timeout_seconds < start:
            message = f"shorter than {key}'s {start} s start period, so `pulumi up` would give up while it starts"
            problems.add(("services", key, "waitTimeoutSeconds"), message, service.wait_timeout_seconds)
    if not any(getattr(services, key).enabled for key in ServicesSettings.model_fields):
        problems.add(
            ("services",),
            "every service is switched off, so the stack would run nothing (`pulumi destroy` removes a stack)",
            show=False,
        )


def _credential_problems(settings: StackSettings, secret: bool, problems: _Problems) -> None:
    if settings.credentials and not secret:
        problems.add(
            ("credentials",),
            "must be a secret: set each one with `pulumi config set --secret --path "
            f"'{NAMESPACE}:credentials.<service>.<credential>'` (and `pulumi config rm {NAMESPACE}:credentials` first)",
            show=False,
        )
    for service, supplied in settings.credentials.items():
        if service not in ServicesSettings.model_fields:
            problems.add(("credentials", service), "no service of that name", show=False)
            continue
        declared = settings.declared_credentials(service)
        for name, value in supplied.items():
            if name not in declared:
                has = f"its credentials are {', '.join(declared)}" if declared else "it has none"
                if service == "opensearch" and not declared:
                    has += f" with {NAMESPACE}:services.opensearch.securityPlugin false"
                message = f"{service} declares no such credential ({has})"
                problems.add(("credentials", service, name), message, show=False)
            elif not value.get_secret_value():
                problems.add(("credentials", service, name), "is empty", show=False)


def parse_settings(config: Mapping[str, Any], secret_keys: Collection[str] = ()) -> StackSettings:
    """Validate a `{"trade2026:key": value}` map; raises ConfigError listing every problem.

    `secret_keys` are the keys the stack marked secret: their values never appear in a message.
    """
    raw: dict[str, Any] = {}
    secret_names = {key.partition(":")[2] for key in secret_keys if key.startswith(f"{NAMESPACE}:")}
    problems = _Problems(secret_names)
    for key, value in config.items():
        namespace, colon, name = str(key).partition(":")
        if not colon:
            # The CLI namespaces such keys in Pulumi.<stack>.yaml; one arriving bare was set around it.
            problems.lines.append(f"{_text(key)}: has no namespace; set it as {NAMESPACE}:{_text(key)}")
            continue
        if namespace != NAMESPACE:
            if _looks_like_ours(namespace):
                problems.lines.append(
                    f"{_text(key)}: namespace {_text(namespace)} is not this project's; "
                    f"did you mean {NAMESPACE}:{_text(name)}?"
                )
            continue  # other namespaces (docker:host, ...) belong to their providers
        if name in _STRUCTURED and isinstance(value, str):
            value, problem = _parse_json(value)
            if problem:
                problems.add((name,), problem, show=False)
                continue
        if _depth(value) > _MAX_DEPTH:
            problems.add((name,), f"nested deeper than {_MAX_DEPTH} levels", show=False)
            continue
        raw[name] = value
    try:
        settings = StackSettings.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            problems.add_pydantic(error)
    else:
        _service_problems(settings, problems)
        _credential_problems(settings, "credentials" in secret_names, problems)
        problems.lines.extend(target_problems(settings, config))
        if not problems.lines:
            return settings
    raise ConfigError("invalid stack config:\n  " + "\n  ".join(sorted(set(problems.lines))))


def load_settings() -> StackSettings:
    """Read this stack's config the way the Pulumi CLI passes it to the program."""
    config = pulumi.Config(NAMESPACE)
    # pulumi.Config reads values but cannot list keys. The language host passes every key in
    # PULUMI_CONFIG, so that is where a misspelt or look-alike key is found; values are read
    # through pulumi.Config alone.
    keys = set(pulumi.runtime.get_config_env()) | {f"{NAMESPACE}:{name}" for name in _TOP_LEVEL}
    values: dict[str, Any] = {}
    for key in keys:
        namespace, colon, name = key.partition(":")
        if colon and namespace == NAMESPACE:
            value = config.get(name)
            if value is not None:
                values[key] = value
        else:
            values[key] = None  # refused or skipped by its name alone
    secret_keys = {key for key in values if pulumi.runtime.is_config_secret(key)}
    return parse_settings(values, secret_keys)
