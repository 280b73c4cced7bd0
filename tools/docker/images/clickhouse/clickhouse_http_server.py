"""NOT ClickHouse's server: ClickHouse's own SQL engine (chDB, ClickHouse in a library) behind a small
HTTP front that speaks the parts of ClickHouse's HTTP interface (port 8123) our clients use. No
ClickHouse server can run on the machines this was made on; the SQL, the table engines and the
on-disk layout are ClickHouse's, the HTTP layer, the login and the first-start handling are ours.

One front, two users: the clickhouse-server stand-in image of tools/docker/images.sh runs `main()`
(the image's paths, port 8123 and its CLICKHOUSE_* environment), and the real-server tier
(tests/real/clickhouse_http.py) starts `front()` in its own process on a loopback port, on a chDB
session it made with `first_start()`. Only the standard library is imported here besides chDB, which
`main()` imports: the image has Debian's python3 and chDB, nothing else.

HTTP, as ClickHouse documents it (docs/en/interfaces/http.md): GET /ping and GET / answer "Ok.";
a query is the POST body, or the `query` URL parameter (GET or POST; a POST body then follows it
after a newline); the login comes from Basic auth, else X-ClickHouse-User / X-ClickHouse-Key, else
the `user` / `password` parameters; values for `{name:Type}` placeholders from `param_<name>`
parameters, bound by chDB as the server binds them; the database from X-ClickHouse-Database or
`database`; the output format from a FORMAT clause in the query, else X-ClickHouse-Format, else
`default_format`, else TabSeparated (clickhouse-connect's queries end in FORMAT Native). Errors are
ClickHouse's own "Code: N. DB::Exception: ..." text with X-ClickHouse-Exception-Code and the HTTP
status the server gives that code. Other URL parameters (settings, query_id, session_id) are
accepted and have no effect. Not served: the native protocol (9000), sessions, settings, compressed
requests or answers, and GET being read-only.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import re
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

# The image's layout (clickhouse/clickhouse-server), used by main() only.
DATA = Path("/var/lib/clickhouse")
INIT = Path("/docker-entrypoint-initdb.d")
PORT = 8123
CHDB = "/opt/chdb"

# The HTTP status ClickHouse answers an error code with (src/Server/HTTP/exceptionCodeToHTTPStatus.cpp,
# read, not run: no ClickHouse server runs here); any other code is 500. Numbers as chDB 26.9's
# system.errors names them.
_FORBIDDEN = (
    192,  # UNKNOWN_USER
    193,  # WRONG_PASSWORD
    497,  # ACCESS_DENIED
    512,  # SET_NON_GRANTED_ROLE
    516,  # AUTHENTICATION_FAILED
)
_CANNOT_PARSE = (6, 25, 26, 27, 38, 41, 72, 376, 441, 675, 676)  # CANNOT_PARSE_TEXT, _ESCAPE_SEQUENCE, ...
# THERE_IS_NO_COLUMN, DUPLICATE_COLUMN, BAD_ARGUMENTS, UNKNOWN_ELEMENT_IN_AST, ILLEGAL_COLUMN,
# TYPE_MISMATCH, SYNTAX_ERROR, INCORRECT_DATA, UNKNOWN_TYPE_OF_AST_NODE, TOO_DEEP_AST, TOO_BIG_AST,
# UNEXPECTED_AST_STRUCTURE, VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE, CANNOT_COMPILE_REGEXP.
_BAD_REQUEST = (*_CANNOT_PARSE, 8, 15, 36, 37, 44, 53, 62, 117, 123, 167, 168, 223, 321, 427)
# UNKNOWN_FUNCTION, _IDENTIFIER, _TYPE, _STORAGE, _TABLE, _AGGREGATE_FUNCTION, _FORMAT, _TYPE_OF_QUERY,
# _DATABASE, _SETTING, _DIRECTION_OF_SORTING, _DATABASE_ENGINE, _ROLE.
_NOT_FOUND = (46, 47, 50, 56, 60, 63, 73, 78, 81, 115, 152, 336, 511)
STATUS: dict[int, int] = {
    194: 401,  # REQUIRED_PASSWORD
    **dict.fromkeys(_FORBIDDEN, 403),
    **dict.fromkeys(_BAD_REQUEST, 400),
    **dict.fromkeys(_NOT_FOUND, 404),
    229: 413,  # QUERY_IS_TOO_LARGE
    48: 501,  # NOT_IMPLEMENTED
    209: 503,  # SOCKET_TIMEOUT
    76: 503,  # CANNOT_OPEN_FILE
    381: 411,  # HTTP_LENGTH_REQUIRED
    159: 408,  # TIMEOUT_EXCEEDED
    439: 503,  # CANNOT_SCHEDULE_TASK
    779: 415,  # UNSUPPORTED_MEDIA_TYPE
}
_CODE = re.compile(r"Code: (\d+)\.")
# INSERT INTO <table> [(<columns>)] FORMAT <name>, then the data: after a line feed if one follows
# the format name, else after the spaces (src/Parsers/ParserInsertQuery.h).
_INSERT_DATA = re.compile(
    rb"\A\s*(INSERT\s+INTO\s+(?:TABLE\s+)?[\w.`\"]+\s*(?:\([^)]*\))?)\s*FORMAT\s+(\w+)(?:[ \t]*\r?\n|[ \t]+|\Z)",
    re.IGNORECASE,
)


class Store(Protocol):
    """What the front needs of a chDB session (chdb.session.Session)."""

    def query(self, sql: str, fmt: str = ..., udf_path: str = ..., params: dict[str, str] | None = ...) -> Any: ...

    def send_insert(self, query: str, fmt: str = ...) -> Any: ...


def quote_identifier(name: str) -> str:
    """`name` as a backquoted ClickHouse identifier, whatever it holds."""
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def first_start(store: Store, database: str, scripts: Path, log: Callable[[str], None] = print) -> None:
    """What the image's entrypoint does on a new data folder: CREATE DATABASE $CLICKHOUSE_DB, then each
    `scripts`/*.sql in name order, each in one multi-statement run as `clickhouse client` runs a file.
    A *.sh is refused: it would call clickhouse-client, which the stand-in does not have."""
    if database:
        store.query(f"CREATE DATABASE IF NOT EXISTS {quote_identifier(database)}")
    for script in sorted(scripts.glob("*")):
        if script.suffix == ".sql":
            log(f"/entrypoint.sh: running {script}")
            store.query(script.read_text())
        elif script.suffix == ".sh":
            raise SystemExit(f"{script}: init shell scripts are not supported by this stand-in (no clickhouse-client)")
        else:
            log(f"/entrypoint.sh: ignoring {script}")


def _error(code: int, name: str, message: str) -> str:
    return f"Code: {code}. DB::Exception: {message}. ({name})"


def front(store: Store, user: str, password: str, address: tuple[str, int]) -> ThreadingHTTPServer:
    """ClickHouse's HTTP interface on `store`, bound to `address` (port 0: a free one) for the one login
    `user`/`password`; the caller runs serve_forever()."""
    lock = threading.Lock()  # a chDB session runs one query at a time

    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as the server and clickhouse-connect's pool use it: every answer has a length.
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve(b"")

        def do_POST(self) -> None:
            self._serve(self._body())

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                # clickhouse-connect streams an insert's data in chunks.
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0], 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _serve(self, body: bytes) -> None:
            url = urlsplit(self.path)
            params = {key: values[-1] for key, values in parse_qs(url.query, keep_blank_values=True).items()}
            if url.path == "/ping" or (url.path == "/" and "query" not in params and not body):
                self._answer(200, "Ok.\n")
                return
            if url.path != "/":
                # The server's own 404 for a path no handler serves, with its first hint.
                self._answer(404, f"There is no handle {url.path}\n\nUse / or /ping for health checks.\n")
                return
            encoding = self.headers.get("Content-Encoding", "identity").lower()
            if encoding != "identity":
                self._fail(_error(48, "NOT_IMPLEMENTED", f"Content-Encoding {encoding} is not served by this stand-in"))
                return
            name, key = self._login(params)
            if name != user or not hmac.compare_digest(key.encode(), password.encode()):
                self._fail(
                    _error(
                        516,
                        "AUTHENTICATION_FAILED",
                        f"{name}: Authentication failed: password is incorrect, or there is no user with such name",
                    )
                )
                return
            # The query parameter, then the body after a newline, as the server reads them: one text.
            text = body if "query" not in params else params["query"].encode() + b"\n" + body
            database = self.headers.get("X-ClickHouse-Database") or params.get("database") or "default"
            try:
                with lock:
                    store.query(f"USE {quote_identifier(database)}")
                    insert = _INSERT_DATA.match(text)
                    if insert:
                        self._insert(insert[1].decode(), insert[2].decode(), text[insert.end() :])
                        return
                    result = store.query(
                        text.decode(),
                        self.headers.get("X-ClickHouse-Format") or params.get("default_format") or "TabSeparated",
                        params={k.removeprefix("param_"): v for k, v in params.items() if k.startswith("param_")}
                        or None,
                    )
            except UnicodeDecodeError:
                self._fail(_error(6, "CANNOT_PARSE_TEXT", "the query is not UTF-8"))
                return
            except Exception as error:
                self._fail(str(error).strip())
                return
            self._answer(200, result.bytes() if hasattr(result, "bytes") else str(result).encode())

        def _insert(self, statement: str, input_format: str, data: bytes) -> None:
            # Data in any input format (clickhouse-connect's is Native, binary): chDB takes it as bytes
            # only through a streaming insert, never inside the query text.
            inserter = store.send_insert(statement, input_format)
            if data:
                inserter.append(data)
            written = inserter.finish()
            summary = {"written_rows": str(written.rows_written), "written_bytes": str(written.bytes_written)}
            self._answer(200, b"", {"X-ClickHouse-Summary": json.dumps(summary, separators=(",", ":"))})

        def _login(self, params: dict[str, str]) -> tuple[str, str]:
            scheme, _, encoded = self.headers.get("Authorization", "").partition(" ")
            if scheme == "Basic":
                try:
                    name, _, key = base64.b64decode(encoded, validate=True).decode().partition(":")
                except (binascii.Error, UnicodeDecodeError):
                    return "", ""
                return name, key
            name = self.headers.get("X-ClickHouse-User") or params.get("user") or "default"
            return name, self.headers.get("X-ClickHouse-Key") or params.get("password") or ""

        def _fail(self, text: str) -> None:
            # chDB's streaming insert puts words of its own before the engine's "Code: N." text.
            found = _CODE.search(text)
            if not found:
                self._answer(500, text + "\n")
                return
            code = int(found[1])
            self._answer(
                STATUS.get(code, 500), text[found.start() :] + "\n", {"X-ClickHouse-Exception-Code": str(code)}
            )

        def _answer(self, status: int, body: str | bytes, headers: dict[str, str] | None = None) -> None:
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", "text/tab-separated-values; charset=UTF-8")
            for header, value in (headers or {}).items():
                self.send_header(header, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return ThreadingHTTPServer(address, Handler)


def main() -> None:
    """The image's server: the data folder, init scripts, port and login of clickhouse-server's image."""
    # The image keeps chDB's package apart from Debian's python3 (tools/docker/images/clickhouse/recipe.sh).
    sys.path.insert(0, CHDB)
    from chdb import session

    user = os.environ.get("CLICKHOUSE_USER") or "default"
    password = os.environ.get("CLICKHOUSE_PASSWORD", "")
    new = not (DATA / "metadata").exists()
    store = session.Session(str(DATA))  # type: ignore[no-untyped-call]
    if new:
        first_start(store, os.environ.get("CLICKHOUSE_DB", ""), INIT, lambda line: print(line, flush=True))
    server = front(store, user, password, ("0.0.0.0", PORT))
    print(f"trade2026 stand-in: chDB (ClickHouse engine) answering ClickHouse's HTTP interface on {PORT}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
