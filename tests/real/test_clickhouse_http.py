"""The ClickHouse HTTP front of the stand-in image (tools/docker/images/clickhouse/clickhouse_http_server.py),
in this process on chDB 4.4.0 after the dev stack's rendered first start: what each of its users
sends (urllib as a probe or a script would, clickhouse-connect as verify and the applications do)
gets ClickHouse's answer. tests/realdocker/test_images.py runs the same front inside the image."""

from __future__ import annotations

import base64
import datetime
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from offline.engine import Plan
from tests.real import servers
from tests.real.clickhouse_http import clickhouse_http
from tests.real.support import Rendered, require
from tools.docker.images.clickhouse.clickhouse_http_server import first_start

pytestmark = pytest.mark.real_server

USER = "trader"
# A colon too: Basic auth splits the login at the first one only.
PASSWORD = "Fr0nt-pass:word"
LOGIN = {"X-ClickHouse-User": USER, "X-ClickHouse-Key": PASSWORD}


@pytest.fixture(scope="module")
def session(dev_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    # One chDB session per process at a time (chDB refuses a second data folder), so one per module.
    require(True if servers.chdb_available() else None, "chdb (PyPI)", servers.PYPI_HINT)
    rendered = Rendered.of(dev_plan, "clickhouse")
    with servers.clickhouse(rendered.env["CLICKHOUSE_DB"], rendered.uploads, tmp_path_factory.mktemp("chdb")) as store:
        yield store


@pytest.fixture(scope="module")
def url(session: Any) -> Iterator[str]:
    with clickhouse_http(session, USER, PASSWORD) as fake:
        yield fake.url


def http(
    url: str, path: str = "/", body: bytes | None = None, headers: dict[str, str] | None = None, **params: str
) -> tuple[int, dict[str, str], str]:
    target = f"{url}{path}" + (f"?{urlencode(params)}" if params else "")
    request = urllib.request.Request(target, data=body, headers=headers or {}, method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), dict(error.headers), error.read().decode()


def answer(url: str, sql: str, headers: dict[str, str] | None = None, **params: str) -> tuple[int, str]:
    status, _, body = http(url, "/", sql.encode(), {**LOGIN, **(headers or {})}, **params)
    return status, body


AUTH_FAILED = (
    "Code: 516. DB::Exception: {}: Authentication failed: password is incorrect, or there is no user with such"
    " name. (AUTHENTICATION_FAILED)\n"
)


def test_ping_and_root_answer_ok_without_a_login(url: str) -> None:
    assert http(url, "/ping")[::2] == (200, "Ok.\n")
    assert http(url, "/")[::2] == (200, "Ok.\n")


def test_a_path_with_no_handler_is_404(url: str) -> None:
    assert http(url, "/play")[::2] == (404, "There is no handle /play\n\nUse / or /ping for health checks.\n")


def test_the_query_comes_from_the_body_the_query_parameter_or_both_joined_by_a_newline(url: str) -> None:
    assert answer(url, "SELECT 1") == (200, "1\n")
    assert http(url, "/", None, LOGIN, query="SELECT 2")[::2] == (200, "2\n")
    # The newline ends the parameter's comment, so the body's "+ 4" counts.
    assert answer(url, "+ 4", query="SELECT 3 -- three") == (200, "7\n")


def test_the_login_is_taken_from_basic_auth_headers_or_parameters(url: str) -> None:
    basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert http(url, "/", b"SELECT currentUser() = currentUser()", {"Authorization": basic})[::2] == (200, "1\n")
    assert http(url, "/", b"SELECT 1", None, user=USER, password=PASSWORD)[::2] == (200, "1\n")
    assert answer(url, "SELECT 1") == (200, "1\n")


@pytest.mark.parametrize(
    ("headers", "params", "name"),
    [
        ({"Authorization": "Basic " + base64.b64encode(f"{USER}:wrong".encode()).decode()}, {}, USER),
        ({"Authorization": "Basic not-base64!"}, {}, ""),
        ({"X-ClickHouse-User": USER, "X-ClickHouse-Key": "wrong"}, {}, USER),
        ({}, {"user": USER, "password": "wrong"}, USER),
        ({}, {"user": "default", "password": PASSWORD}, "default"),
        ({}, {}, "default"),
    ],
    ids=["basic", "basic-undecodable", "headers", "parameters", "other-user", "no-login"],
)
def test_a_failed_login_is_403_with_clickhouses_text_and_code(
    url: str, headers: dict[str, str], params: dict[str, str], name: str
) -> None:
    status, answered, body = http(url, "/", b"SELECT 1", headers, **params)
    assert (status, body, answered["X-ClickHouse-Exception-Code"]) == (403, AUTH_FAILED.format(name), "516")


def test_param_values_are_bound_by_the_engine_not_pasted(url: str) -> None:
    sql = "SELECT {agent:String}, length({agent:String})"
    # Five characters arrive (TabSeparated then escapes the quote and the backslash in the answer).
    assert answer(url, sql, param_agent="a'b\\c") == (200, "a\\'b\\\\c\t5\n")
    status, answered, body = http(url, "/", sql.encode(), LOGIN)
    assert (status, body, answered["X-ClickHouse-Exception-Code"]) == (
        500,
        "Code: 456. DB::Exception: Substitution `agent` is not set. (UNKNOWN_QUERY_PARAMETER)\n",
        "456",
    )


def test_the_database_comes_from_the_header_or_the_parameter(url: str) -> None:
    assert answer(url, "SELECT currentDatabase()") == (200, "default\n")
    assert answer(url, "SELECT currentDatabase()", {"X-ClickHouse-Database": "trading"}) == (200, "trading\n")
    assert answer(url, "SELECT count() FROM prism_analytics", database="trading") == (200, "0\n")
    status, body = answer(url, "SELECT 1", database="nowhere")
    assert (status, body) == (404, "Code: 81. DB::Exception: Database nowhere does not exist. (UNKNOWN_DATABASE)\n")


def test_the_format_comes_from_the_query_then_the_header_then_default_format(url: str) -> None:
    sql = "SELECT 1 AS one, 'x' AS two"
    assert answer(url, sql) == (200, "1\tx\n")
    assert answer(url, sql, default_format="CSV") == (200, '1,"x"\n')
    assert answer(url, sql, {"X-ClickHouse-Format": "JSONEachRow"}, default_format="CSV") == (
        200,
        '{"one":1,"two":"x"}\n',
    )
    assert answer(url, f"{sql} FORMAT CSVWithNames", {"X-ClickHouse-Format": "JSONEachRow"}) == (
        200,
        '"one","two"\n1,"x"\n',
    )


@pytest.mark.parametrize(
    ("sql", "status", "code"),
    [("SELECT * FROM trading.nowhere", 404, "60"), ("SELEC 1", 400, "62"), ("SELECT throwIf(1)", 500, "395")],
    ids=["unknown-table", "syntax-error", "other"],
)
def test_an_error_has_the_status_clickhouse_gives_its_code(url: str, sql: str, status: int, code: str) -> None:
    answered_status, headers, body = http(url, "/", sql.encode(), LOGIN)
    assert (answered_status, headers["X-ClickHouse-Exception-Code"]) == (status, code)
    assert body.startswith(f"Code: {code}. DB::Exception: "), body


def test_a_compressed_request_is_refused_not_misread(url: str) -> None:
    status, headers, body = http(url, "/", b"\x1f\x8b", {**LOGIN, "Content-Encoding": "gzip"})
    assert (status, headers["X-ClickHouse-Exception-Code"], body) == (
        501,
        "48",
        "Code: 48. DB::Exception: Content-Encoding gzip is not served by this stand-in. (NOT_IMPLEMENTED)\n",
    )


def test_an_insert_takes_its_data_after_the_format_name_as_the_server_splits_it(url: str) -> None:
    table = "trading.portfolio_snapshots"
    # curl's way: the statement in the query parameter, the rows in the body.
    status, headers, body = http(
        url,
        "/",
        b"2026-01-03,u-csv,5.5,1.5,{}\n2026-01-04,u-csv,6.5,2.5,{}\n",
        LOGIN,
        query=f"INSERT INTO {table} FORMAT CSV",
    )
    assert (status, body, json.loads(headers["X-ClickHouse-Summary"])["written_rows"]) == (200, "", "2")
    # Data on the statement's own line, after the spaces.
    assert answer(url, f"INSERT INTO {table} (date, user_id) FORMAT CSV  2026-01-05,u-csv") == (200, "")
    assert answer(url, f"SELECT date, portfolio_value FROM {table} WHERE user_id = 'u-csv' ORDER BY date") == (
        200,
        "2026-01-03\t5.5\n2026-01-04\t6.5\n2026-01-05\t0\n",
    )
    status, headers, body = http(url, "/", f"INSERT INTO {table} FORMAT CSV\nnot-a-date,x".encode(), LOGIN)
    # The engine's own text, without the words chDB's streaming insert puts before it.
    assert (status, headers["X-ClickHouse-Exception-Code"]) == (400, "38"), body
    assert body.startswith("Code: 38. DB::Exception: Cannot parse date here: not-a-date"), body
    answer(url, f"DELETE FROM {table} WHERE user_id = 'u-csv'")


def test_clickhouse_connect_queries_natively_and_streams_an_insert(url: str) -> None:
    import clickhouse_connect

    host, port = url.removeprefix("http://").split(":")
    client = clickhouse_connect.get_client(
        host=host, port=int(port), username=USER, password=PASSWORD, database="trading", compress=False
    )
    try:
        client.insert(
            "portfolio_snapshots",
            [[datetime.date(2026, 1, 2), "u-front", 1000.5, 20.25, "{}"]],
            column_names=["date", "user_id", "portfolio_value", "cash", "positions"],
        )
        result = client.query(
            "SELECT user_id, portfolio_value FROM portfolio_snapshots WHERE user_id = {user:String}",
            parameters={"user": "u-front"},
        )
        assert result.result_rows == [("u-front", 1000.5)]
        client.command("DELETE FROM portfolio_snapshots WHERE user_id = {user:String}", parameters={"user": "u-front"})
    finally:
        client.close()


def test_first_start_makes_the_database_then_runs_the_sql_scripts_in_name_order(session: Any, tmp_path: Path) -> None:
    (tmp_path / "002_rows.sql").write_text("INSERT INTO firststart.t VALUES (1), (2);")
    (tmp_path / "001_table.sql").write_text("CREATE TABLE firststart.t (n UInt8) ENGINE = MergeTree ORDER BY n;")
    (tmp_path / "README").write_text("not a script")
    said: list[str] = []
    first_start(session, "firststart", tmp_path, said.append)
    assert said == [
        f"/entrypoint.sh: running {tmp_path}/001_table.sql",
        f"/entrypoint.sh: running {tmp_path}/002_rows.sql",
        f"/entrypoint.sh: ignoring {tmp_path}/README",
    ]
    assert str(session.query("SELECT sum(n) FROM firststart.t", "CSV")) == "3\n"


def test_first_start_refuses_a_shell_init_script(session: Any, tmp_path: Path) -> None:
    (tmp_path / "001_users.sh").write_text("clickhouse client -q 'SELECT 1'")
    with pytest.raises(SystemExit) as refused:
        first_start(session, "", tmp_path, lambda line: None)
    assert str(refused.value) == (
        f"{tmp_path}/001_users.sh: init shell scripts are not supported by this stand-in (no clickhouse-client)"
    )
