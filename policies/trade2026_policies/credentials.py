"""Credentials: no well-known defaults, no authentication turned off, and OpenSearch's login off
only on developer stacks; on Docker containers and in Kubernetes pods, ConfigMaps and Secrets.

Policies see secrets as plaintext, so they can check values but cannot tell a Pulumi secret from a
literal; that credentials are secrets is proven by the program's tests. No message repeats a value.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import Severity
from pydantic import Field

from .framework import CONTAINER, RuleConfig, Subject, items, kics, known, matches_any, own, resource_rule
from .kubernetes import CONFIG_MAP, SECRET, WORKLOADS, Pod, kind_and_name

# Every spelling of a variable that carries a credential: PASSWORD, passwd, PGPASS, DB_PWD,
# clickhouse_password, S3_SECRET_KEY, API_TOKEN, ...
_CREDENTIAL_NAME = re.compile(r"PASS|PWD|SECRET|TOKEN|KEY|AUTH|CREDENTIAL", re.IGNORECASE)
# A value given to a credential-ish key in a config file or on a command line: password=x,
# "secretKey": "x", requirepass x, --password=x, --requirepass x.
_CREDENTIAL_VALUE = re.compile(
    r"""(?:pass(?:word|wd)?|pwd|secret(?:_?key)?|access_?key|token|requirepass)["']?\s*[:=\s]\s*["']?([^"'\s,;}]+)""",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Settings:
    """What a container or pod is told, in one shape for both targets: each place is (where, text)."""

    env: list[tuple[str, str, str]]  # (where, name, value)
    command_lines: list[tuple[str, str]]
    files: list[tuple[str, str]]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _decoded(encoded: Any) -> str:
    try:
        return base64.b64decode(str(encoded), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""


def docker_settings(subject: Subject) -> Settings:
    label = subject.label
    env = []
    for entry in items(subject.props, "envs"):
        name, _, value = str(entry).partition("=")
        env.append((label, name, value))
    lines = []
    for key in ("entrypoints", "command"):
        parts = [str(p) for p in items(subject.props, key)]
        if parts:
            lines.append((f"{label}: {key}", " ".join(parts)))
    tests = [str(p) for p in items(known(subject.props, "healthcheck", {}), "tests")]
    if tests:
        lines.append((f"{label}: healthcheck", " ".join(tests)))
    files = []
    for upload in items(subject.props, "uploads"):
        where = f"{label}: uploaded file {known(upload, 'file', '?')}"
        content = _text(known(upload, "content")) + _decoded(known(upload, "contentBase64", ""))
        files.append((where, content))
    return Settings(env, lines, files)


def kubernetes_settings(subject: Subject) -> Settings:
    env: list[tuple[str, str, str]] = []
    lines: list[tuple[str, str]] = []
    files: list[tuple[str, str]] = []
    if subject.type in WORKLOADS:
        pod = Pod.of(subject)
        for container in pod.containers():
            at = pod.at(container)
            env += [(at, _text(known(e, "name")), _text(known(e, "value"))) for e in items(container, "env")]
            for key in ("command", "args"):
                parts = [str(p) for p in items(container, key)]
                if parts:
                    lines.append((f"{at}: {key}", " ".join(parts)))
        return Settings(env, lines, files)
    owner = kind_and_name(subject)
    data: Mapping[str, Any] = known(subject.props, "stringData") or {}
    encoded: Mapping[str, Any] = known(subject.props, "data") or {}
    for key in data:
        env.append((owner, str(key), _text(known(data, key))))
        files.append((f"{owner}: key {key}", _text(known(data, key))))
    for key in encoded:
        value = known(encoded, key)
        # A Secret's data is base64; a ConfigMap's data is plain text.
        plain = _decoded(value) if subject.type == SECRET else _text(value)
        env.append((owner, str(key), plain))
        files.append((f"{owner}: key {key}", plain))
    return Settings(env, lines, files)


def settings_of(subject: Subject) -> Settings:
    return docker_settings(subject) if subject.type == CONTAINER else kubernetes_settings(subject)


CREDENTIAL_TYPES = (CONTAINER, *WORKLOADS, CONFIG_MAP, SECRET)


class ForbiddenValues(RuleConfig):
    forbidden_values: list[str] = Field(
        default=["trader123", "quest", "admin", "password", "changeme", "postgres", "root", "secret", "any"],
        alias="forbiddenValues",
        description="Well-known default credentials (compared case-insensitively).",
    )


@resource_rule(
    "no-default-credentials",
    "Prohibits well-known default credentials in env, command lines, files, ConfigMaps and Secrets.",
    types=CREDENTIAL_TYPES,
    severity=Severity.CRITICAL,
    config=ForbiddenValues,
    anchor=kics(
        "Passwords And Secrets - Generic Password",
        "Let the program generate the credential (RandomPassword) instead of a well-known default.",
    ),
)
def no_default_credentials(subject: Subject, config: ForbiddenValues) -> Iterator[str]:
    forbidden = {value.lower() for value in config.forbidden_values}
    settings = settings_of(subject)
    for where, name, value in settings.env:
        if _CREDENTIAL_NAME.search(name) and value.lower() in forbidden:
            # Never repeat the value: the message ends up in CI logs.
            yield f"{where}: env {name} holds a well-known default credential"
    for where, text in [*settings.command_lines, *settings.files]:
        if any(found.lower() in forbidden for found in _CREDENTIAL_VALUE.findall(text)):
            yield f"{where} holds a well-known default credential"


# Settings that switch a server's login off, by variable: PostgreSQL's image, initdb's arguments,
# the Bitnami images' switch, MySQL's and MariaDB's, and ClickHouse's (a default user with no password).
_TRUST_METHOD = re.compile(r"--auth(?:-host|-local)?[= ]trust\b|(?:^|\s)-A\s*trust\b", re.IGNORECASE)
_AUTH_OFF: dict[str, re.Pattern[str]] = {
    "POSTGRES_HOST_AUTH_METHOD": re.compile(r"trust", re.IGNORECASE),
    "POSTGRES_INITDB_ARGS": _TRUST_METHOD,
    "ALLOW_EMPTY_PASSWORD": re.compile(r"yes|true|1", re.IGNORECASE),
    "MYSQL_ALLOW_EMPTY_PASSWORD": re.compile(r".+"),
    "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD": re.compile(r".+"),
    "CLICKHOUSE_SKIP_USER_SETUP": re.compile(r"1|true|yes", re.IGNORECASE),
}
# A pg_hba.conf line that lets a connection in without a password: its method field is trust.
_HBA_TRUST = re.compile(r"^\s*(?:local|host|hostssl|hostnossl|hostgssenc|hostnogssenc)\s.*\btrust\b", re.MULTILINE)


@resource_rule(
    "no-trust-authentication",
    "Prohibits switching a server's login off: trust authentication, empty-password switches, pg_hba trust lines.",
    types=CREDENTIAL_TYPES,
    severity=Severity.CRITICAL,
    anchor=own("Remove the setting; the services authenticate with the credentials the program generates."),
)
def no_trust_authentication(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    settings = settings_of(subject)
    for where, name, value in settings.env:
        pattern = _AUTH_OFF.get(name.upper())
        if pattern is None:
            continue
        if pattern.search(value) if pattern is _TRUST_METHOD else pattern.fullmatch(value.strip()):
            yield f"{where}: env {name} lets clients in without a password"
    for where, text in settings.command_lines:
        if _TRUST_METHOD.search(text):
            yield f"{where} makes initdb trust every connection"
    for where, text in settings.files:
        if _HBA_TRUST.search(text):
            yield f"{where} has a pg_hba line with method trust, which lets clients in without a password"


class AllowDisabledStacks(RuleConfig):
    allow_disabled_stacks: list[str] = Field(
        default=["dev", "dev-*"],
        alias="allowDisabledStacks",
        description="Stack name globs where OpenSearch may run without its security plugin.",
    )


# The image's own switch, and the setting it stands for, as an environment variable (OpenSearch's
# entrypoint passes variables with a dot as -E settings), a -E option or a line of opensearch.yml.
_SECURITY_OFF_ENV = {"disable_security_plugin", "plugins.security.disabled"}
_SECURITY_OFF_TEXT = re.compile(r"plugins\.security\.disabled\s*[:=]\s*[\"']?true\b", re.IGNORECASE)


@resource_rule(
    "opensearch-security-enabled",
    "Prohibits disabling OpenSearch's security plugin outside the stacks that allow it.",
    types=(CONTAINER, *WORKLOADS, CONFIG_MAP),
    severity=Severity.HIGH,
    config=AllowDisabledStacks,
    anchor=own("Set securityPlugin: true for OpenSearch in trade2026:services on this stack."),
)
def opensearch_security_enabled(subject: Subject, config: AllowDisabledStacks) -> Iterator[str]:
    if matches_any(subject.stack, config.allow_disabled_stacks):
        return
    settings = settings_of(subject)
    # These names exist only for OpenSearch, so no image lookup is needed.
    switched_off = [
        where
        for where, name, value in settings.env
        if name.lower() in _SECURITY_OFF_ENV and value.strip().lower() == "true"
    ]
    texts = [*settings.command_lines, *settings.files]
    switched_off += [where for where, text in texts if _SECURITY_OFF_TEXT.search(text)]
    for where in dict.fromkeys(switched_off):
        yield f"{where}: OpenSearch without login and TLS on stack {subject.stack}"
