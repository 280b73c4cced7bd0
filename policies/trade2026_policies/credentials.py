"""Credentials: no well-known defaults, and OpenSearch's login off only on developer stacks.

Policies see secrets as plaintext, so they can check values but cannot tell a Pulumi secret from a
literal; that credentials are secrets is proven by the program's tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pulumi_policy import Severity
from pydantic import Field

from .framework import RuleConfig, Subject, items, kics, known, matches_any, own, resource_rule

_CREDENTIAL_NAME = re.compile(r"PASSW(OR)?D|SECRET|TOKEN|ACCESS_?KEY|AUTH|CREDENTIAL", re.IGNORECASE)
# A value given to a credential-ish key in a config file: password=x, "secretKey": "x", requirepass x.
_CREDENTIAL_VALUE = re.compile(
    r"""(?:pass(?:word|wd)?|secret(?:_?key)?|access_?key|token|requirepass)["']?\s*[:=\s]\s*["']?([^"'\s,;}]+)""",
    re.IGNORECASE,
)


class ForbiddenValues(RuleConfig):
    forbidden_values: list[str] = Field(
        default=["trader123", "quest", "admin", "password", "changeme", "postgres", "root", "secret", "any"],
        alias="forbiddenValues",
        description="Well-known default credentials (compared case-insensitively).",
    )


@resource_rule(
    "no-default-credentials",
    "Prohibits well-known default credentials in env or uploaded files.",
    severity=Severity.CRITICAL,
    config=ForbiddenValues,
    anchor=kics(
        "Passwords And Secrets - Generic Password",
        "Let the program generate the credential (RandomPassword) instead of a well-known default.",
    ),
)
def no_default_credentials(subject: Subject, config: ForbiddenValues) -> Iterator[str]:
    forbidden = {value.lower() for value in config.forbidden_values}
    for entry in items(subject.props, "envs"):
        name, _, value = str(entry).partition("=")
        if _CREDENTIAL_NAME.search(name) and value.lower() in forbidden:
            # Never repeat the value: the message ends up in CI logs.
            yield f"{subject.label}: env {name} holds a well-known default credential"
    for upload in items(subject.props, "uploads"):
        content = known(upload, "content", "")
        if any(found.lower() in forbidden for found in _CREDENTIAL_VALUE.findall(str(content))):
            yield f"{subject.label}: uploaded file {known(upload, 'file', '?')} holds a well-known default credential"


class AllowDisabledStacks(RuleConfig):
    allow_disabled_stacks: list[str] = Field(
        default=["dev", "dev-*"],
        alias="allowDisabledStacks",
        description="Stack name globs where OpenSearch may run without its security plugin.",
    )


@resource_rule(
    "opensearch-security-enabled",
    "Prohibits disabling OpenSearch's security plugin outside the stacks that allow it.",
    severity=Severity.HIGH,
    config=AllowDisabledStacks,
    anchor=own("Set securityPlugin: true for OpenSearch in trade2026:services on this stack."),
)
def opensearch_security_enabled(subject: Subject, config: AllowDisabledStacks) -> Iterator[str]:
    # DISABLE_SECURITY_PLUGIN exists only in OpenSearch images, so no image lookup is needed.
    disabled = any(str(e).lower() == "disable_security_plugin=true" for e in items(subject.props, "envs"))
    if disabled and not matches_any(subject.stack, config.allow_disabled_stacks):
        yield f"{subject.label}: OpenSearch without login and TLS on stack {subject.stack}"
