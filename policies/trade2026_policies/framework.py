"""How a rule becomes a CrossGuard policy.

A rule is a pure function that yields violation messages: `check(subject, config)` for one
resource, `check(resources, config)` yielding `(urn, message)` for the whole stack. The decorators
here wrap it into a pulumi_policy policy with its name, description, default level, severity and a
config schema derived from the rule's pydantic config model, so bad config is refused by the CLI
(JSON schema) and again by the rule itself (unknown keys, which the CLI lets through).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from docker_image.digest import InvalidDigest
from docker_image.reference import DEFAULT_DOMAIN, InvalidReference, Reference
from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    PolicyProviderResource,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError
from pydantic import BaseModel, ConfigDict, ValidationError

CONTAINER = "docker:index/container:Container"
VOLUME = "docker:index/volume:Volume"
NETWORK = "docker:index/network:Network"
IMAGE = "docker:index/remoteImage:RemoteImage"
# The registry a reference without a host means (distribution/reference's default domain).
DOCKER_HUB = DEFAULT_DOMAIN

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY


class RuleConfig(BaseModel):
    """Base of every rule's config: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoConfig(RuleConfig):
    pass


C = TypeVar("C", bound=RuleConfig)


@dataclass(frozen=True)
class Subject:
    """One resource as a rule sees it, built alike from ResourceValidationArgs and PolicyResource:
    besides its inputs, the provider the engine serves it through (none for a component, the
    stack and a provider itself) and its parent (none for the engine's default providers)."""

    type: str
    props: Mapping[str, Any]
    urn: str
    protect: bool = False
    provider: PolicyProviderResource | None = None
    parent: str | None = None

    @property
    def stack(self) -> str:
        # urn:pulumi:<stack>::<project>::<type>::<name>
        return self.urn.split("::", 1)[0].removeprefix("urn:pulumi:")

    @property
    def label(self) -> str:
        return str(known(self.props, "name") or self.urn.rsplit("::", 1)[-1])

    @property
    def name(self) -> str:
        """The resource's own name, the last part of its URN."""
        return self.urn.rsplit("::", 1)[-1]

    @classmethod
    def of(cls, resource: PolicyResource) -> Subject:
        return cls(
            resource.resource_type,
            resource.props,
            resource.urn,
            bool(resource.opts.protect),
            resource.provider,
            resource.opts.parent,
        )


def known(props: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """props[key], or `default` when unset or not known until `pulumi up` (preview)."""
    try:
        value = props.get(key)
    except UnknownValueError:
        return default
    return default if value is None else value


def has(props: Mapping[str, Any], key: str) -> bool:
    """Whether `key` is set, known or not (`key in props` reads the value, which raises when unknown)."""
    return key in list(props)


def items(props: Mapping[str, Any], key: str) -> Iterator[Any]:
    """The known entries of a list property; entries computed at `up` are skipped (rules judge
    values; whether a value that decides safety may be unknown is `known-at-preview`'s call)."""
    for index in range(len(known(props, key, []))):
        try:
            yield props[key][index]
        except UnknownValueError:
            continue


def unknown_paths(value: Any, path: str = "") -> Iterator[str]:
    """The path of every value inside `value` that is not known until `pulumi up`: `volumes[0].volumeName`."""
    if isinstance(value, Mapping):
        for key in value:
            where = f"{path}.{key}" if path else str(key)
            try:
                inner = value[key]
            except UnknownValueError:
                yield where
                continue
            yield from unknown_paths(inner, where)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for index in range(len(value)):
            try:
                inner = value[index]
            except UnknownValueError:
                yield f"{path}[{index}]"
                continue
            yield from unknown_paths(inner, f"{path}[{index}]")


def matches_any(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def schema_of(model: type[RuleConfig]) -> PolicyConfigSchema | None:
    properties = model.model_json_schema().get("properties", {})
    if not properties:
        return None
    for prop in properties.values():
        prop.pop("title", None)
    return PolicyConfigSchema(properties=properties)


def read_config(policy: str, model: type[C], raw: Mapping[str, Any] | None) -> C:
    try:
        return model.model_validate(dict(raw or {}))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ValueError(f"policy {policy}: invalid config: {problems}") from None


@dataclass(frozen=True)
class Anchor:
    """Where a rule comes from, carried as pulumi_policy metadata beside its violations: the
    benchmark item it codes (by title: item numbers differ between benchmark versions), a link,
    and what to do about a violation."""

    framework: str
    item: str | None
    url: str | None
    remediation: str


def cis(item: str, remediation: str) -> Anchor:
    return Anchor("CIS Docker Benchmark", item, "https://www.cisecurity.org/benchmark/docker", remediation)


def kics(item: str, remediation: str) -> Anchor:
    return Anchor("KICS", item, "https://docs.kics.io/latest/queries/dockercompose-queries/", remediation)


def own(remediation: str) -> Anchor:
    """A rule neither benchmark has (pinned images, per-stack names, protected data)."""
    return Anchor("Trade2026 infrastructure", None, None, remediation)


# `types=` of a rule that judges every resource the engine analyses, whatever its type.
EVERY_TYPE = None


class TypedResourcePolicy(ResourceValidationPolicy):
    """A resource policy that judges only resources of `resource_types`: it reports nothing on
    any other, so the pack's servicer (servicer.py) need not call it for them."""

    def __init__(self, resource_types: Iterable[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.resource_types = frozenset(resource_types)


ResourceCheck = Callable[[Subject, Any], Iterable[str]]
StackCheck = Callable[[Sequence[PolicyResource], Any], Iterable[tuple[str, str]]]


def resource_rule(
    name: str,
    description: str,
    *,
    types: tuple[str, ...] | None = (CONTAINER,),
    level: EnforcementLevel = MANDATORY,
    severity: Severity = Severity.HIGH,
    config: type[RuleConfig] = NoConfig,
    anchor: Anchor,
) -> Callable[[ResourceCheck], ResourceValidationPolicy]:
    def decorate(check: ResourceCheck) -> ResourceValidationPolicy:
        def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
            if types is not EVERY_TYPE and args.resource_type not in types:
                return
            settings = read_config(name, config, args.get_config())
            subject = Subject(
                args.resource_type, args.props, args.urn, bool(args.opts.protect), args.provider, args.opts.parent
            )
            for message in check(subject, settings):
                report_violation(message, None)

        metadata = _metadata(name, description, level, severity, config, anchor)
        if types is EVERY_TYPE:
            return ResourceValidationPolicy(validate=validate, **metadata)
        return TypedResourcePolicy(types, validate=validate, **metadata)

    return decorate


def _metadata(
    name: str,
    description: str,
    level: EnforcementLevel,
    severity: Severity,
    config: type[RuleConfig],
    anchor: Anchor,
) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "enforcement_level": level,
        "severity": severity,
        "config_schema": schema_of(config),
        "framework": PolicyComplianceFramework(name=anchor.framework, reference=anchor.item),
        "remediation_steps": anchor.remediation,
        "url": anchor.url,
    }


def stack_rule(
    name: str,
    description: str,
    *,
    level: EnforcementLevel = MANDATORY,
    severity: Severity = Severity.HIGH,
    config: type[RuleConfig] = NoConfig,
    anchor: Anchor,
) -> Callable[[StackCheck], StackValidationPolicy]:
    def decorate(check: StackCheck) -> StackValidationPolicy:
        def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
            settings = read_config(name, config, args.get_config())
            for urn, message in check(args.resources, settings):
                report_violation(message, urn)

        metadata = _metadata(name, description, level, severity, config, anchor)
        return StackValidationPolicy(validate=validate, **metadata)

    return decorate


def of_type(resources: Sequence[PolicyResource], type_: str) -> Iterator[PolicyResource]:
    return (r for r in resources if r.resource_type == type_)


@dataclass(frozen=True)
class ImageRef:
    repository: str  # without registry host and without Docker Hub's library/ prefix
    tag: str | None
    digest: str | None
    registry: str = DOCKER_HUB  # host[:port], lower-cased; Docker Hub also when the reference names none

    @classmethod
    def parse(cls, reference: str) -> ImageRef | None:
        """Docker's own reading of `reference`, or None where Docker would refuse it. The program
        parses with the same library (docker-image-py, a port of distribution/reference)."""
        try:
            parsed = Reference.parse_normalized_named(reference)
        except (InvalidReference, InvalidDigest):
            return None
        # A mirror must not change the verdict: the repository is named without its registry, and
        # without the library/ prefix of Docker Hub's official images (which mirrors keep too).
        repository = str(parsed.path()).removeprefix("library/")
        return cls(repository, parsed["tag"], parsed["digest"], str(parsed.domain()).lower())

    def is_(self, repository: str) -> bool:
        """Same repository, also when pulled through a mirror that adds path components."""
        return self.repository == repository or self.repository.endswith("/" + repository)


def image_of(container: PolicyResource) -> ImageRef | None:
    """The image a container runs: its RemoteImage (via the `image` dependency), else its own
    `image` property when that is a reference rather than an image id."""
    for dependency in container.property_dependencies.get("image", []):
        if dependency.resource_type == IMAGE and known(dependency.props, "name"):
            return ImageRef.parse(str(dependency.props["name"]))
    reference = known(container.props, "image")
    if reference and not str(reference).startswith("sha256:"):
        return ImageRef.parse(str(reference))
    return None
