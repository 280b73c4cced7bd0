"""Credentials: generated per stack, never in code or plaintext config, secret wherever they go."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from offline.engine import ROOT, Plan, Secret, reveal
from tests.conftest import CONTAINER

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
