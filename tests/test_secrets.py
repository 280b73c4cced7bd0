"""Credentials: generated per stack, never in code or plaintext config, secret wherever they go."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from offline.engine import ROOT, Plan, Secret, reveal, run_program
from tests.conftest import CONTAINER, PASSWORD, config

CREDENTIALED = ["valkey", "questdb", "clickhouse", "seaweedfs", "postgres"]
TYPES = {
    "valkey": "trade2026:infra:Valkey",
    "questdb": "trade2026:infra:QuestDB",
    "clickhouse": "trade2026:infra:ClickHouse",
    "seaweedfs": "trade2026:infra:SeaweedFS",
    "postgres": "trade2026:infra:Postgres",
}


def _plain_strings(value: Any) -> Iterator[str]:
    """Every string the engine would store unencrypted."""
    if isinstance(value, Secret):
        return
    if isinstance(value, dict):
        for item in value.values():
            yield from _plain_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _plain_strings(item)
    elif isinstance(value, str):
        yield value


def _generated(plan: Plan) -> list[str]:
    return [v for creds in reveal(plan.outputs["credentials"]).values() for v in creds.values() if len(v) >= 16]


def test_each_services_entry_in_the_credentials_output_is_a_secret(dev_plan: Plan) -> None:
    credentials = dev_plan.outputs["credentials"]
    assert sorted(credentials) == sorted(CREDENTIALED)
    assert all(isinstance(entry, Secret) for entry in credentials.values()), credentials


def test_no_generated_credential_is_stored_in_plaintext_anywhere(dev_plan: Plan) -> None:
    secrets = _generated(dev_plan)
    assert len(secrets) == 6  # valkey, questdb, clickhouse, postgres passwords; S3 access and secret key
    for resource in dev_plan.resources:
        for text in _plain_strings(resource.inputs):
            leaked = [s for s in secrets if s in text]
            assert not leaked, f"{resource.urn}: credential in plaintext input"
    assert not [s for s in secrets for text in _plain_strings(dev_plan.outputs) if s in text]


@pytest.mark.parametrize("key", CREDENTIALED)
def test_container_inputs_carrying_credentials_are_secret_on_the_wire(dev_plan: Plan, key: str) -> None:
    container = dev_plan.get(CONTAINER, key).inputs
    carriers = [e for e in container.get("envs", []) if "PASSWORD=" in str(reveal(e))]
    carriers += [
        u["content"] for u in container.get("uploads", []) if any(s in str(reveal(u)) for s in _generated(dev_plan))
    ]
    assert carriers, f"{key}: no credential reaches the container"
    assert all(isinstance(c, Secret) for c in carriers), f"{key}: a credential-carrying input is not secret"


def test_known_default_credentials_are_gone(dev_plan: Plan) -> None:
    everything = json.dumps([reveal(r.inputs) for r in dev_plan.resources])
    assert "trader123" not in everything
    assert '"QDB_PG_PASSWORD=quest"' not in everything
    identities = json.loads(reveal(dev_plan.get(CONTAINER, "seaweedfs").inputs["uploads"][0]["content"]))
    assert identities["identities"], "without identities SeaweedFS S3 is anonymous"


def test_no_credential_literal_in_code_or_committed_config() -> None:
    sources = [*ROOT.glob("components/**/*.py"), *ROOT.glob("components/files/*"), *ROOT.glob("Pulumi*.yaml")]
    for path in sources:
        text = path.read_text()
        for default in ("trader123", '"quest"', '"any"'):
            assert default not in text, f"{path.relative_to(ROOT)} contains the default credential {default}"


@pytest.mark.parametrize("key", CREDENTIALED)
def test_component_registers_credentials_as_a_secret_and_endpoints_in_the_clear(dev_plan: Plan, key: str) -> None:
    outputs = dev_plan.component_outputs[f"urn:pulumi:dev::trade2026::{TYPES[key]}::{key}"]
    assert isinstance(outputs["credentials"], Secret), f"{key}: credentials output is not secret"
    assert not any(isinstance(url, Secret) for url in outputs["endpoints"].values()), f"{key}: endpoints secret"


def test_a_service_without_credentials_registers_no_credentials_output(dev_plan: Plan) -> None:
    assert "credentials" not in dev_plan.component_outputs["urn:pulumi:dev::trade2026::trade2026:infra:Nats::nats"]


def test_a_fixed_file_marked_secret_is_secret_on_the_wire_and_an_unmarked_one_is_not() -> None:
    plan = run_program("dev", {}, program=ROOT / "tests" / "programs" / "target_edge_cases.py")
    uploads = {u["file"]: u["content"] for u in plan.get(CONTAINER, "edge").inputs["uploads"]}
    assert uploads == {"/etc/licence.key": Secret("fixed licence text"), "/etc/motd": "hello"}


def test_the_credentials_output_gives_each_client_exactly_what_it_connects_with(dev_plan: Plan) -> None:
    generated = "<32 generated characters>"
    shown = {
        key: {field: generated if len(value) == 32 else value for field, value in entry.items()}
        for key, entry in reveal(dev_plan.outputs["credentials"]).items()
    }
    assert shown == {
        "valkey": {"password": generated},
        "questdb": {"user": "trader", "password": generated, "database": "qdb"},
        "clickhouse": {"user": "trader", "password": generated, "database": "trading"},
        "seaweedfs": {"accessKey": generated, "secretKey": generated},
        "postgres": {"user": "trader", "password": generated, "database": "library"},
    }


def test_generated_credentials_have_every_character_class_and_only_opensearchs_has_specials() -> None:
    plan = run_program("dev", config(services={"opensearch": {"securityPlugin": True}}))
    plain = {"length": 32, "special": False, "minLower": 1, "minUpper": 1, "minNumeric": 1, "minSpecial": 0}
    # OpenSearch refuses an admin password without a special character; these five survive shells and URLs.
    special = {**plain, "special": True, "minSpecial": 1, "overrideSpecial": "_%@+="}
    assert {p.name: p.inputs for p in plan.of_type(PASSWORD)} == {
        "clickhouse-password": plain,
        "opensearch-admin-password": special,
        "postgres-password": plain,
        "questdb-pg-password": plain,
        "seaweedfs-s3-access-key": plain,
        "seaweedfs-s3-secret-key": plain,
        "valkey-password": plain,
    }
