"""Connection settings: one secret entry per service in the `connections` output, built from the
same endpoints and credentials the stack shows, in the variables docs/using.md documents."""

from __future__ import annotations

from typing import Any

import pytest

from offline.engine import Plan, Secret, reveal, run_program
from tests.conftest import CATALOG, SERVICE_KEYS, config

# A password as OpenSearch's generator may make one (`_%@+=` and digits; `%41` would decode to `A`).
SPECIAL = "Ab1_%41@+=z"
ENDPOINTS: dict[str, dict[str, str]] = {
    "nats": {"client": "nats://127.0.0.1:4222", "monitoring": "http://127.0.0.1:8222"},
    "valkey": {"client": "redis://127.0.0.1:6379"},
    "questdb": {"http": "http://127.0.0.1:9000", "ilp": "tcp://127.0.0.1:9009", "pg": "postgresql://127.0.0.1:8812"},
    "clickhouse": {"http": "http://127.0.0.1:8123", "native": "tcp://127.0.0.1:19000"},
    "seaweedfs": {"s3": "http://127.0.0.1:8333"},
    "opensearch": {"rest": "https://127.0.0.1:9200"},
    "postgres": {"client": "postgresql://127.0.0.1:5432"},
    "opa": {"rest": "http://127.0.0.1:8181"},
}
CREDENTIALS: dict[str, dict[str, str]] = {
    "valkey": {"password": "vPass1"},
    "questdb": {"user": "trader", "password": "qPass1", "database": "qdb"},
    "clickhouse": {"user": "trader", "password": "cPass1", "database": "trading"},
    "seaweedfs": {"accessKey": "AKey1", "secretKey": "SKey1"},
    "opensearch": {"user": "admin", "password": SPECIAL},
    "postgres": {"user": "trader", "password": "pPass1", "database": "library"},
}


def build(service: str) -> dict[str, str]:
    return CATALOG[service].variables(ENDPOINTS[service], CREDENTIALS.get(service, {}))


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        ("nats", {"NATS_URL": "nats://127.0.0.1:4222"}),
        ("valkey", {"REDIS_URL": "redis://:vPass1@127.0.0.1:6379/0", "VALKEY_URL": "redis://:vPass1@127.0.0.1:6379/0"}),
        (
            "questdb",
            {
                "QUESTDB_PG_DSN": "postgresql://trader:qPass1@127.0.0.1:8812/qdb",
                "QUESTDB_HTTP_URL": "http://127.0.0.1:9000",
                "QDB_CLIENT_CONF": "http::addr=127.0.0.1:9000",
            },
        ),
        ("clickhouse", {"CLICKHOUSE_URL": "http://trader:cPass1@127.0.0.1:8123/trading"}),
        (
            "seaweedfs",
            {
                "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:8333",
                "AWS_ACCESS_KEY_ID": "AKey1",
                "AWS_SECRET_ACCESS_KEY": "SKey1",
            },
        ),
        ("opensearch", {"OPENSEARCH_URL": "https://admin:Ab1_%2541%40%2B%3Dz@127.0.0.1:9200"}),
        ("postgres", {"DATABASE_URL": "postgresql://trader:pPass1@127.0.0.1:5432/library"}),
        ("opa", {"OPA_URL": "http://127.0.0.1:8181"}),
    ],
)
def test_each_service_gets_its_conventional_variables(service: str, expected: dict[str, str]) -> None:
    assert build(service) == expected


def test_opensearch_without_its_security_plugin_needs_no_login() -> None:
    settings = CATALOG["opensearch"].variables({"rest": "http://127.0.0.1:9200"}, {})
    assert settings == {"OPENSEARCH_URL": "http://127.0.0.1:9200"}


def test_endpoints_naming_a_remote_or_ipv6_host_carry_over() -> None:
    assert CATALOG["postgres"].variables({"client": "postgresql://devbox:20010"}, CREDENTIALS["postgres"]) == {
        "DATABASE_URL": "postgresql://trader:pPass1@devbox:20010/library"
    }
    assert (
        CATALOG["questdb"].variables(
            {"http": "http://[::1]:9000", "pg": "postgresql://[::1]:8812"},
            {"user": "trader", "password": "q", "database": "qdb"},
        )["QDB_CLIENT_CONF"]
        == "http::addr=[::1]:9000"
    )


@pytest.fixture(scope="module")
def fixed_plan() -> Plan:
    return run_program("dev", config(hostPorts="fixed", portBlock=1))


def _revealed(plan: Plan, output: str) -> dict[str, Any]:
    return dict(reveal(plan.outputs[output]))


def test_connections_output_has_one_secret_entry_per_enabled_service(dev_plan: Plan) -> None:
    entries = dev_plan.outputs["connections"]
    assert sorted(entries) == sorted(SERVICE_KEYS)
    assert all(isinstance(entry, Secret) for entry in entries.values()), entries


def test_connections_use_the_endpoints_and_generated_credentials_the_stack_shows(fixed_plan: Plan) -> None:
    settings = _revealed(fixed_plan, "connections")
    credentials = _revealed(fixed_plan, "credentials")
    postgres, valkey = credentials["postgres"]["password"], credentials["valkey"]["password"]
    assert settings["postgres"] == {"DATABASE_URL": f"postgresql://trader:{postgres}@127.0.0.1:20010/library"}
    assert settings["valkey"]["REDIS_URL"] == f"redis://:{valkey}@127.0.0.1:20002/0"
    assert settings["nats"] == {"NATS_URL": "nats://127.0.0.1:20000"}
    assert settings["seaweedfs"]["AWS_ENDPOINT_URL_S3"] == "http://127.0.0.1:20008"
    assert settings["seaweedfs"]["AWS_SECRET_ACCESS_KEY"] == credentials["seaweedfs"]["secretKey"]
    assert settings["opensearch"] == {"OPENSEARCH_URL": "http://127.0.0.1:20009"}  # dev: security plugin off


def test_a_switched_off_service_has_no_connection_settings() -> None:
    plan = run_program("dev", config(services={"questdb": {"enabled": False}}))
    assert "questdb" not in plan.outputs["connections"]
    assert "postgres" in plan.outputs["connections"]


def test_no_variable_is_set_by_two_services() -> None:
    names = [name for service in ENDPOINTS for name in build(service)]
    assert len(names) == len(set(names)), names
