"""The data sheets as data: declaring a service creates nothing, and a sheet that contradicts
itself is refused before any target renders it."""

from __future__ import annotations

import ast
from typing import Any

import pulumi
import pytest

from components import clickhouse, nats, opa, opensearch, postgres, questdb, seaweedfs, valkey
from components.opensearch import OpenSearchSettings
from components.spec import CommandProbe, Credential, Port, SecretRef, ServiceSpec
from offline.engine import ROOT


def test_declaring_every_service_creates_no_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: pulumi.Resource, *args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"declare() created a resource: {args[:2]}")

    monkeypatch.setattr(pulumi.Resource, "__init__", refuse)
    sheets = (nats, valkey, questdb, clickhouse, seaweedfs, postgres, opa)
    specs = [sheet.SHEET.declare() for sheet in sheets]
    specs += [opensearch.SHEET.declare(OpenSearchSettings(security_plugin=plugin)) for plugin in (True, False)]
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
    secured = opensearch.SHEET.declare(OpenSearchSettings(security_plugin=True))
    plain = opensearch.SHEET.declare(OpenSearchSettings(security_plugin=False))
    assert secured.credentials == (Credential("admin-password", special=True),)
    assert secured.connection == {"user": "admin", "password": SecretRef("admin-password")}
    assert (plain.credentials, plain.connection) == ((), {})


def _spec(**overrides: Any) -> ServiceSpec:
    fields: dict[str, Any] = {
        "image": "example:1.0",
        "ports": (Port("client", 1234, slot=0),),
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
        pytest.param(
            {"ports": (Port("client", 1234),)},
            "published port client needs a host-port slot from 0 to 19",
            id="published port without a slot",
        ),
        pytest.param(
            {"ports": (Port("client", 1234, slot=20),)},
            "published port client needs a host-port slot from 0 to 19",
            id="slot beyond the block",
        ),
        pytest.param(
            {"dns_aliases": ("postgres-library",)},
            "DNS alias 'postgres-library' must be the instance's {name} and a part of its own",
            id="alias that is not the instance's",
        ),
    ],
)
def test_a_spec_that_contradicts_itself_is_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises((ValueError, KeyError)) as caught:
        _spec(**overrides)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "sheet",
    [
        "nats",
        "valkey",
        "questdb",
        "clickhouse",
        "seaweedfs",
        "opensearch",
        "postgres",
        "opa",
        "spec",
        "catalog",
        "roundtrips",
        "connections",
        "ready",
    ],
)
def test_a_data_sheet_imports_no_target_no_provider_and_no_pulumi(sheet: str) -> None:
    """The boundary that lets a second target render the same sheets (#8), and `verify` read them
    without Pulumi."""
    imported: set[str] = set()
    for node in ast.walk(ast.parse((ROOT / "components" / f"{sheet}.py").read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(("." * node.level) + (node.module or ""))
    forbidden = ("pulumi", ".targets", ".service", ".settings", ".readydata")
    relative = {m.removeprefix("components") if m.startswith("components.") else m for m in imported}
    assert not {m for m in relative if m.startswith(forbidden) or m in (".", "..")}, imported


def test_a_second_instance_answers_to_aliases_of_its_own() -> None:
    spec = postgres.SHEET.declare()
    assert (spec.aliases("postgres"), spec.aliases("postgres-audit")) == (
        ("postgres-library",),
        ("postgres-audit-library",),
    )


def test_a_sheet_refuses_settings_of_another_sheets_model() -> None:
    with pytest.raises(TypeError, match=r"^opensearch takes OpenSearchSettings, not ServiceSettings$"):
        opensearch.SHEET.declare(nats.SHEET.settings())
