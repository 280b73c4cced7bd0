"""A FAKE ClickHouse server: ClickHouse's HTTP interface in front of chDB (ClickHouse's engine in process).

No ClickHouse server can run on these machines, and chDB has no network interface, so `verify`'s
ClickHouse check meets this instead: the very front the clickhouse-server stand-in image runs
(tools/docker/images/clickhouse/clickhouse_http_server.py; what it speaks is said there), here in the
test process on a free loopback port, serving a chDB session the test made. The SQL is executed by
ClickHouse's real engine; the HTTP layer is ours.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tools.docker.images.clickhouse.clickhouse_http_server import front


@dataclass(frozen=True)
class FakeClickHouse:
    url: str


@contextmanager
def clickhouse_http(session: Any, user: str, password: str) -> Iterator[FakeClickHouse]:
    """Serve `session` (a chdb Session) on a free loopback port for the login `user`/`password`."""
    server = front(session, user, password, ("127.0.0.1", 0))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield FakeClickHouse(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
