"""Docker object names are global on a host; carrying the stack name keeps stacks apart."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pulumi_policy import Severity

from .framework import CONTAINER, NETWORK, VOLUME, RuleConfig, Subject, known, own, resource_rule


@resource_rule(
    "stack-scoped-names",
    "Requires Docker container, volume and network names to carry the stack name.",
    types=(CONTAINER, VOLUME, NETWORK),
    severity=Severity.MEDIUM,
    anchor=own("Name the resource trade2026-<stack>-<service>[-<part>], as the components do."),
)
def stack_scoped_names(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    name = known(subject.props, "name")
    # Unnamed resources are auto-named with a random suffix and cannot collide.
    if name and not re.search(rf"(^|[-_.]){re.escape(subject.stack)}([-_.]|$)", str(name)):
        yield f"{name}: does not carry the stack name {subject.stack}; another stack could claim it"
