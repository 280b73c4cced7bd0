"""QuestDB from Maven Central (tools/questdb.sh), started with the rendered environment.

Version: QuestDB 8.2.0 ran, the image pins 8.3.3 (Maven Central carries no 8.3.x: 8.2.0 and 9.0.1
are its neighbours, and 8.2.0 is the nearer). The settings exercised here (QDB_ environment
variables, PG-wire credentials, ILP over HTTP, the minimal health server) are the same in both.
Only the four listen addresses are moved to free loopback ports, through the same QDB_ variables.
"""

from __future__ import annotations

import subprocess
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from offline.engine import Plan
from tests.conftest import IMAGE
from tests.real import built_servers, support
from tests.real.built_servers import (
    QUESTDB_VERSION,
    QuestDBServer,
    start_questdb,
)
from tests.real.support import Processes, Rendered, wait_until

pytestmark = pytest.mark.real_server
# Fixtures these tests use by name (pytest finds them as module attributes).
questdb_server = built_servers.questdb_server
processes = support.processes


def connect(server: QuestDBServer, user: str, password: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(
        host=server.host, port=server.ports[8812], user=user, password=password, dbname="qdb", autocommit=True
    )


@pytest.fixture
def trader(questdb_server: QuestDBServer) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A PG-wire session with the credentials the program rendered."""
    with connect(questdb_server, questdb_server.env["QDB_PG_USER"], questdb_server.env["QDB_PG_PASSWORD"]) as session:
        yield session


def probe(argv: list[str]) -> int:
    return subprocess.run(argv, capture_output=True, timeout=30).returncode


def test_the_questdb_that_ran_is_8_2_0_while_the_image_pins_8_3_3(
    dev_plan: Plan, trader: psycopg.Connection[tuple[object, ...]]
) -> None:
    assert dev_plan.get(IMAGE, "questdb-image").inputs["name"] == "questdb/questdb:8.3.3"
    assert QUESTDB_VERSION == "8.2.0"
    (build,) = trader.execute("SELECT build()").fetchone() or ("",)
    assert str(build).startswith("Build Information: QuestDB 8.2.0,")


def test_the_rendered_environment_is_what_the_server_runs_with(
    dev_plan: Plan, trader: psycopg.Connection[tuple[object, ...]]
) -> None:
    # JVM_PREPEND is the entrypoint's, not a server setting: start_questdb puts it on java's command.
    assert sorted(Rendered.of(dev_plan, "questdb").env) == [
        "JVM_PREPEND",
        "QDB_CAIRO_O3_MAX_LAG",
        "QDB_PG_PASSWORD",
        "QDB_PG_USER",
    ]
    parameters = {
        row[0]: row[1:4]
        for row in trader.execute("SHOW PARAMETERS").fetchall()
        if row[0] in ("cairo.o3.max.lag", "pg.user", "pg.password")
    }
    assert parameters == {
        "cairo.o3.max.lag": ("QDB_CAIRO_O3_MAX_LAG", "1000", "env"),
        "pg.user": ("QDB_PG_USER", "trader", "env"),
        "pg.password": ("QDB_PG_PASSWORD", "****", "env"),
    }


def test_pg_wire_refuses_the_default_admin_login(questdb_server: QuestDBServer) -> None:
    with pytest.raises(psycopg.OperationalError, match="invalid username/password"):
        connect(questdb_server, "admin", "quest")


def test_pg_wire_refuses_the_rendered_user_with_a_wrong_password(questdb_server: QuestDBServer) -> None:
    with pytest.raises(psycopg.OperationalError, match="invalid username/password"):
        connect(questdb_server, "trader", "quest")


def test_a_row_written_over_ilp_http_is_read_back_over_pg_wire(
    questdb_server: QuestDBServer, trader: psycopg.Connection[tuple[object, ...]]
) -> None:
    line = b"ilp_round_trip,symbol=BTCUSDT price=101.5,size=2i 1700000000000000000\n"
    request = urllib.request.Request(
        f"http://{questdb_server.host}:{questdb_server.ports[9000]}/write", data=line, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204
    rows: list[tuple[object, ...]] = []

    def visible() -> bool:
        # The table is created by the write and applied from its WAL shortly after.
        try:
            rows[:] = trader.execute("SELECT symbol, price, size, timestamp FROM ilp_round_trip").fetchall()
        except psycopg.errors.DatabaseError:
            return False
        return bool(rows)

    wait_until(visible, "the ILP row over PG wire", 30)
    assert rows == [("BTCUSDT", 101.5, 2, datetime(2023, 11, 14, 22, 13, 20))]


def test_the_rendered_probe_passes_on_the_healthy_server(dev_plan: Plan, questdb_server: QuestDBServer) -> None:
    assert probe(questdb_server.probe(Rendered.of(dev_plan, "questdb"))) == 0


def test_the_rendered_probe_fails_once_the_server_is_stopped(
    dev_plan: Plan, processes: Processes, tmp_path: Path
) -> None:
    rendered = Rendered.of(dev_plan, "questdb")
    server = start_questdb(processes, rendered, tmp_path / "root")
    assert probe(server.probe(rendered)) == 0
    processes.stop(server.process)
    assert probe(server.probe(rendered)) != 0
