"""One round trip per service, over its real protocol, with the stack's generated credentials.

Each data sheet names its round trip (`Sheet.check`); `python -m verify` runs it. The eight
services' are here, with what they share (bounded answers, no redirects or proxies); a new
sheet may define its own beside its spec. Each takes the instance's published endpoints
(role -> URL) and its credentials, leaves nothing behind (every object it writes carries a fresh
id and is removed, or the write is rolled back), and returns a one-line description of what it
proved. A failure is an exception whose message must never hold a credential (the runner scrubs
them again before printing). Clients are imported inside each function: verify starts without them.
"""

from __future__ import annotations

import asyncio
import io
import json
import socket
import time
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

Endpoints = Mapping[str, str]
Credentials = Mapping[str, str]

# The most any answer verify reads itself may hold: every answer a check expects is a few hundred
# bytes, so a server sending more (or streaming without end) is not the service.
MAX_ANSWER = 1024 * 1024


class WrongAnswerError(Exception):
    """The server answered, but not what a working service answers."""


class EndpointError(WrongAnswerError):
    """An endpoint verify will not connect to: retrying cannot help."""


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[Endpoints, Credentials], str]
    # Role -> the URL schemes its client speaks; an endpoint of any other scheme (file:, data:,
    # unix:, ...) is refused before anything connects. Empty: the check reads no endpoint.
    schemes: Mapping[str, tuple[str, ...]] | None = None

    def endpoint_problem(self, instance: str, endpoints: Endpoints) -> str | None:
        for role, allowed in (self.schemes or {}).items():
            url = endpoints.get(role)
            if url is None:
                return f"the stack outputs have no {role} endpoint for {instance}"
            try:
                parts = urlsplit(str(url))
                port = parts.port
            except ValueError:
                return f"the {role} endpoint is not a URL with a port"
            # Only the scheme is shown: the rest of a URL may carry a login.
            if parts.scheme not in allowed:
                return f"the {role} endpoint's scheme {parts.scheme or '(none)'!r} is not {' or '.join(allowed)}"
            if not parts.hostname or port is None:
                return f"the {role} endpoint names no host and port"
        return None


def read_bounded(stream: Any, limit: int = MAX_ANSWER) -> bytes:
    """At most `limit` bytes of an answer; more is a wrong answer, not a memory to fill."""
    data: bytes = stream.read(limit + 1)
    if len(data) > limit:
        raise WrongAnswerError(f"answered more than {limit // 1024} KiB, which no answer of a working service is")
    return data


def _token() -> str:
    return uuid.uuid4().hex[:12]


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.hostname is None or parts.port is None:
        raise WrongAnswerError(f"endpoint {url} has no host and port")
    return parts.hostname, parts.port


async def connect_nats(endpoint: str) -> Any:
    """A nats-py client that fails fast on a dead server, instead of retrying forever (what
    max_reconnect_attempts=0 means to nats-py) and printing each attempt with a traceback. The
    caller reports the failure once; the ready-data streams connect the same way."""
    import nats

    async def quiet(_error: Exception) -> None:
        return None

    return await nats.connect(
        servers=[endpoint],
        connect_timeout=5,
        allow_reconnect=False,
        max_reconnect_attempts=1,
        reconnect_time_wait=0.2,
        error_cb=quiet,
    )


# NATS: publish into each stream the stack declares, read the message back by sequence, delete it.
STREAM_SUBJECTS = (
    ("ORDERS", "trading.order.verify.{token}"),
    ("MARKETDATA", "marketdata.verify.probe.{token}"),
    ("ANALYTICS", "analytics.verify.probe.{token}"),
)


def nats_round_trip(endpoints: Endpoints, _credentials: Credentials) -> str:
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
    from psycopg import sql
    from tenacity import RetryError, Retrying, retry_if_exception_type, retry_if_result, stop_after_delay, wait_fixed

    # A table of its own: QuestDB deletes rows only by dropping partitions, so writing into
    # `orders` would leave test data behind.
    table, token = f"verify_{_token()}", _token()
    host, port = _address(endpoints["ilp"])
    with _questdb(endpoints, credentials) as connection:
        try:
            # A socket, not the questdb client (79 MB with numpy, no TCP connect timeout), for one
            # line whose names are our own hex digits, which ILP needs no escaping for.
            with socket.create_connection((host, port), timeout=5) as ilp:
                ilp.sendall(f"{table},probe={token} value=1i {time.time_ns()}\n".encode())
            select = sql.SQL("SELECT probe FROM {}").format(sql.Identifier(table))
            # ILP commits asynchronously (QDB_CAIRO_O3_MAX_LAG and the WAL apply job): until then
            # the table is missing or empty.
            waiting = Retrying(
                stop=stop_after_delay(15),
                wait=wait_fixed(0.2),
                retry=retry_if_exception_type() | retry_if_result(lambda rows: rows != [(token,)]),
            )
            try:
                waiting(lambda: connection.execute(select).fetchall())
            except RetryError:
                raise WrongAnswerError(
                    f"the ILP row for {table} was not readable over PostgreSQL wire in 15 s"
                ) from None
            ready = connection.execute(
                "SELECT table_name FROM tables() WHERE table_name IN ('orders', 'ticks', 'fills')"
            ).fetchall()
            if sorted(name for (name,) in ready) != ["fills", "orders", "ticks"]:
                raise WrongAnswerError(f"ready tables missing: found {sorted(n for (n,) in ready)}")
        finally:
            connection.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
    return "ILP write, PG-wire read, orders/ticks/fills present"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        # A redirect could lead to a file: or another host, with the login in its headers.
        return None


def _opener() -> urllib.request.OpenerDirector:
    """urllib for http(s) only: no redirects, no file:, ftp: or data: handlers, no proxy from the
    environment (the endpoints are the stack's own ports)."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPErrorProcessor(),
        urllib.request.HTTPDefaultErrorHandler(),
        _NoRedirect(),
    ):
        opener.add_handler(handler)
    return opener


def _clickhouse(endpoints: Endpoints, credentials: Credentials) -> Any:
    """A clickhouse-connect client (the applications' client, which the `connections` output is
    for) on a pool that reads every answer within MAX_ANSWER, follows no redirect, takes no proxy
    from the environment (a pool given is used as it is) and retries nothing itself."""
    import logging

    import clickhouse_connect
    import urllib3

    class BoundedPoolManager(urllib3.PoolManager):
        # PoolManager.urlopen's own signature, which urllib3 marks as an override the same way.
        def urlopen(self, method: str, url: str, redirect: bool = True, **kw: Any) -> urllib3.BaseHTTPResponse:  # type: ignore[override]
            # A redirect could lead to another host with the login in its headers; a retry of
            # urllib3's own would be a try verify does not count.
            kw.update(preload_content=False, retries=urllib3.Retry(total=0, redirect=False))
            response = super().urlopen(method, url, redirect=False, **kw)
            try:
                data = read_bounded(response)
            finally:
                response.release_conn()
            headers = urllib3.HTTPHeaderDict(response.headers)
            headers.discard("Content-Encoding")  # read_bounded got the decoded bytes
            return urllib3.HTTPResponse(
                body=io.BytesIO(data), headers=headers, status=response.status, preload_content=False
            )

    # clickhouse-connect logs a failed request as a warning, which Python would print on stderr.
    logging.getLogger("clickhouse_connect").addHandler(logging.NullHandler())
    logging.getLogger("clickhouse_connect").propagate = False
    parts = urlsplit(endpoints["http"])
    return clickhouse_connect.get_client(
        interface=parts.scheme,
        host=parts.hostname,
        port=parts.port,
        proxy_path=parts.path,
        username=credentials.get("user", "default"),
        password=credentials.get("password", ""),
        database=credentials.get("database", "default"),
        pool_mgr=BoundedPoolManager(),
        connect_timeout=5,
        send_receive_timeout=10,
        query_retries=0,
        compress=False,
        autogenerate_session_id=False,
    )


def clickhouse_round_trip(endpoints: Endpoints, credentials: Credentials) -> str:
    agent = {"agent": f"verify-{_token()}"}
    table = "trading.prism_analytics"
    client = _clickhouse(endpoints, credentials)
    try:
        # {agent:String} is bound by the server (ClickHouse query parameters), not pasted into the SQL.
        client.command(
            f"INSERT INTO {table} (timestamp, agent_id, symbol, action, price, quantity, portfolio_value, metadata)"
            " VALUES (now64(9), {agent:String}, 'BTCUSDT', 'BUY', 50000.0, 0.1, 100000.0, '{}')",
            parameters=agent,
        )
        try:
            count = client.command(f"SELECT count() FROM {table} WHERE agent_id = {{agent:String}}", parameters=agent)
            if count != 1:
                raise WrongAnswerError(f"SELECT after INSERT found {count} rows in {table}, expected 1")
        finally:
            client.command(f"DELETE FROM {table} WHERE agent_id = {{agent:String}}", parameters=agent)
    finally:
        client.close()
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
        if read_bounded(s3.get_object(Bucket="models", Key=key)["Body"]) != body:
            raise WrongAnswerError(f"models/{key} reads back different bytes")
    finally:
        s3.delete_object(Bucket="models", Key=key)
    try:
        s3.head_object(Bucket="models", Key=key)
    except ClientError:
        return "PUT, GET, DELETE in bucket models"
    raise WrongAnswerError(f"models/{key} is still there after DELETE")


@dataclass(frozen=True)
class _Answer:
    """What opensearch-py reads of a urllib3 response, read within MAX_ANSWER."""

    status: int
    headers: Any
    data: bytes


class _BoundedPool:
    """A urllib3 pool whose answers are read within MAX_ANSWER (opensearch-py reads them whole)."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    def urlopen(self, *args: Any, **kwargs: Any) -> _Answer:
        response = self._pool.urlopen(*args, preload_content=False, **kwargs)
        try:
            return _Answer(response.status, response.headers, read_bounded(response))
        finally:
            response.release_conn()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)


def _opensearch_client(url: str, login: tuple[str, str] | None) -> Any:
    import logging

    from opensearchpy import OpenSearch, Urllib3HttpConnection

    class BoundedConnection(Urllib3HttpConnection):
        def _create_urllib3_pool(self) -> None:
            super()._create_urllib3_pool()
            self.pool = _BoundedPool(self.pool)

    # opensearch-py logs every failed request as a warning, which Python would print on stderr.
    logging.getLogger("opensearch").addHandler(logging.NullHandler())
    logging.getLogger("opensearch").propagate = False
    return OpenSearch(
        hosts=[url],
        http_auth=login,
        verify_certs=False,
        ssl_show_warn=False,
        timeout=10,
        max_retries=0,
        connection_class=BoundedConnection,
    )


def opensearch_round_trip(endpoints: Endpoints, credentials: Credentials) -> str:
    login = (credentials["user"], credentials["password"]) if credentials.get("password") else None
    client = _opensearch_client(endpoints["rest"], login)
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
    from psycopg import sql

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
            connection.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
    return "library tables: insert + join, rolled back"


def _opa_allow(url: str, document: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        url.rstrip("/") + "/v1/data/trading/allow",
        data=json.dumps({"input": document}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with _opener().open(request, timeout=10) as response:
        return json.loads(read_bounded(response)).get("result")


def opa_round_trip(endpoints: Endpoints, _credentials: Credentials) -> str:
    allowed = {"order": {"size": 10, "symbol": "BTCUSDT"}, "user": {"role": "trader"}}
    denied = {"order": {"size": 5000, "symbol": "BTCUSDT"}, "user": {"role": "trader"}}
    verdicts = (_opa_allow(endpoints["rest"], allowed), _opa_allow(endpoints["rest"], denied))
    if verdicts != (True, False):
        raise WrongAnswerError(f"trading/allow answered {verdicts} for (allowed, denied), expected (True, False)")
    return "allow: true for a 10 BTCUSDT order, false for 5000"


HTTP = ("http", "https")
