"""A FAKE ClickHouse server: ClickHouse's HTTP interface in front of chDB (ClickHouse's engine in process).

No ClickHouse server can run on these machines, and chDB has no network interface, so `verify`'s
ClickHouse check meets this instead: the SQL is executed by ClickHouse's real engine (chDB, on the
tables of the rendered init script), while the HTTP layer is ours and covers only what `verify`
uses, modelled on ClickHouse's documented HTTP interface: POST / with the query as the body, the
login in X-ClickHouse-User / X-ClickHouse-Key, results as TabSeparated, errors as
"Code: N. DB::Exception: ..." text with a non-200 status (403 for a failed login, as ClickHouse 24
answers AUTHENTICATION_FAILED).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class FakeClickHouse:
    url: str


@contextmanager
def clickhouse_http(session: Any, user: str, password: str) -> Iterator[FakeClickHouse]:
    """Serve `session` (a chdb Session) on a free loopback port for the login `user`/`password`."""
    lock = threading.Lock()  # a chDB session runs one query at a time

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            query = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            if self.headers.get("X-ClickHouse-User") != user or self.headers.get("X-ClickHouse-Key") != password:
                name = self.headers.get("X-ClickHouse-User", "default")
                self._answer(
                    403,
                    f"Code: 516. DB::Exception: {name}: Authentication failed: password is incorrect,"
                    " or there is no user with such name. (AUTHENTICATION_FAILED)\n",
                )
                return
            try:
                with lock:
                    result = session.query(query, "TabSeparated")
            except Exception as error:
                self._answer(500, f"{str(error).strip()}\n")
                return
            self._answer(200, result.bytes().decode() if hasattr(result, "bytes") else str(result))

        def _answer(self, status: int, body: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/tab-separated-values; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield FakeClickHouse(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
