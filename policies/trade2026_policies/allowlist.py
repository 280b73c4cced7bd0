"""What a stack may be made of: the resource types this program registers, through the engine's
default providers, and nothing else unless an environment's config allows more.

The list is written out (the pack imports nothing from the program); tests/policies/
test_allowlist.py runs the program for every committed stack and every setting that changes what
is rendered and proves that it registers exactly these types.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pulumi_policy import Severity
from pydantic import Field

from .framework import (
    CONTAINER,
    EVERY_TYPE,
    IMAGE,
    NETWORK,
    VOLUME,
    RuleConfig,
    Subject,
    matches_any,
    own,
    resource_rule,
)
from .kubernetes import CONFIG_MAP, NAMESPACE, NETWORK_POLICY, SECRET, SERVICE, STATEFUL_SET
from .readydata import READY_DATA_TYPES

PASSWORD = "random:index/randomPassword:RandomPassword"
PROVIDER_PREFIX = "pulumi:providers:"
# The packages whose default providers serve the types below (pulumi-python: the dynamic
# provider host that runs the ready-data providers).
PROVIDERS = tuple(f"{PROVIDER_PREFIX}{package}" for package in ("docker", "kubernetes", "random", "pulumi-python"))

ALLOWED_TYPES = frozenset(
    {
        CONTAINER,
        VOLUME,
        NETWORK,
        IMAGE,
        PASSWORD,
        NAMESPACE,
        NETWORK_POLICY,
        STATEFUL_SET,
        CONFIG_MAP,
        SECRET,
        SERVICE,
        *READY_DATA_TYPES,
        *PROVIDERS,
    }
)


class AllowedTypes(RuleConfig):
    allowed_types: list[str] = Field(
        default=[],
        alias="allowedTypes",
        description="Further resource types (globs of type tokens) this environment allows, once reviewed.",
    )


@resource_rule(
    "allowed-resource-types",
    "Prohibits resource types other than those the program registers, unless this environment allows them.",
    types=EVERY_TYPE,
    severity=Severity.CRITICAL,
    config=AllowedTypes,
    anchor=own("Remove the resource, or review its type and add it to allowedTypes in this environment's config."),
)
def allowed_resource_types(subject: Subject, config: AllowedTypes) -> Iterator[str]:
    if subject.type in ALLOWED_TYPES or matches_any(subject.type, config.allowed_types):
        return
    # The engine serves every custom resource and every remote component through a provider
    # (source_eval.go); what arrives without one is the stack or a component of the program's own,
    # which creates nothing itself: its children are judged one by one.
    if subject.provider is None and not subject.type.startswith(PROVIDER_PREFIX):
        return
    through = f" (through {subject.provider.resource_type})" if subject.provider is not None else ""
    yield f"{subject.type} {subject.name}{through} is not a resource type this stack is made of"


# What the engine names the default provider of a package: `default`, or `default_` and the
# version with dots as underscores (pkg/resource/deploy/providers/provider.go DefaultName).
_DEFAULT_NAME = re.compile(r"default(_[0-9A-Za-z_]+)?")


class AllowedProviders(RuleConfig):
    allowed_providers: list[str] = Field(
        default=[],
        alias="allowedProviders",
        description="Names (globs) of explicit provider resources this environment allows, once reviewed.",
    )


@resource_rule(
    "no-explicit-providers",
    "Prohibits provider resources of the program's own, which reach hosts and clusters no stack config names.",
    types=PROVIDERS,
    severity=Severity.CRITICAL,
    config=AllowedProviders,
    anchor=own(
        "Drop the provider and configure the default one in the stack's config (docker:host, kubernetes:context), "
        "or allow its name in allowedProviders."
    ),
)
def no_explicit_providers(subject: Subject, config: AllowedProviders) -> Iterator[str]:
    # The engine registers default providers itself, with no parent; everything the program
    # registers has the stack, at least, as its parent.
    if subject.parent is None and _DEFAULT_NAME.fullmatch(subject.name):
        return
    if matches_any(subject.name, config.allowed_providers):
        return
    settings = ", ".join(sorted(str(key) for key in subject.props if key != "version")) or "no settings"
    yield (
        f"{subject.type} {subject.name} is an explicit provider ({settings}); "
        "resources through it escape the stack's config"
    )
