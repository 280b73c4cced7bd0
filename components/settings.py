"""Typed stack config: everything a user may set per stack, validated before any resource exists.

Pulumi hands config to the program as strings (structured values as JSON) and accepts any key;
this module is where a misspelt key, a wrong type or an out-of-range value is refused, with one
line per problem naming the fully qualified key. No message repeats a value the stack marked
secret, and no input, however large or deeply nested, escapes as anything but a ConfigError.

Every problem of a config is reported in one run. The stack-wide keys and each instance's
`trade2026:services.<name>` (validated by its sheet's settings model) are validated apart; a check
that reads several values (a memory floor, a start period, the credentials an instance declares, a
clash of fixed host ports) then runs on what was accepted, the refused parts left at their
defaults, and is skipped only where a value it reads was itself refused.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import Annotated, Any, Literal, TypeVar

import pulumi
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    SecretStr,
    SkipValidation,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from .catalog import Catalog, CliBool, CliInt, ServiceSettings, Sheet, Strict
from .credential_rules import problem as credential_problem
from .images import registry_problem
from .ports import MAX_BLOCK

NAMESPACE = "trade2026"

# Structured keys arrive as JSON text; everything else stays text for the field validators.
_STRUCTURED = frozenset({"services", "kubernetes", "credentials"})
# Keys whose values are never shown in a message, secret-marked or not. Their key paths are shown:
# `pulumi config set --secret --path` encrypts only the leaf values of Pulumi.<stack>.yaml.
_NEVER_SHOWN = frozenset({"credentials"})
_MAX_JSON_CHARS = 65536
_MAX_DEPTH = 8
_RETIRED = {"portOffset": f"replaced by {NAMESPACE}:portBlock (one block of host ports per stack)"}
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_SHOWN_CHARS = 60


# Target selection and the Kubernetes target's own keys ------------------------------------------

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")
# Ours, not the kubernetes client's parse_quantity: 15 packages (aiohttp among them) for one pattern,
# and itself a copy of apimachinery's grammar, of which this takes the part a volume size uses
# (no sign, exponent or milli).
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


class KubernetesVolumeSettings(Strict):
    size: StorageSize | None = Field(None, description="PersistentVolumeClaim size, such as 20Gi.")
    storage_class: StorageClass | None = Field(None, description="StorageClass of this volume's claim.")


class KubernetesSettings(Strict):
    namespace: Annotated[str, AfterValidator(_namespace)] | None = Field(
        None, description="The stack's namespace, instead of trade2026-<stack>."
    )
    storage_class: StorageClass | None = Field(
        None, description="StorageClass of every data volume; unset: the cluster's default."
    )
    volume_size: StorageSize = Field("1Gi", description="Size of every data volume not sized under `volumes`.")
    # Which instances and volumes there are is the catalog's: parse_settings checks the names.
    volumes: dict[str, dict[str, KubernetesVolumeSettings]] = Field(
        default_factory=dict, description="service -> data volume -> size and storageClass."
    )


class TargetSettings(Strict):
    """Which target renders the stack; the keys only the Kubernetes target reads."""

    platform: Literal["docker", "kubernetes"] = Field("docker", description="Where the services run.")
    kubernetes: KubernetesSettings = Field(
        default_factory=KubernetesSettings, description="Namespace and storage on the Kubernetes target."
    )

    @field_validator("kubernetes")
    @classmethod
    def _kubernetes_only(cls, value: KubernetesSettings, info: ValidationInfo) -> KubernetesSettings:
        # A refused platform is not there to compare with: that problem is reported on its own.
        if info.data.get("platform", "kubernetes") != "kubernetes":
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


def namespace_problems(settings: StackSettings, stack: str | None) -> list[str]:
    """A Kubernetes stack without its own namespace gets `trade2026-<stack>`, which must be a DNS
    label: stack names may hold capitals, '_' and '.' and run to 100 characters; namespaces not."""
    if stack is None or settings.platform != "kubernetes" or settings.kubernetes.namespace is not None:
        return []
    namespace = f"{NAMESPACE}-{stack}"
    if _DNS_LABEL.fullmatch(namespace):
        return []
    return [
        f"{NAMESPACE}:kubernetes.namespace: unset, so the stack's namespace is {_text(namespace)}, made from "
        f"stack name {_text(stack)}, which Kubernetes refuses (up to 63 lowercase letters, digits and '-'); "
        f"set {NAMESPACE}:kubernetes.namespace"
    ]


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
    # Instance name -> its settings, each validated by its own sheet's model (parse_settings).
    services: SkipValidation[Mapping[str, ServiceSettings]] = Field(
        default_factory=dict, description="instance -> enabled, image, memoryMb, waitTimeoutSeconds and its own keys."
    )
    credentials: dict[str, dict[str, SecretStr]] = Field(
        default_factory=dict,
        description="service -> credential -> value (from a vault), instead of a generated password; "
        "set with `pulumi config set --secret --path`.",
    )

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

    def __init__(self, secret_names: set[str], fields: Collection[str]) -> None:
        self.secret_names = secret_names
        # This program's own key names (the settings models' fields, the catalog's instances).
        self.fields = fields
        self.lines: list[str] = []

    def key(self, *loc: object) -> str:
        if not loc:
            return f"{NAMESPACE}:"
        top, *nested = loc
        # Key names are public (`pulumi config` lists them). Below a secret key, only this
        # program's own field names are shown: anything else came from the secret value.
        secret = str(top) in self.secret_names and str(top) not in _NEVER_SHOWN
        parts = [
            _text(top),
            *("[secret]" if secret and str(part) not in self.fields else _text(part) for part in nested),
        ]
        return f"{NAMESPACE}:" + ".".join(parts)

    def hidden(self, loc: tuple[object, ...]) -> bool:
        """Whether the last part of `loc` is shown as [secret] (see `key`)."""
        return len(loc) > 1 and str(loc[0]) in self.secret_names and str(loc[0]) not in _NEVER_SHOWN

    def add(self, loc: tuple[object, ...], message: str, value: Any = None, *, show: bool = True) -> None:
        secret = bool(loc) and (str(loc[0]) in self.secret_names or str(loc[0]) in _NEVER_SHOWN)
        got = f" (got {_shown(value, secret)})" if show else ""
        self.lines.append(f"{self.key(*loc)}: {message}{got}")

    def unknown(self, loc: tuple[object, ...], known: Collection[str]) -> None:
        """An unknown key at `loc`; `known` are the names that could stand there."""
        top = str(loc[0]) if loc else ""
        hint = _RETIRED.get(top) if len(loc) == 1 else None
        if hint is None and len(loc) == 1 and top.split(".")[0] in _TOP_LEVEL:
            hint = "unknown key (nested settings are set with `pulumi config set --path`)"
        meant = _meant_field(str(loc[-1]), known) if loc else None
        if hint is None and meant is not None and not self.hidden(loc):
            hint = f"unknown key; did you mean {self.key(*loc[:-1], meant)}?"
        self.add(loc, hint or "unknown key", show=False)

    def add_pydantic(self, error: Any, prefix: tuple[object, ...] = ()) -> None:
        loc = (*prefix, *error["loc"])
        if error["type"] == "extra_forbidden":
            self.unknown(loc, _TOP_LEVEL if len(loc) == 1 else self.fields)
        else:
            self.add(loc, pydantic_message(error), error["input"])


# Our words for every kind of error the settings models can raise, never pydantic's ("Input should
# be ..."). The models' types are few: text, whole numbers with bounds, true/false, choices,
# objects and this program's own validators (`value_error`, whose message is ours already).
# tests/test_settings.py gives an input for each; a kind not here reads UNLISTED, which the
# property tests assert never appears.
_MESSAGES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "value_error": lambda ctx: str(ctx.get("error", "is not a value this key takes")),
    "string_type": lambda _: "expected text",
    "model_type": lambda _: "expected an object",
    "dict_type": lambda _: "expected an object",
    "literal_error": lambda ctx: f"expected {ctx['expected']}",
    "less_than_equal": lambda ctx: f"expected at most {ctx['le']}",
    "greater_than_equal": lambda ctx: f"expected at least {ctx['ge']}",
}
UNLISTED = "is not a value this key takes"


def pydantic_message(error: Mapping[str, Any]) -> str:
    """The problem line's message for one of pydantic's errors, in our words."""
    words = _MESSAGES.get(str(error.get("type")))
    return words(error.get("ctx") or {}) if words is not None else UNLISTED


def _folded(text: str) -> str:
    """`text` as it reads: compatibility forms (full-width letters and digits, ligatures,
    superscripts) and case folded away, so a look-alike of a name of ours compares equal to it."""
    return unicodedata.normalize("NFKC", text).casefold()


def _looks_like_ours(namespace: str) -> bool:
    folded = _folded(namespace)
    return NAMESPACE in folded or bool(difflib.get_close_matches(folded, [NAMESPACE], n=1, cutoff=0.75))


def _meant_field(name: str, fields: Collection[str]) -> str | None:
    """The one of `fields` a misspelt name reads as (`bindaddress`, or bindAddress in full-width
    letters), if any."""
    folded = _folded(name)
    return next((field for field in sorted(fields) if field != name and _folded(field) == folded), None)


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


M = TypeVar("M", bound=BaseModel)
Loc = tuple[object, ...]


def _without(value: Any, loc: Loc) -> Any:
    """`value` with the part at `loc` taken out (a copy; the whole value where `loc` is empty or
    does not lead into dicts)."""
    if not loc:
        return None
    if not isinstance(value, dict) or loc[0] not in value:
        return value
    head, *rest = loc
    if not rest:
        return {k: v for k, v in value.items() if k != head}
    inner = _without(value[head], tuple(rest))
    return {**value, head: inner} if inner is not None else {k: v for k, v in value.items() if k != head}


def _validate(model: type[M], raw: Any, problems: _Problems, prefix: Loc) -> tuple[M, list[Loc]]:
    """`raw` validated by `model`, every problem reported; what was refused is left out and the
    rest validated again, so the checks that follow read what was accepted. Returns that model
    and the refused locations."""
    refused: list[Loc] = []
    try:
        return model.model_validate(raw, by_alias=True, by_name=False), refused
    except ValidationError as error:
        for item in error.errors():
            problems.add_pydantic(item, prefix)
            refused.append(tuple(item["loc"]))
    # Each pass takes out at least one refused part, so this ends; the last resort is the defaults.
    for _ in range(_MAX_DEPTH * 4):
        for loc in refused:
            raw = _without(raw, loc)
        if not isinstance(raw, dict):
            break
        try:
            return model.model_validate(raw, by_alias=True, by_name=False), refused
        except ValidationError as error:
            refused.extend(tuple(item["loc"]) for item in error.errors())
    return model(), [*refused, ()]


def _unknown(refused: Iterable[Loc], *loc: object) -> bool:
    """Whether the value at `loc` was refused (itself or what holds it), so a check reading it
    cannot know it. A refused part inside it was taken out; the rest is known."""
    return any(loc[: len(r)] == r for r in refused)


class _Parsed:
    """What was accepted of a config, with what was refused, for the checks across keys."""

    def __init__(self, catalog: Catalog, stack: StackSettings, refused: list[Loc]) -> None:
        self.catalog = catalog
        self.stack = stack
        self.refused = refused
        self.services: dict[str, ServiceSettings] = {}

    def instances(self) -> Iterator[tuple[str, Sheet[Any], ServiceSettings]]:
        for name, sheet in self.catalog.items():
            yield name, sheet, self.services[name]

    def unknown(self, *loc: object) -> bool:
        return _unknown(self.refused, *loc)


def _services(raw: Any, parsed: _Parsed, problems: _Problems) -> None:
    """Each instance's `trade2026:services.<name>`, validated by its own sheet's settings model."""
    if not isinstance(raw, dict):
        problems.add(("services",), "expected an object", raw)
        parsed.refused.append(("services",))
        raw = {}
    for key in raw:
        if key not in parsed.catalog:
            problems.unknown(("services", key), parsed.catalog.keys())
    for name, sheet in parsed.catalog.items():
        settings, refused = _validate(sheet.settings, raw.get(name, {}), problems, ("services", name))
        parsed.services[name] = settings
        parsed.refused.extend(("services", name, *loc) for loc in refused)


def _service_problems(parsed: _Parsed, problems: _Problems) -> None:
    for name, sheet, service in parsed.instances():
        floor = sheet.memory_floor_mb
        if service.memory_mb is not None and service.memory_mb < floor:
            reason = f"; {sheet.floor_reason}" if sheet.floor_reason else ""
            message = f"below the {floor} MB {sheet.kind} needs to start{reason}"
            problems.add(("services", name, "memoryMb"), message, service.memory_mb)
        start = sheet.declare(service).start_period
        if service.wait_timeout_seconds is not None and service.wait_timeout_seconds < start:
            message = (
                f"shorter than {sheet.kind}'s {start} s start period, so `pulumi up` would give up while it starts"
            )
            problems.add(("services", name, "waitTimeoutSeconds"), message, service.wait_timeout_seconds)
    if not any(service.enabled for _, _, service in parsed.instances()):
        problems.add(
            ("services",),
            "every service is switched off, so the stack would run nothing (`pulumi destroy` removes a stack)",
            show=False,
        )


def _settings_without(sheet: Sheet[Any], service: ServiceSettings, credential: str) -> list[str]:
    """The keys of `service` whose values take `credential` away from the sheet: set back to the
    sheet's default one at a time, each makes the sheet declare it again."""
    defaults = sheet.settings()
    causes = []
    for field_name, field in type(service).model_fields.items():
        value = getattr(service, field_name)
        if value == getattr(defaults, field_name):
            continue
        restored = service.model_copy(update={field_name: getattr(defaults, field_name)})
        if credential in {c.name for c in sheet.declare(restored).credentials}:
            shown = str(value).lower() if isinstance(value, bool) else str(value)
            causes.append(f"{field.alias} {shown}")
    return causes


def _credential_problems(parsed: _Parsed, secret: bool, problems: _Problems) -> None:
    supplied_all = parsed.stack.credentials
    if supplied_all and not secret:
        problems.add(
            ("credentials",),
            "must be a secret: set each one with `pulumi config set --secret --path "
            f"'{NAMESPACE}:credentials.<service>.<credential>'` (and `pulumi config rm {NAMESPACE}:credentials` first)",
            show=False,
        )
    for name, supplied in supplied_all.items():
        if name not in parsed.catalog:
            problems.add(("credentials", name), "no service of that name", show=False)
            continue
        sheet = parsed.catalog[name]
        service = parsed.services[name]
        declared = [c.name for c in sheet.declare(service).credentials]
        for credential, value in supplied.items():
            loc = ("credentials", name, credential)
            if credential not in declared:
                has = f"its credentials are {', '.join(declared)}" if declared else "it has none"
                causes = _settings_without(sheet, service, credential)
                if causes:
                    has += " with " + " and ".join(f"{NAMESPACE}:services.{name}.{cause}" for cause in causes)
                problems.add(loc, f"{name} declares no such credential ({has})", show=False)
            elif not value.get_secret_value():
                problems.add(loc, "is empty", show=False)
            elif refused := credential_problem(sheet.kind, credential, value.get_secret_value()):
                problems.add(loc, refused, show=False)


def _volume_problems(parsed: _Parsed, problems: _Problems) -> None:
    """Sizes under `trade2026:kubernetes.volumes` for instances and data volumes there are."""
    volumes = parsed.stack.kubernetes.volumes
    unknown = sorted(set(volumes) - set(parsed.catalog))
    if unknown:
        problems.add(("kubernetes", "volumes"), f"no service named {', '.join(unknown)}", volumes)
    for name, sheet, service in parsed.instances():
        declared = {volume.name for volume in sheet.declare(service).volumes}
        for volume in sorted(set(volumes.get(name, {})) - declared):
            has = ", ".join(sorted(declared)) or "none"
            problems.add(
                ("kubernetes", "volumes", name, volume),
                f"{name} has no data volume {volume} (it has: {has})",
                show=False,
            )


def _host_port_problems(parsed: _Parsed, problems: _Problems) -> None:
    """Two running instances whose endpoints would name one port: a sheet's slots are shared by its
    instances, so under `hostPorts: fixed` two instances of one sheet take the same host ports, and
    on Kubernetes their port-forward lines the same local ones."""
    stack = parsed.stack
    kubernetes = stack.platform == "kubernetes"
    if not kubernetes and (stack.host_ports != "fixed" or parsed.unknown("portBlock")):
        return
    taken: dict[int, tuple[str, str]] = {}
    for name, sheet, service in parsed.instances():
        if not service.enabled or parsed.unknown("services", name, "enabled"):
            continue
        for port in sheet.declare(service).ports:
            if not port.published:
                continue
            number = port.host_number if kubernetes else port.fixed_host_port(stack.port_block)
            if number not in taken:
                taken[number] = (name, port.role)
                continue
            other, role = taken[number]
            if kubernetes:
                clash = f"would be forwarded to local port {number}, as {NAMESPACE}:services.{other}'s {role} port is"
                way_out = "switch one of them off (enabled false)"
            else:
                clash = (
                    f"would take host port {number} under {NAMESPACE}:hostPorts fixed, "
                    f"as {NAMESPACE}:services.{other}'s {role} port does"
                )
                way_out = f"switch one of them off (enabled false) or use {NAMESPACE}:hostPorts auto"
            problems.add(
                ("services", name),
                f"its {port.role} port {clash} (instances of one sheet share its ports); {way_out}",
                show=False,
            )


def parse_settings(
    config: Mapping[str, Any], catalog: Catalog, secret_keys: Collection[str] = (), stack: str | None = None
) -> StackSettings:
    """Validate a `{"trade2026:key": value}` map for the instances of `catalog`; raises ConfigError
    listing every problem.

    `secret_keys` are the keys the stack marked secret: their values never appear in a message.
    `stack`, when given, is the stack's name, which a Kubernetes stack's namespace is made from.
    """
    raw: dict[str, Any] = {}
    secret_names = {key.partition(":")[2] for key in secret_keys if key.startswith(f"{NAMESPACE}:")}
    fields = _field_names(StackSettings) | set(catalog)
    for sheet in catalog.values():
        fields |= _field_names(sheet.settings)
    problems = _Problems(secret_names, fields)
    refused: list[Loc] = []
    for key, value in config.items():
        namespace, colon, name = str(key).partition(":")
        if not colon:
            # The CLI namespaces such keys in Pulumi.<stack>.yaml; one arriving bare was set around it.
            problems.lines.append(f"{_text(key)}: has no namespace; set it as {NAMESPACE}:{_text(key)}")
            continue
        if namespace != NAMESPACE:
            if _looks_like_ours(namespace):
                meant = name if name in _TOP_LEVEL else _meant_field(name, _TOP_LEVEL) or name
                problems.lines.append(
                    f"{_text(key)}: namespace {_text(namespace)} is not this project's; "
                    f"did you mean {NAMESPACE}:{_text(meant)}?"
                )
            continue  # other namespaces (docker:host, ...) belong to their providers
        if name in _STRUCTURED and isinstance(value, str):
            value, problem = _parse_json(value)
            if problem:
                problems.add((name,), problem, show=False)
                refused.append((name,))
                continue
        if _depth(value) > _MAX_DEPTH:
            problems.add((name,), f"nested deeper than {_MAX_DEPTH} levels", show=False)
            refused.append((name,))
            continue
        raw[name] = value
    services = raw.pop("services", {})
    settings, stack_refused = _validate(StackSettings, raw, problems, ())
    parsed = _Parsed(catalog, settings, [*refused, *stack_refused])
    _services(services, parsed, problems)
    _service_problems(parsed, problems)
    if not parsed.unknown("credentials"):
        _credential_problems(parsed, "credentials" in secret_names, problems)
    if not parsed.unknown("kubernetes", "volumes"):
        _volume_problems(parsed, problems)
    if not parsed.unknown("platform") and not parsed.unknown("hostPorts"):
        _host_port_problems(parsed, problems)
        problems.lines.extend(target_problems(settings, config))
        if not parsed.unknown("kubernetes", "namespace"):
            problems.lines.extend(namespace_problems(settings, stack))
    if problems.lines:
        raise ConfigError("invalid stack config:\n  " + "\n  ".join(sorted(set(problems.lines))))
    return settings.model_copy(update={"services": parsed.services})


def load_settings(catalog: Catalog) -> StackSettings:
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
    return parse_settings(values, catalog, secret_keys, pulumi.get_stack())
