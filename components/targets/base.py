"""What a target is, and what every target does the same way with a data sheet's values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import pulumi
import pulumi_random as random
from pydantic import SecretStr

from ..spec import Credential, SecretRef, ServiceSpec, Upload, Value


@dataclass(frozen=True)
class Rendered:
    """What a target hands back to the service component for its outputs."""

    # Role -> URL a client on the stack's host uses; only published ports.
    endpoints: pulumi.Output[dict[str, str]]
    # Role -> URL from inside the stack, for every port.
    internal_endpoints: dict[str, str]
    # The spec's `connection` with credentials filled in; None when the spec declares none.
    credentials: pulumi.Output[dict[str, str]] | None
    # The command that makes `endpoints` reachable from a laptop, where a step is needed first
    # (`ssh -L` forwards to a remote Docker host's loopback, `kubectl port-forward` on a cluster);
    # None where they are reachable as they are.
    port_forward: pulumi.Input[str] | None = None


class Target(Protocol):
    """Renders the final spec of one instance `name` as resources parented to its component.

    Every target keeps the same promises: per declared credential, the value the stack supplies
    (`trade2026:credentials.<name>`), else one generated secret named `<name>-<credential>`; data
    volumes and credentials exist even when `enabled` is false (switching the instance back on
    must find the data and the password it was initialised with).
    """

    def render(self, parent: pulumi.Resource, name: str, spec: ServiceSpec, enabled: bool) -> Rendered: ...


def resolve(value: Value, credentials: Mapping[str, pulumi.Output[str]]) -> pulumi.Input[str]:
    """A literal as itself, a SecretRef as the generated credential it names."""
    return credentials[value.credential] if isinstance(value, SecretRef) else value


def upload_content(upload: Upload, credentials: Mapping[str, pulumi.Output[str]]) -> pulumi.Input[str]:
    """An upload's text; a template is applied to the credentials' values once they exist."""
    content = upload.content
    if callable(content):
        # The credentials are secret Outputs, so the rendered text is secret too.
        return pulumi.Output.all(**credentials).apply(content)
    return pulumi.Output.secret(content) if upload.secret else content


def connection(
    spec: ServiceSpec, credentials: Mapping[str, pulumi.Output[str]]
) -> pulumi.Output[dict[str, str]] | None:
    """The spec's `connection` with each SecretRef replaced by its credential; None if it has none."""
    if not spec.connection:
        return None
    return pulumi.Output.all(**{key: resolve(value, credentials) for key, value in spec.connection.items()})


def credential_value(
    parent: pulumi.Resource, name: str, credential: Credential, supplied: Mapping[str, SecretStr]
) -> pulumi.Output[str]:
    """The stack's supplied value (a secret from the start), else a generated password. A supplied
    value registers nothing, so a stack supplying all of them needs no pulumi-random provider."""
    value = supplied.get(credential.name)
    if value is not None:
        return pulumi.Output.secret(value.get_secret_value())
    return generate_password(parent, name, credential)


def generate_password(parent: pulumi.Resource, name: str, credential: Credential) -> pulumi.Output[str]:
    """Generated once per stack; pulumi-random keeps `result` as a secret in state."""
    password = random.RandomPassword(
        f"{name}-{credential.name}",
        length=32,
        special=credential.special,
        # OpenSearch refuses an admin password without each character class.
        min_lower=1,
        min_upper=1,
        min_numeric=1,
        min_special=1 if credential.special else 0,
        override_special="_%@+=" if credential.special else None,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return password.result
