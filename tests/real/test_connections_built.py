"""The `connections` settings of QuestDB, OpenSearch and OPA connect, as they are, to the servers
built from the package registries (tools/: QuestDB 8.2.0, OpenSearch 2.19.6, OPA 1.21.1, started
from the dev stack's rendered configuration by tests/real/built_servers.py).

OpenSearch runs without its security plugin here (none is built), as on the dev stack: the
https:// URL with the admin login is proven only as far as opensearch-py's own parser
(tests/test_connection_parsers.py).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlsplit

import pytest

from offline.engine import Plan, reveal
from tests.conftest import CATALOG
from tests.real import built_servers, support
from tests.real.built_servers import OpaServer, OpenSearchNode, QuestDBServer
from tests.real.support import require_modules, wait_until

require_modules("psycopg", "questdb", "opensearchpy", how="venv/bin/pip install -r requirements-real.txt")
import opensearchpy  # noqa: E402
import psycopg  # noqa: E402
import questdb  # noqa: E402

pytestmark = pytest.mark.real_server
# Fixtures these tests use by name.
questdb_server = built_servers.questdb_server
opensearch_node = built_servers.opensearch_node
opa_server = built_servers.opa_server
processes = support.processes


def _settings(plan: Plan, service: str, ports: Mapping[str, int]) -> dict[str, str]:
    """As in test_connections.py: the scheme the program renders, the real server's loopback port."""
    internal = plan.outputs["internalEndpoints"][service]
    endpoints = {
        role: urlsplit(internal[role])._replace(netloc=f"127.0.0.1:{port}").geturl() for role, port in ports.items()
    }
    return CATALOG[service].variables(endpoints, dict(reveal(plan.outputs["credentials"]).get(service, {})))


def test_a_row_sent_with_qdb_client_conf_is_read_back_with_questdb_pg_dsn(
    dev_plan: Plan, questdb_server: QuestDBServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The questdb client's Sender.from_env() on QDB_CLIENT_CONF writes over ILP/HTTP; psycopg on
    QUESTDB_PG_DSN logs in as trader with the generated password and reads the row."""
    settings = _settings(dev_plan, "questdb", {"http": questdb_server.ports[9000], "pg": questdb_server.ports[8812]})
    monkeypatch.setenv("QDB_CLIENT_CONF", settings["QDB_CLIENT_CONF"])
    with questdb.Sender.from_env() as sender:
        sender.row(
            "connections_fills",
            symbols={"symbol": "ETHUSDT"},
            columns={"price": 3500.25},
            at=questdb.TimestampNanos(1_700_000_000_000_000_000),
        )
        sender.flush()
    rows: list[tuple[object, ...]] = []
    with psycopg.connect(settings["QUESTDB_PG_DSN"], autocommit=True, connect_timeout=10) as session:

        def visible() -> bool:
            try:
                rows[:] = session.execute("SELECT symbol, price, timestamp FROM connections_fills").fetchall()
            except psycopg.errors.DatabaseError:
                return False
            return bool(rows)

        wait_until(visible, "the row sent with QDB_CLIENT_CONF", 30)
    assert rows == [("ETHUSDT", 3500.25, datetime(2023, 11, 14, 22, 13, 20))]


def test_questdb_http_url_answers_a_sql_query(dev_plan: Plan, questdb_server: QuestDBServer) -> None:
    url = _settings(dev_plan, "questdb", {"http": questdb_server.ports[9000], "pg": questdb_server.ports[8812]})[
        "QUESTDB_HTTP_URL"
    ]
    with urllib.request.urlopen(f"{url}/exec?query=SELECT%201%20AS%20one", timeout=30) as response:
        assert json.load(response)["dataset"] == [[1]]


def test_opensearch_py_reaches_the_node_with_opensearch_url(dev_plan: Plan, opensearch_node: OpenSearchNode) -> None:
    url = _settings(dev_plan, "opensearch", {"rest": opensearch_node.port})["OPENSEARCH_URL"]
    assert url == f"http://127.0.0.1:{opensearch_node.port}"  # dev stack: security plugin off
    client = opensearchpy.OpenSearch(hosts=[url], timeout=60)
    try:
        assert client.info()["version"]["number"] == "2.19.6"
    finally:
        client.close()


def test_opa_url_serves_the_trading_decision(dev_plan: Plan, opa_server: OpaServer) -> None:
    url = _settings(dev_plan, "opa", {"rest": opa_server.port})["OPA_URL"]
    order = {"input": {"order": {"symbol": "BTCUSDT", "size": 1000}, "user": {"role": "trader"}}}
    request = urllib.request.Request(
        f"{url}/v1/data/trading/allow",
        data=json.dumps(order).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response) == {"result": True}
