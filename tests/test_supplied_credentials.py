"""Credentials supplied as secret config (`trade2026:credentials`, e.g. from a vault): used instead
of generated passwords on both targets, refused when a service does not declare them or when not
marked secret, and never repeated in a message."""

from __future__ import annotations

import pytest

from components.settings import ConfigError, parse_settings
from components.spec import ServiceSpec
from offline.engine import Plan, Secret, reveal, run_program
from tests.conftest import CATALOG, PASSWORD, config
from tests.supplied import SUPPLIED, VALUES, credentials_config

SECRET_KEYS = ("trade2026:credentials",)
K8S_SECRET = "kubernetes:core/v1:Secret"


def _refusal(raw: dict[str, str], secret_keys: tuple[str, ...] = SECRET_KEYS) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(raw, CATALOG, secret_keys)
    first, *lines = str(caught.value).splitlines()
    assert first == "invalid stack config:"
    return [line.strip() for line in lines]


@pytest.fixture(scope="module")
def k8s_supplied() -> Plan:
    raw = {**config("k8s-dev"), **credentials_config()}
    return run_program("k8s-dev", raw, secret_keys=SECRET_KEYS)


def test_the_data_sheets_declare_the_documented_credentials(sheets: dict[str, ServiceSpec]) -> None:
    declared = {key: tuple(c.name for c in sheet.credentials) for key, sheet in sheets.items() if sheet.credentials}
    assert declared == {
        "valkey": ("password",),
        "questdb": ("pg-password",),
        "clickhouse": ("password",),
        "seaweedfs": ("s3-access-key", "s3-secret-key"),
        "opensearch": ("admin-password",),
        "postgres": ("password",),
    }


def test_supplied_credentials_are_read_as_secret_strings() -> None:
    settings = parse_settings({**config("prod"), **credentials_config()}, CATALOG, SECRET_KEYS)
    assert settings.credentials["postgres"]["password"].get_secret_value() == "vault-postgres-L5kJ2hGf8d"
    assert "vault-postgres" not in repr(settings)


@pytest.mark.parametrize(
    ("credentials", "expected"),
    [
        pytest.param(
            {"postgres": {"pasword": "vault-typo-value"}},
            "trade2026:credentials.postgres.pasword: postgres declares no such credential "
            "(its credentials are password)",
            id="misspelt",
        ),
        pytest.param(
            {"nats": {"password": "vault-typo-value"}},
            "trade2026:credentials.nats.password: nats declares no such credential (it has none)",
            id="service without credentials",
        ),
        pytest.param(
            {"postgress": {"password": "vault-typo-value"}},
            "trade2026:credentials.postgress: no service of that name",
            id="unknown service",
        ),
        pytest.param({"valkey": {"password": ""}}, "trade2026:credentials.valkey.password: is empty", id="empty"),
        pytest.param(
            {"valkey": {"password": 1234567}},
            "trade2026:credentials.valkey.password: expected text (got [secret])",
            id="not text",
        ),
    ],
)
def test_a_credential_no_service_declares_is_refused_in_one_line_naming_the_key(
    credentials: dict[str, dict[str, object]], expected: str
) -> None:
    lines = _refusal({**config(), **credentials_config(credentials)})  # type: ignore[arg-type]
    assert lines == [expected]
    assert "vault-typo-value" not in "\n".join(lines)
    assert "1234567" not in "\n".join(lines)


def test_the_opensearch_password_is_refused_without_the_security_plugin() -> None:
    raw = {
        **config(services={"opensearch": {"securityPlugin": False}}),
        **credentials_config({"opensearch": {"admin-password": "Vault_OpenSearch-8eW2q"}}),
    }
    assert _refusal(raw) == [
        "trade2026:credentials.opensearch.admin-password: opensearch declares no such credential "
        "(it has none with trade2026:services.opensearch.securityPlugin false)"
    ]


def test_credentials_not_marked_secret_are_refused_without_showing_them() -> None:
    lines = _refusal({**config("prod"), **credentials_config()}, secret_keys=())
    assert lines == [
        "trade2026:credentials: must be a secret: set each one with `pulumi config set --secret --path "
        "'trade2026:credentials.<service>.<credential>'` (and `pulumi config rm trade2026:credentials` first)"
    ]
    assert not any(value in "\n".join(lines) for value in VALUES)


def test_a_kubernetes_stack_supplying_every_credential_registers_no_random_password(k8s_supplied: Plan) -> None:
    assert k8s_supplied.of_type(PASSWORD) == []
    assert not any(r.type.startswith("random:") or r.type == "pulumi:providers:random" for r in k8s_supplied.resources)


def test_the_kubernetes_credentials_secrets_hold_the_supplied_values_as_secrets(k8s_supplied: Plan) -> None:
    postgres = k8s_supplied.get(K8S_SECRET, "postgres-credentials").inputs["stringData"]
    assert isinstance(postgres, Secret)
    assert reveal(postgres) == {"password": "vault-postgres-L5kJ2hGf8d"}
    seaweedfs = reveal(k8s_supplied.get(K8S_SECRET, "seaweedfs-credentials").inputs["stringData"])
    assert seaweedfs == {"s3-access-key": "vault-s3-access-Z1xC7vBn4m", "s3-secret-key": "vault-s3-secret-P0oI9uYt3r"}


def test_the_credentials_output_gives_the_supplied_values_as_a_secret(k8s_supplied: Plan) -> None:
    credentials = k8s_supplied.outputs["credentials"]
    assert all(isinstance(entry, Secret) for entry in credentials.values())
    assert reveal(credentials)["opensearch"] == {"user": "admin", "password": "Vault_OpenSearch-8eW2q"}


def test_a_docker_stack_supplying_one_credential_generates_only_the_others() -> None:
    raw = {**config("prod"), **credentials_config({"postgres": SUPPLIED["postgres"]})}
    plan = run_program("prod", raw, secret_keys=SECRET_KEYS)
    assert sorted(r.name for r in plan.of_type(PASSWORD)) == [
        "clickhouse-password",
        "opensearch-admin-password",
        "questdb-pg-password",
        "seaweedfs-s3-access-key",
        "seaweedfs-s3-secret-key",
        "valkey-password",
    ]
    assert reveal(plan.outputs["credentials"])["postgres"]["password"] == "vault-postgres-L5kJ2hGf8d"
