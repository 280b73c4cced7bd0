"""The data sheets as data: declaring a service creates nothing, and a sheet that contradicts
itself is refused before any target renders it."""

from __future__ import annotations

import ast
from typing import Any

import pulumi
import pytest

from components import (
    OPA,
    ClickHouse,
    Nats,
    OpenSearch,
    OpenSearchArgs,
    Postgres,
    QuestDB,
    SeaweedFS,
    ServiceArgs,
    Valkey,
)
from components.settings import START_PERIOD_S
from components.spec import CommandProbe, Credential, Port, SecretRef, ServiceSpec
from offline.engine import ROOT


class NoTarget:
    """Stands where a target goes; rendering anything with it is a test failure."""

    def render(self, *args: Any) -> Any:
        raise AssertionError("declare() must not render")


def test_declaring_every_service_creates_no_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: pulumi.Resource, *args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"declare() created a resource: {args[:2]}")

    monkeypatch.setattr(pulumi.Resource, "__init__", refuse)
    args = ServiceArgs(NoTarget())
    specs = [service.declare(args) for service in (Nats, Valkey, QuestDB, ClickHouse, SeaweedFS, Postgres, OPA)]
    specs += [OpenSearch.declare(OpenSearchArgs(NoTarget(), security_plugin=plugin)) for plugin in (True, False)]
    assert [spec.image for spec in specs] == [
        "nats:2.10.29-alpine",
        "valkey/valkey:8.1.3-alpine",
        "questdb/questdb:8.3.3",
        "clickhouse/clickhouse-server:24.9.2.42",
        "chrislusf/seaweedfs:4.30",
        "postgres:16.9-alpine",
        "openpolicyagent/opa:1.21.1",
        "opensearchproject/opensearch:2.19.1",
        "opensearchproject/opensearch:2.19.1",
    ]


def test_opensearch_declares_its_admin_password_only_with_the_security_plugin() -> None:
    secured = OpenSearch.declare(OpenSearchArgs(NoTarget(), security_plugin=True))
    plain = OpenSearch.declare(OpenSearchArgs(NoTarget(), security_plugin=False))
    assert secured.credentials == (Credential("admin-password", special=True),)
    assert secured.connection == {"user": "admin", "password": SecretRef("admin-password")}
    assert (plain.credentials, plain.connection) == ((), {})


def _spec(**overrides: Any) -> ServiceSpec:
    fields: dict[str, Any] = {
        "image": "example:1.0",
        "ports": (Port("client", 1234),),
        "volumes": (),
        "networks": ("backend",),
        "healthcheck": CommandProbe("client", "true"),
        **overrides,
    }
    return ServiceSpec(**fields)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"env": {"PASSWORD": SecretRef("password")}}, "'password' is not a declared credential", id="env"),
        pytest.param(
            {"connection": {"password": SecretRef("pasword")}, "credentials": (Credential("password"),)},
            "'pasword' is not a declared credential",
            id="connection",
        ),
        pytest.param({"networks": ("backend", "dmz")}, "unknown networks ['dmz']", id="network"),
        pytest.param({"healthcheck": CommandProbe("admin", "true")}, "no port with role 'admin'", id="probe port"),
    ],
)
def test_a_spec_that_contradicts_itself_is_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises((ValueError, KeyError)) as caught:
        _spec(**overrides)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "sheet", ["nats", "valkey", "questdb", "clickhouse", "seaweedfs", "opensearch", "postgres", "opa", "spec"]
)
def test_a_data_sheet_imports_no_target_and_no_provider(sheet: str) -> None:
    """The boundary that lets a second target render the same sheets (#8)."""
    imported: set[str] = set()
    for node in ast.walk(ast.parse((ROOT / "components" / f"{sheet}.py").read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(("." * node.level) + (node.module or ""))
    assert not {m for m in imported if "targets" in m or m.startswith(("pulumi_docker", "pulumi_random"))}, imported


def test_the_settings_start_periods_are_the_data_sheets() -> None:
    """settings.py refuses a wait timeout shorter than a service's start period, from its own table
    (it cannot import the services: they import it); the data sheets are the source."""
    args = ServiceArgs(NoTarget())
    sheets = {
        "nats": Nats.declare(args),
        "valkey": Valkey.declare(args),
        "questdb": QuestDB.declare(args),
        "clickhouse": ClickHouse.declare(args),
        "seaweedfs": SeaweedFS.declare(args),
        "opensearch": OpenSearch.declare(OpenSearchArgs(NoTarget())),
        "postgres": Postgres.declare(args),
        "opa": OPA.declare(args),
    }
    assert {key: spec.start_period for key, spec in sheets.items() if spec.start_period} == START_PERIOD_S
    assert START_PERIOD_S == {"questdb": 10, "clickhouse": 30, "opensearch": 60}
