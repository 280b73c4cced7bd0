"""One round trip per service, over its real protocol, with the stack's generated credentials.

Each check takes the service's published endpoints (role -> URL) and its credentials, leaves
nothing behind (every object it writes carries a fresh id and is removed, or the write is rolled
back), and returns a one-line description of what it proved. A failure is an exception whose message
must never hold a credential (the runner scrubs them again before printing).
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

Endpoints = Mapping[str, str]
Credentials = Mapping[str, str]


class WrongAnswerError(Exception):
    """The server answered, but not what a working service answers."""


@dataclass(frozen=True)
class Check:
    service: str
    name: str
    run: Callable[[Endpoints, Credentials], str]


def _token() -> str:
    return uuid.uuid4().hex[:12]


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.hostname is None or parts.port is None:
        raise WrongAnswerError(f"endpoint {url} has no host and port")
    return parts.hostname, parts.port


# NATS: publish into each stream the stack declares, read the message back by sequence, delete it.
STREAM_SUBJECTS = (
    ("ORDERS", "trading.order.verify.{token}"),
    ("MARKETDATA", "marketdata.verify.probe.{token}"),
    ("ANALYTICS", "analytics.verify.probe.{token}"),
)


def nats_round_trip(endpoints: Endpoints, _credentials: Credentials) -> str:
    # Imported here, like every check's client: verify starts without pulumi.
    from components.readydata import connect_nats

    async def session() -> None:
        client = await connect_nats(endpoints["client"])
        try:
            js = client.jetstream(timeout=5)
            jsm = client.jsm()
            for stream, pattern in STREAM_SUBJECTS:
                token = _token()
                payload = f"verify {token}".encode()
                ack = await js.publish(pattern.format(token=token), payload)
                if ack.stream != stream:
                    raise WrongAnswerError(f"{pattern} landed in stream {ack.stream}, expected {stream}")
                try:
                    stored = await jsm.get_msg(stream, ack.seq)
                    if stored.data != payload:
                        raise WrongAnswerError(f"{stream} #{ack.seq} reads back different bytes")
                finally:
                    await jsm.delete_msg(stream, ack.seq)
        finally:
            await client.close()

    asyncio.run(session())
    return "publish + read back + delete in ORDERS, MARKETDATA, ANALYTICS"


def valkey_round_trip(endpoints: Endpoints, credentials: Credentials) -> str:
    import valkey

    host, port = _address(endpoints["client"])
    client = valkey.Valkey(
        host=host, port=port, password=credentials.get("password"), socket_timeout=5, socket_connect_timeout=5
    )
    try:
        key, value = f"verify:{_token()}", _token()
        client.set(key, value, ex=60)
        try:
            if client.get(key) != value.encode():
                raise WrongAnswerError(f"GET {key} did not return what SET wrote")
        finally:
            client.delete(key)
    finally:
        client.close()  # type: ignore[no-untyped-call]
    return "AUTH, SET, GET, DEL"


def _questdb(endpoints: Endpoints, credentials: Credentials) -> Any:
    import psycopg

    host, port = _address(endpoints["pg"])
    return psycopg.connect(
        host=host,
        port=port,
        user=credentials.get("user"),
        password=credentials.get("password"),
        dbname=credentials.get("database", "qdb"),
        autocommit=True,
        connect_timeout=5,
    )


def questdb_round_trip(endpoints: Endpoints, credentials: Credentials) -> str:
    # A table of its own: QuestDB deletes rows only by dropping partitions, so writing into
    # `orders` would leave test data behind.
    table, token = f"verify_{_token()}", _token()
    host, port = _address(endpoints["ilp"])
    with _questdb(endpoints, credentials) as connection:
        try:
            with socket.create_connection((host, port), timeout=5) as ilp:
                ilp.sendall(f"{table},probe={token} value=1i {time.time_ns()}\n".encode())
            deadline = time.monotonic() + 15
            # ILP commits asynchronously (QDB_CAIRO_O3_MAX_LAG and the WAL apply job).
            while True:
                try:
                    rows = connection.execute(f"SELECT probe FROM {table}").fetchall()
                except Exception:
                    rows = []
                if rows == [(token,)]:
                    break
                if time.monotonic() > deadline:
                    raise WrongAnswerError(f"the ILP row for {table} was not readable over PostgreSQL wire in 15 s")
                time.sleep(0.2)
            ready = connection.execute(
                "SELECT table_name FROM tables() WHERE table_name IN ('orders', 'ticks', 'fills')"
            ).fetchall()
            if sorted(name for (name,) in ready) != ["fills", "orders", "ticks"]:
                raise WrongAnswerError(f"ready tables missing: found {sorted(n for (n,) in ready)}")
        finally:
            connection.execute(f"DROP TABLE IF EXISTS {table}")
    return "ILP write, PG-wire read, orders/ticks/fills present"


def _clickhouse(endpoints: Endpoints, credentials: Credentials, query: str) -> str:
    request = urllib.request.Request(
        endpoints["http"].rstrip("/") + "/",
        data=query.encode(),
        headers={
            "X-ClickHouse-User": credentials.get("user", "default"),
            "X-ClickHouse-Key": credentials.get("password", ""),
            "X-ClickHouse-Database": credentials.get("database", "default"),
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return str(response.read().decode())
    except urllib.error.HTTPError as error:
        first = error.read().decode(errors="replace").strip().splitlines()[:1]
        raise WrongAnswerError(f"HTTP {error.code}: {first[0] if first else error.reason}") from None


def clickhouse_round_trip(endpoints: Endpoints, credentials: Credentials) -> str:
    agent = f"verify-{_token()}"
    table = "trading.prism_analytics"
    _clickhouse(
        endpoints,
        credentials,
        f"INSERT INTO {table} (timestamp, agent_id, symbol, action, price, quantity, portfolio_value, metadata)"
        f" VALUES (now64(9), '{agent}', 'BTCUSDT', 'BUY', 50000.0, 0.1, 100000.0, '{{}}')",
    )
    try:
        count = _clickhouse(endpoints, credentials, f"SELECT count() FROM {table} WHERE agent_id = '{agent}'").strip()
        if count != "1":
            raise WrongAnswerError(f"SELECT after INSERT found {count} rows in {table}, expected 1")
    finally:
        _clickhouse(endpoints, credentials, f"DELETE FROM {table} WHERE agent_id = '{agent}'")
    return f"INSERT, SELECT, DELETE on {table}"


def seaweedfs_round_trip(endpoints: Endpoints, credentials: Credentials) -> str:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    s3 = boto3.client(
        "s3",
        endpoint_url=endpoints["s3"],
        aws_access_key_id=credentials.get("accessKey"),
        aws_secret_access_key=credentials.get("secretKey"),
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, connect_timeout=5, read_timeout=10),
    )
    key, body = f"verify/{_token()}.txt", _token().encode()
    s3.put_object(Bucket="models", Key=key, Body=body)
    try:
        if s3.get_object(Bucket="models", Key=key)["Body"].read() != body:
            raise WrongAnswerError(f"models/{key} reads back different bytes")
    finally:
        s3.delete_object(Bucket="models", Key=key)
    try:
        s3.head_object(Bucket="models", Key=key)
    except ClientError:
        return "PUT, GET, DELETE in bucket models"
    raise WrongAnswerError(f"models/{key} is still there after DELETE")


def opensearch_round_trip(endpoints: Endpoints, credentials: Credentials) -> str:
    from opensearchpy import OpenSearch

    login = (credentials["user"], credentials["password"]) if credentials.get("password") else None
    client = OpenSearch(
        hosts=[endpoints["rest"]], http_auth=login, verify_certs=False, ssl_show_warn=False, timeout=10, max_retries=0
    )
    # A fresh index under orders-*: the template, not this check, decides its mappings.
    index, order = f"orders-verify-{_token()}", f"ORD-{_token()}"
    try:
        client.index(
            index=index,
            body={"timestamp": "2026-01-01T00:00:00Z", "order_id": order, "symbol": "BTCUSDT", "price": 50000.0},
            refresh=True,
        )
        hits = client.search(index="orders-*", body={"query": {"term": {"order_id": order}}})["hits"]["hits"]
        if [hit["_index"] for hit in hits] != [index]:
            raise WrongAnswerError(f"search for {order} found {len(hits)} documents, expected 1 in {index}")
        mapping = client.indices.get_mapping(index=index)[index]["mappings"]["properties"]
        if mapping.get("order_id", {}).get("type") != "keyword":
            raise WrongAnswerError(f"{index} did not get the orders-* template (order_id is not a keyword)")
    finally:
        client.indices.delete(index=index, ignore_unavailable=True)
    return "index, refresh, search through template orders-*"


def postgres_round_trip(endpoints: Endpoints, credentials: Credentials) -> str:
    import psycopg

    host, port = _address(endpoints["client"])
    with psycopg.connect(
        host=host,
        port=port,
        user=credentials.get("user"),
        password=credentials.get("password"),
        dbname=credentials.get("database", "library"),
        connect_timeout=5,
    ) as connection:
        # Written inside a transaction that is rolled back: nothing is left in the library.
        name = f"verify-{_token()}"
        with connection.transaction(force_rollback=True):
            (strategy,) = connection.execute(
                "INSERT INTO strategies (name, owner) VALUES (%s, 'verify') RETURNING id", (name,)
            ).fetchone() or (None,)
            connection.execute(
                "INSERT INTO models (strategy_id, version, framework, artifact) VALUES (%s, '1', 'verify', %s)",
                (strategy, f"s3://models/{name}"),
            )
            rows = connection.execute(
                "SELECT s.name, m.artifact FROM strategies s JOIN models m ON m.strategy_id = s.id WHERE s.id = %s",
                (strategy,),
            ).fetchall()
            if rows != [(name, f"s3://models/{name}")]:
                raise WrongAnswerError(f"library join returned {rows}")
        for table in ("features", "backtests"):
            connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    return "library tables: insert + join, rolled back"


def _opa_allow(url: str, document: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        url.rstrip("/") + "/v1/data/trading/allow",
        data=json.dumps({"input": document}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read()).get("result")


def opa_round_trip(endpoints: Endpoints, _credentials: Credentials) -> str:
    allowed = {"order": {"size": 10, "symbol": "BTCUSDT"}, "user": {"role": "trader"}}
    denied = {"order": {"size": 5000, "symbol": "BTCUSDT"}, "user": {"role": "trader"}}
    verdicts = (_opa_allow(endpoints["rest"], allowed), _opa_allow(endpoints["rest"], denied))
    if verdicts != (True, False):
        raise WrongAnswerError(f"trading/allow answered {verdicts} for (allowed, denied), expected (True, False)")
    return "allow: true for a 10 BTCUSDT order, false for 5000"


CHECKS = (
    Check("nats", "JetStream publish/read", nats_round_trip),
    Check("valkey", "AUTH SET GET", valkey_round_trip),
    Check("questdb", "ILP in, SQL out", questdb_round_trip),
    Check("clickhouse", "insert + select", clickhouse_round_trip),
    Check("seaweedfs", "S3 put/get/delete", seaweedfs_round_trip),
    Check("opensearch", "index + search", opensearch_round_trip),
    Check("postgres", "library query", postgres_round_trip),
    Check("opa", "policy decision", opa_round_trip),
)
