"""ClickHouse's rendered init script on ClickHouse's own SQL engine.

No ClickHouse server can run here (Debian's clickhouse-server is 18.16 from 2018, and PyPI's
launchers download the server at run time), so this is chDB 4.4.0 (PyPI), ClickHouse 26.9.2.1's
engine inside the test process: the SQL is proven, the server, its HTTP probe, users and ulimits
are not. The image is clickhouse/clickhouse-server:24.9.2.42.
"""

from __future__ import annotations

from typing import Any

import pytest

from offline.engine import Plan
from tests.real.support import Rendered

pytestmark = pytest.mark.real_server


def _rows(clickhouse: Any, sql: str) -> list[str]:
    return str(clickhouse.query(sql, "CSV")).splitlines()


def test_the_engine_that_ran_is_clickhouse_26_9(clickhouse: Any) -> None:
    """The engine every other test here ran on: chDB 4.4.0's ClickHouse (the image has 24.9.2.42)."""
    assert _rows(clickhouse, "SELECT version()") == ['"26.9.2.1"']


def test_the_init_script_creates_the_three_tables_with_their_engines(dev_plan: Plan, clickhouse: Any) -> None:
    """The rendered 001_trading.sql, after CREATE DATABASE $CLICKHOUSE_DB (trading), in chDB 4.4.0."""
    assert Rendered.of(dev_plan, "clickhouse").env["CLICKHOUSE_DB"] == "trading"
    assert _rows(
        clickhouse, "SELECT name, engine, sorting_key FROM system.tables WHERE database = 'trading' ORDER BY name"
    ) == [
        '"order_analytics","SummingMergeTree","date, symbol, venue"',
        '"portfolio_snapshots","ReplacingMergeTree","user_id, date"',
        '"prism_analytics","MergeTree","symbol, timestamp"',
    ]


def test_prism_analytics_round_trip_keeps_nanoseconds(clickhouse: Any) -> None:
    """Insert and select on trading.prism_analytics (chDB 4.4.0): DateTime64(9) keeps nanoseconds."""
    clickhouse.query(
        "INSERT INTO trading.prism_analytics VALUES"
        " ('2026-01-02 03:04:05.123456789', 'agent-7', 'AAPL', 'buy', 187.25, 10, 100000.5, '{\"why\":\"momentum\"}')"
    )
    assert _rows(clickhouse, "SELECT * FROM trading.prism_analytics") == [
        '"2026-01-02 03:04:05.123456789","agent-7","AAPL","buy",187.25,10,100000.5,"{""why"":""momentum""}"'
    ]


def test_order_analytics_round_trip_sums_rows_of_one_day_symbol_and_venue(clickhouse: Any) -> None:
    """Insert and select on trading.order_analytics (chDB 4.4.0): rows with the same (date, symbol,
    venue) add up, as SummingMergeTree over that sorting key promises."""
    clickhouse.query("INSERT INTO trading.order_analytics VALUES ('2026-01-02', 'AAPL', 'XNAS', 3, 30, 10, 9, 11)")
    clickhouse.query("INSERT INTO trading.order_analytics VALUES ('2026-01-02', 'AAPL', 'XNAS', 2, 20, 12, 11, 13)")
    clickhouse.query("INSERT INTO trading.order_analytics VALUES ('2026-01-02', 'AAPL', 'XNYS', 1, 5, 5, 5, 5)")
    # avg_price, min_price and max_price are summed too (22, 20, 24): the seed's schema names no
    # columns to sum, so SummingMergeTree sums every numeric one. Left as the seed has it; see notes.
    assert _rows(clickhouse, "SELECT * FROM trading.order_analytics FINAL ORDER BY venue") == [
        '"2026-01-02","AAPL","XNAS",5,50,22,20,24',
        '"2026-01-02","AAPL","XNYS",1,5,5,5,5',
    ]


def test_portfolio_snapshots_round_trip_keeps_the_last_snapshot_of_a_day(clickhouse: Any) -> None:
    """Insert and select on trading.portfolio_snapshots (chDB 4.4.0): a second snapshot of the same
    (user_id, date) replaces the first, as ReplacingMergeTree over that sorting key promises."""
    clickhouse.query("INSERT INTO trading.portfolio_snapshots VALUES ('2026-01-02', 'u1', 1000, 200, '{\"AAPL\":4}')")
    clickhouse.query("INSERT INTO trading.portfolio_snapshots VALUES ('2026-01-02', 'u1', 1100, 300, '{\"AAPL\":4}')")
    clickhouse.query("INSERT INTO trading.portfolio_snapshots VALUES ('2026-01-03', 'u1', 1200, 400, '{}')")
    assert _rows(clickhouse, "SELECT * FROM trading.portfolio_snapshots FINAL ORDER BY date") == [
        '"2026-01-02","u1",1100,300,"{""AAPL"":4}"',
        '"2026-01-03","u1",1200,400,"{}"',
    ]
