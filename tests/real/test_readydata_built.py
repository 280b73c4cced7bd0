"""Ready data on the built servers (QuestDB, OpenSearch) and `verify` on all of them with OPA.

QuestDB 8.2.0 and an OpenSearch 2.19.6 node (tests/real/built_servers.py, started with the dev
stack's rendered environment) get the data sheets' own tables and index templates, created,
updated, refreshed and deleted through Pulumi's dynamic provider host (`python -m pulumi.dynamic`
over gRPC). Then `verify` checks QuestDB, OpenSearch and OPA 1.21.1 (with the rendered policy).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from components.opensearch import SHEET as OPENSEARCH
from components.opensearch import OpenSearchSettings
from components.questdb import SHEET as QUESTDB
from components.readydata import IndexTemplateProvider, QuestDBTableProvider
from offline.engine import ROOT, Plan, reveal
from tests.real.provider_host import ProviderHost
from tests.real.support import require_modules

require_modules("psycopg", "opensearchpy", how="venv/bin/pip install -r requirements-real.txt")
built = pytest.importorskip("tests.real.built_servers", reason="the built-server tier (tests/real/built_servers.py)")
import psycopg  # noqa: E402
from opensearchpy import OpenSearch as Client  # noqa: E402

pytestmark = pytest.mark.real_server
# Fixtures these tests use by name (pytest finds them as module attributes).
questdb_server = built.questdb_server
opensearch_node = built.opensearch_node
opa_server = built.opa_server
TABLE = "pulumi-python:dynamic/trade2026:QuestDBTable"
TEMPLATE = "pulumi-python:dynamic/trade2026:IndexTemplate"


def declared_tables() -> dict[str, dict[str, Any]]:
    return {d.name: {"kind": d.kind, **d.props()} for d in QUESTDB.declare().ready}


def declared_templates() -> dict[str, dict[str, Any]]:
    spec = OPENSEARCH.declare(OpenSearchSettings(security_plugin=False))
    return {d.name: {"kind": d.kind, **d.props()} for d in spec.ready}


@pytest.fixture
def questdb_login(dev_plan: Plan) -> dict[str, str]:
    return dict(reveal(dev_plan.outputs["credentials"])["questdb"])


def pg_url(server: Any) -> str:
    return f"postgresql://{server.host}:{server.ports[8812]}"


def sql(server: Any, login: dict[str, str], statement: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(
        host=server.host,
        port=server.ports[8812],
        user=login["user"],
        password=login["password"],
        dbname="qdb",
        autocommit=True,
    ) as connection:
        cursor = connection.execute(statement)
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def tables() -> Iterator[ProviderHost]:
    with ProviderHost(TABLE) as host:
        yield host


def test_the_three_tables_are_appendix_a_with_their_partitioning(
    questdb_server: Any, tables: ProviderHost, questdb_login: dict[str, str]
) -> None:
    created = {}
    for name, props in declared_tables().items():
        news = tables.with_provider(
            QuestDBTableProvider(), {**props, "endpoint": pg_url(questdb_server), "credentials": questdb_login}
        )
        inputs, failures = tables.check(name, {}, news)
        assert failures == []
        created[name] = tables.create(name, inputs)
    layout = sql(
        questdb_server,
        questdb_login,
        "SELECT table_name, designatedTimestamp, partitionBy FROM tables()"
        " WHERE table_name IN ('orders', 'ticks', 'fills') ORDER BY table_name",
    )
    assert layout == [("fills", "timestamp", "DAY"), ("orders", "timestamp", "DAY"), ("ticks", "timestamp", "HOUR")]
    assert sql(questdb_server, questdb_login, "SELECT \"column\", type FROM table_columns('ticks')") == [
        ("timestamp", "TIMESTAMP"),
        ("symbol", "SYMBOL"),
        ("price", "DOUBLE"),
        ("volume", "DOUBLE"),
        ("exchange", "SYMBOL"),
    ]
    for name, (id_, outs) in created.items():
        tables.delete(name, id_, outs)
    assert sql(questdb_server, questdb_login, "SELECT count() FROM tables() WHERE table_name = 'orders'") == [(0,)]


def test_ilp_writes_keep_the_declared_types_instead_of_guessing(
    questdb_server: Any, tables: ProviderHost, questdb_login: dict[str, str]
) -> None:
    props = {**declared_tables()["orders"], "endpoint": pg_url(questdb_server), "credentials": questdb_login}
    id_, outs = tables.create("orders", tables.with_provider(QuestDBTableProvider(), props))
    with socket.create_connection((questdb_server.host, questdb_server.ports[9009])) as ilp:
        ilp.sendall(b"orders,order_id=ORD123,symbol=BTCUSDT,side=BUY price=50000.0,quantity=0.1 1634567890000000000\n")
    deadline = time.monotonic() + 20
    while sql(questdb_server, questdb_login, "SELECT count() FROM orders") != [(1,)]:
        assert time.monotonic() < deadline, "the ILP row never arrived"
        time.sleep(0.2)
    types = dict(sql(questdb_server, questdb_login, "SELECT \"column\", type FROM table_columns('orders')"))
    assert (types["order_id"], types["side"], types["status"]) == ("SYMBOL", "SYMBOL", "SYMBOL")
    tables.delete("orders", id_, outs)


def test_a_new_column_is_added_in_place_and_a_repartition_is_a_replacement(
    questdb_server: Any, tables: ProviderHost, questdb_login: dict[str, str]
) -> None:
    olds = tables.with_provider(
        QuestDBTableProvider(),
        {**declared_tables()["fills"], "endpoint": pg_url(questdb_server), "credentials": questdb_login},
    )
    id_, outs = tables.create("fills", olds)
    news = {**olds, "columns": [*olds["columns"], {"name": "fee", "type": "DOUBLE"}]}
    answer = tables.diff("fills", id_, outs, news)
    assert (answer.changes, answer.replaces) == (True, [])
    tables.update("fills", id_, outs, news)
    assert sql(questdb_server, questdb_login, "SELECT \"column\" FROM table_columns('fills')")[-1] == ("fee",)
    assert tables.diff("fills", id_, outs, {**olds, "partitionBy": "HOUR"}).replaces == ["partitionBy"]
    tables.delete("fills", id_, outs)


def test_a_column_no_longer_declared_is_dropped_and_the_outputs_wait_for_the_wal(
    questdb_server: Any, tables: ProviderHost, questdb_login: dict[str, str]
) -> None:
    """ALTER TABLE ... ADD and DROP COLUMN with quoted identifiers, each applied asynchronously by
    the WAL: the update returns once table_columns shows the declared columns."""
    declared = declared_tables()["orders"]
    olds = tables.with_provider(
        QuestDBTableProvider(), {**declared, "endpoint": pg_url(questdb_server), "credentials": questdb_login}
    )
    id_, outs = tables.create("orders", olds)
    wider = {**olds, "columns": [*olds["columns"], {"name": "venue", "type": "SYMBOL"}]}
    outs = tables.update("orders", id_, outs, wider)
    assert [c["name"] for c in outs["columns"]][-1] == "venue"
    outs = tables.update("orders", id_, outs, olds)
    appendix_a = ["timestamp", "order_id", "symbol", "side", "price", "quantity", "status"]
    assert [c["name"] for c in outs["columns"]] == appendix_a
    held = sql(questdb_server, questdb_login, "SELECT \"column\" FROM table_columns('orders')")
    assert [name for (name,) in held] == appendix_a
    tables.delete("orders", id_, outs)
    assert sql(questdb_server, questdb_login, "SELECT table_name FROM tables() WHERE table_name = 'orders'") == []


def test_refresh_notices_a_table_dropped_out_of_band(
    questdb_server: Any, tables: ProviderHost, questdb_login: dict[str, str]
) -> None:
    props = {**declared_tables()["ticks"], "endpoint": pg_url(questdb_server), "credentials": questdb_login}
    id_, outs = tables.create("ticks", tables.with_provider(QuestDBTableProvider(), props))
    assert tables.read("ticks", id_, outs)[0] == "table/ticks"
    sql(questdb_server, questdb_login, "DROP TABLE ticks")
    assert tables.read("ticks", id_, outs)[0] == ""


# OpenSearch ------------------------------------------------------------------------------------------


@pytest.fixture
def templates() -> Iterator[ProviderHost]:
    with ProviderHost(TEMPLATE) as host:
        yield host


def test_an_index_under_orders_gets_the_template_mappings_and_updates_apply(
    opensearch_node: Any, templates: ProviderHost
) -> None:
    props = templates.with_provider(
        IndexTemplateProvider(), {**declared_templates()["orders"], "endpoint": opensearch_node.url}
    )
    id_, outs = templates.create("orders", props)
    client = Client(hosts=[opensearch_node.url], timeout=60)
    client.index(index="orders-2026.01", body={"order_id": "ORD1", "symbol": "BTCUSDT", "price": 1.5}, refresh=True)
    mapping = client.indices.get_mapping(index="orders-2026.01")["orders-2026.01"]["mappings"]["properties"]
    assert {k: mapping[k]["type"] for k in ("order_id", "symbol", "price")} == {
        "order_id": "keyword",
        "symbol": "keyword",
        "price": "double",
    }
    news = {**props, "priority": 150}
    assert templates.diff("orders", id_, outs, news).replaces == []
    assert templates.update("orders", id_, outs, news)["priority"] == 150
    client.indices.delete_index_template(name="orders")
    assert templates.read("orders", id_, outs)[0] == ""
    client.indices.delete(index="orders-2026.01")


def test_delete_removes_the_template(opensearch_node: Any, templates: ProviderHost) -> None:
    props = templates.with_provider(
        IndexTemplateProvider(), {**declared_templates()["logs"], "endpoint": opensearch_node.url}
    )
    id_, outs = templates.create("logs", props)
    templates.delete("logs", id_, outs)
    assert templates.read("logs", id_, outs)[0] == ""


# verify on the built servers -------------------------------------------------------------------------


def test_verify_is_green_on_questdb_opensearch_and_opa(
    questdb_server: Any, opensearch_node: Any, opa_server: Any, questdb_login: dict[str, str]
) -> None:
    for props in declared_tables().values():
        QuestDBTableProvider().create({**props, "endpoint": pg_url(questdb_server), "credentials": questdb_login})
    for props in declared_templates().values():
        IndexTemplateProvider().create({**props, "endpoint": opensearch_node.url})
    outputs = {
        "endpoints": {
            "questdb": {
                "pg": pg_url(questdb_server),
                "ilp": f"tcp://{questdb_server.host}:{questdb_server.ports[9009]}",
            },
            "opensearch": {"rest": opensearch_node.url},
            "opa": {"rest": opa_server.url},
        },
        "credentials": {"questdb": questdb_login},
    }
    result = subprocess.run(
        [sys.executable, "-m", "verify", "--no-progress", "--json"],
        input=json.dumps(outputs),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # By instance name, as `pulumi stack output` lists them.
    assert [(r["service"], r["ok"], r["detail"]) for r in json.loads(result.stdout)["results"]] == [
        ("opa", True, "allow: true for a 10 BTCUSDT order, false for 5000"),
        ("opensearch", True, "index, refresh, search through template orders-*"),
        ("questdb", True, "ILP write, PG-wire read, orders/ticks/fills present"),
    ]
    # Nothing left behind: the scratch table is dropped, the scratch index deleted.
    leftovers = "SELECT table_name FROM tables() WHERE table_name LIKE 'verify_%'"
    assert sql(questdb_server, questdb_login, leftovers) == []
    assert Client(hosts=[opensearch_node.url], timeout=60).indices.get(index="orders-verify-*") == {}
