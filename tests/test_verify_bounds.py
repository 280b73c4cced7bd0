"""`verify` against small hostile servers on loopback: a server that never finishes answering, one
that answers without end, endpoints of the wrong kind, and arguments out of range. Each ends in
one line, in bounded time and memory, and never a traceback."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from offline.engine import ROOT
from tests.conftest import CATALOG
from verify import __main__ as cli

Serve = Callable[[socket.socket], None]


def _slowloris(connection: socket.socket) -> None:
    """Accepts the request, then sends its answer one byte every half second, forever."""
    connection.recv(65536)
    try:
        for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" * 1000:
            connection.sendall(bytes([byte]))
            time.sleep(0.5)
    except OSError:
        pass


def _endless(connection: socket.socket) -> None:
    """Answers 200 at once, with a body that never ends (1 GB announced, sent as fast as read)."""
    connection.recv(65536)
    try:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n")
        chunk = b"x" * 65536
        for _ in range(1073741824 // len(chunk)):
            connection.sendall(chunk)
    except OSError:
        pass


@pytest.fixture
def hostile() -> Iterator[Callable[[Serve], int]]:
    """Start a TCP server on loopback that handles each connection with `serve`; returns its port."""
    listeners: list[socket.socket] = []

    def start(serve: Serve) -> int:
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)

        def accept() -> None:
            while True:
                try:
                    connection, _ = listener.accept()
                except OSError:
                    return
                threading.Thread(target=lambda c=connection: (serve(c), c.close()), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()
        return int(listener.getsockname()[1])

    yield start
    for listener in listeners:
        listener.close()


def _verify(endpoints: dict[str, dict[str, str]], *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "verify", "--no-progress", "--json", *args],
        input=json.dumps({"endpoints": endpoints, "credentials": {}}),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    return result, time.monotonic() - start


def _details(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    return {r["service"]: r["detail"] for r in json.loads(result.stdout)["results"]}


def test_a_server_that_never_finishes_answering_fails_at_the_deadline_and_verify_exits(
    hostile: Callable[[Serve], int],
) -> None:
    port = hostile(_slowloris)
    result, elapsed = _verify({"opa": {"rest": f"http://127.0.0.1:{port}"}}, "--timeout", "2", "--attempts", "3")
    assert result.returncode == 1, result.stderr
    assert _details(result) == {"opa": "no answer within 2 s (--timeout)"}
    assert elapsed < 10, f"verify took {elapsed:.1f} s to give up on a 2 s deadline"
    assert result.stderr == "", "a traceback or a stray line on stderr"


@pytest.mark.parametrize(
    ("service", "role", "scheme"),
    [("opa", "rest", "http"), ("clickhouse", "http", "http"), ("opensearch", "rest", "http")],
)
def test_a_server_answering_without_end_is_read_within_1_mib_and_fails_in_one_line(
    hostile: Callable[[Serve], int], service: str, role: str, scheme: str
) -> None:
    port = hostile(_endless)
    result, elapsed = _verify({service: {role: f"{scheme}://127.0.0.1:{port}"}}, "--attempts", "1")
    assert result.returncode == 1, result.stderr
    detail = _details(result)[service]
    assert "answered more than 1024 KiB, which no answer of a working service is" in detail, detail
    assert "\n" not in detail
    assert elapsed < 20


@pytest.mark.parametrize(
    ("service", "role", "url", "detail"),
    [
        ("opa", "rest", "file:///etc/passwd", "the rest endpoint's scheme 'file' is not http or https"),
        ("clickhouse", "http", "data:,SELECT 1", "the http endpoint's scheme 'data' is not http or https"),
        ("nats", "client", "unix:///var/run/nats.sock", "the client endpoint's scheme 'unix' is not nats or tls"),
        ("valkey", "client", "ftp://127.0.0.1:6379", "the client endpoint's scheme 'ftp' is not redis or rediss"),
        ("postgres", "client", "postgresql:///library", "the client endpoint names no host and port"),
        ("seaweedfs", "s3", "http://127.0.0.1:port", "the s3 endpoint is not a URL with a port"),
        ("opensearch", "other", "http://127.0.0.1:9200", "the stack outputs have no rest endpoint for opensearch"),
    ],
)
def test_an_endpoint_its_client_does_not_speak_is_refused_before_connecting(
    service: str, role: str, url: str, detail: str
) -> None:
    endpoints = {service: {role: f"{url.replace('://', '://admin:Secret-pw-123@', 1)}"}}
    results, _ = cli.run_all(endpoints, {}, attempts=3, first_delay=5)
    assert [(r.ok, r.detail, r.attempts) for r in results] == [(False, f"EndpointError: {detail}", 0)]
    assert "Secret-pw-123" not in results[0].detail


def test_every_check_declares_the_schemes_of_every_endpoint_it_reads() -> None:
    assert {name: dict(sheet.check.schemes or {}) for name, sheet in CATALOG.items()} == {
        "nats": {"client": ("nats", "tls")},
        "valkey": {"client": ("redis", "rediss")},
        "questdb": {"pg": ("postgresql",), "ilp": ("tcp",)},
        "clickhouse": {"http": ("http", "https")},
        "seaweedfs": {"s3": ("http", "https")},
        "opensearch": {"rest": ("http", "https")},
        "postgres": {"client": ("postgresql",)},
        "opa": {"rest": ("http", "https")},
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--attempts", "0"], "argument --attempts: expected a whole number from 1 to 20, got '0'"),
        (["--attempts", "-1"], "argument --attempts: expected a whole number from 1 to 20, got '-1'"),
        (["--attempts", "x"], "argument --attempts: expected a whole number from 1 to 20, got 'x'"),
        (["--attempts", "1_0"], "argument --attempts: expected a whole number from 1 to 20, got '1_0'"),
        (["--attempts", "\u0663"], "argument --attempts: expected a whole number from 1 to 20, got '\u0663'"),
        (
            ["--attempts", "9" * 5000],
            "argument --attempts: expected a whole number from 1 to 20, got '99999999999999999...'",
        ),
        (["--attempts", "21"], "argument --attempts: expected a whole number from 1 to 20, got '21'"),
        (["--timeout", "0"], "argument --timeout: expected a whole number from 1 to 600, got '0'"),
        (["--timeout", "1e9"], "argument --timeout: expected a whole number from 1 to 600, got '1e9'"),
        (["--attempts"], "argument --attempts: expected one argument"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(args, stdin=io.StringIO("{}"), stdout=io.StringIO())
    assert exited.value.code == 2
    assert capsys.readouterr().err == f"verify: {message} (see --help)\n"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "stack outputs are not JSON verify can read"),
        ('{"endpoints": ' + "9" * 5000 + "}", "stack outputs are not JSON verify can read"),
    ],
)
def test_hostile_outputs_are_one_line_and_exit_2(
    document: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--no-progress"], stdin=io.StringIO(document), stdout=io.StringIO()) == 2
    assert capsys.readouterr().err == f"verify: {message}; pipe `pulumi stack output --json --show-secrets`\n"


def test_outputs_larger_than_any_stack_gives_are_refused_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    document = " " * (cli.MAX_INPUT + 1)
    assert cli.main(["--no-progress"], stdin=io.StringIO(document), stdout=io.StringIO()) == 2
    assert capsys.readouterr().err == "verify: the input is over 16 MiB, so not stack outputs\n"


def test_clickhouse_follows_no_redirect_and_takes_no_proxy_from_the_environment(
    hostile: Callable[[Serve], int],
) -> None:
    """A redirect could carry the login to another host, and HTTP_PROXY another machine's: the
    server answering 307 is the only one reached, and its answer is the failure."""
    reached: list[str] = []

    def record(name: str) -> Serve:
        def serve(connection: socket.socket) -> None:
            reached.append(name)
            connection.recv(65536)

        return serve

    elsewhere = hostile(record("redirect target"))
    proxy = hostile(record("proxy"))

    def redirect(connection: socket.socket) -> None:
        reached.append("clickhouse")
        connection.recv(65536)
        connection.sendall(
            f"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:{elsewhere}/\r\n"
            "Content-Length: 0\r\n\r\n".encode()
        )

    port = hostile(redirect)
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "verify", "--no-progress", "--json", "--attempts", "1"],
        input=json.dumps({"endpoints": {"clickhouse": {"http": f"http://127.0.0.1:{port}"}}, "credentials": {}}),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "HTTP_PROXY": f"http://127.0.0.1:{proxy}", "http_proxy": f"http://127.0.0.1:{proxy}"},
    )
    assert result.returncode == 1, result.stderr
    assert _details(result)["clickhouse"].startswith("DatabaseError: HTTP driver received HTTP status 307"), _details(
        result
    )
    assert reached == ["clickhouse"]
    assert time.monotonic() - start < 20
    assert result.stderr == ""


def test_a_refused_clickhouse_is_one_line_and_nothing_on_stderr() -> None:
    """clickhouse-connect logs a failed connection as a warning, which Python prints on stderr
    when nothing handles it."""
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    result, _ = _verify({"clickhouse": {"http": f"http://127.0.0.1:{port}"}}, "--attempts", "1")
    assert result.returncode == 1
    assert "Connection refused" in _details(result)["clickhouse"]
    assert result.stderr == ""
