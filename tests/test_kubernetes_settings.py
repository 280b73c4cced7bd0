"""The platform switch and the Kubernetes target's keys: refused with one line naming the key,
and refused on the target that does not read them."""

from __future__ import annotations

from typing import Any

import pytest

from components.settings import ConfigError, parse_settings
from tests.conftest import CATALOG, config


def _errors(raw: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(raw, CATALOG)
    first, *lines = str(caught.value).splitlines()
    assert first == "invalid stack config:"
    return [line.strip() for line in lines]


def on_kubernetes(**kubernetes: Any) -> dict[str, str]:
    return config(platform="kubernetes", kubernetes=kubernetes)


def test_kubernetes_settings_are_read_with_their_defaults() -> None:
    settings = parse_settings(
        on_kubernetes(storageClass="fast", volumes={"postgres": {"data": {"size": "20Gi"}}}), CATALOG
    )
    assert settings.platform == "kubernetes"
    assert settings.kubernetes.model_dump(by_alias=True) == {
        "namespace": None,
        "storageClass": "fast",
        "volumeSize": "1Gi",
        "volumes": {"postgres": {"data": {"size": "20Gi", "storageClass": None}}},
    }


def test_the_platform_defaults_to_docker() -> None:
    assert parse_settings(config(), CATALOG).platform == "docker"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            config(platform="k8s"),
            "trade2026:platform: expected 'docker' or 'kubernetes' (got 'k8s')",
            id="platform",
        ),
        pytest.param(
            on_kubernetes(namespace="Trading_Dev"),
            "trade2026:kubernetes.namespace: expected a namespace name: up to 63 lowercase letters, digits and '-' "
            "(got 'Trading_Dev')",
            id="namespace",
        ),
        pytest.param(
            on_kubernetes(storageClass="Fast SSD"),
            "trade2026:kubernetes.storageClass: expected a StorageClass name (lowercase letters, digits, '-' and '.') "
            "(got 'Fast SSD')",
            id="storage class",
        ),
        pytest.param(
            on_kubernetes(volumeSize="ten"),
            "trade2026:kubernetes.volumeSize: expected a Kubernetes quantity such as 10Gi or 500Mi (got 'ten')",
            id="default size",
        ),
        pytest.param(
            on_kubernetes(volumes={"postgres": {"data": {"size": "1Tb"}}}),
            "trade2026:kubernetes.volumes.postgres.data.size: expected a Kubernetes quantity such as 10Gi or 500Mi "
            "(got '1Tb')",
            id="volume size",
        ),
        pytest.param(
            on_kubernetes(volumes={"postgres": {"data": {"class": "fast"}}}),
            "trade2026:kubernetes.volumes.postgres.data.class: unknown key",
            id="misspelt volume key",
        ),
        pytest.param(
            on_kubernetes(volumes={"mongodb": {"data": {"size": "1Gi"}}}),
            "trade2026:kubernetes.volumes: no service named mongodb (got a nested value)",
            id="unknown service",
        ),
        pytest.param(
            on_kubernetes(context="kind-kind"),
            "trade2026:kubernetes.context: unknown key",
            id="context is the provider's key",
        ),
    ],
)
def test_bad_kubernetes_config_is_refused_with_one_line_naming_the_key(raw: dict[str, str], expected: str) -> None:
    assert _errors(raw) == [expected]


def test_kubernetes_keys_are_refused_on_a_docker_stack() -> None:
    assert _errors({**config(), "kubernetes:context": "kind-kind"}) == [
        "kubernetes:context: only applies when trade2026:platform is 'kubernetes'"
    ]
    assert _errors(config(kubernetes={"namespace": "trading"})) == [
        "trade2026:kubernetes: only applies when trade2026:platform is 'kubernetes' (got {'namespace': 'trading'})"
    ]


def test_docker_keys_are_refused_on_a_kubernetes_stack() -> None:
    raw = {**config(platform="kubernetes", hostPorts="fixed", bindAddress="0.0.0.0"), "docker:host": "ssh://box"}
    assert _errors(raw) == [
        "docker:host: only applies when trade2026:platform is 'docker'",
        "trade2026:bindAddress: only applies when trade2026:platform is 'docker'",
        "trade2026:hostPorts: only applies when trade2026:platform is 'docker'",
    ]


def test_the_project_defaults_of_docker_keys_are_not_refused_on_kubernetes() -> None:
    # The CLI passes Pulumi.yaml's defaults (bindAddress 127.0.0.1, hostPorts auto) to every stack.
    assert parse_settings({**on_kubernetes(), "kubernetes:context": "kind-kind"}, CATALOG).platform == "kubernetes"


NAMESPACE_HINT = (
    "which Kubernetes refuses (up to 63 lowercase letters, digits and '-'); set trade2026:kubernetes.namespace"
)


@pytest.mark.parametrize(
    ("stack", "namespace"),
    [
        pytest.param("Dev", "trade2026-Dev", id="capitals"),
        pytest.param("dev_alice", "trade2026-dev_alice", id="underscore"),
        pytest.param("dev.alice", "trade2026-dev.alice", id="dot"),
        pytest.param("dev-", "trade2026-dev-", id="ends in a dash"),
        pytest.param("a" * 54, "trade2026-" + "a" * 54, id="64 characters"),
    ],
)
def test_a_stack_name_that_makes_no_namespace_is_refused_naming_the_way_out(stack: str, namespace: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(on_kubernetes(), CATALOG, stack=stack)
    assert str(caught.value).splitlines()[1:] == [
        f"  trade2026:kubernetes.namespace: unset, so the stack's namespace is {namespace}, made from stack name "
        f"{stack}, {NAMESPACE_HINT}"
    ]


@pytest.mark.parametrize("stack", ["k8s-dev", "a" * 53, "0"])
def test_a_stack_name_that_makes_a_namespace_is_accepted(stack: str) -> None:
    assert parse_settings(on_kubernetes(), CATALOG, stack=stack).kubernetes.namespace is None


def test_a_namespace_of_its_own_frees_the_stack_name_and_docker_stacks_have_none() -> None:
    assert parse_settings(on_kubernetes(namespace="trading-dev"), CATALOG, stack="Dev_Alice").kubernetes.namespace == (
        "trading-dev"
    )
    assert parse_settings(config(), CATALOG, stack="Dev_Alice").platform == "docker"
