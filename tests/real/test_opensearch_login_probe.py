"""OpenSearch's healthcheck with its security plugin on, exactly as rendered, run with the host's
sh/bash and curl against a small HTTPS server with basic auth on loopback (a self-signed
certificate, as the image's demo configuration serves). OpenSearch's own security plugin does not
run here (tests/real/test_opensearch.py runs the engine without it): this proves the command, the
login it sends and that no process's command line carries the password while it runs."""

from __future__ import annotations

import base64
import os
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from components.credential_rules import problem
from components.opensearch import HEALTH_PATH
from offline.engine import Plan, run_program
from tests.conftest import config
from tests.real.support import Rendered, free_port, require_program
from tests.supplied import SECRET_KEYS, credentials_config

pytestmark = pytest.mark.real_server

# Every character the shell, printf, sed and curl's config syntax treat specially, in one
# password OpenSearch would accept.
PASSWORD = "Pr0be \"q\\uote' %s $HOME `id` \\n&x"


class _Login(BaseHTTPRequestHandler):
    # Set per server by the fixture, which makes a subclass with its own values.
    login: str
    status: int
    delay: float
    paths: list[str]

    def do_GET(self) -> None:
        handler = type(self)
        handler.paths.append(self.path)
        time.sleep(handler.delay)
        expected = "Basic " + base64.b64encode(f"admin:{handler.login}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="OpenSearch Security"')
        else:
            self.send_response(handler.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def plan() -> Plan:
    assert problem("opensearch", "admin-password", PASSWORD) is None
    raw = {**config("prod"), **credentials_config({"opensearch": {"admin-password": PASSWORD}})}
    return run_program("prod", raw, secret_keys=SECRET_KEYS)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = require_program("openssl", "apt-get install openssl")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"),
            *("-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


@pytest.fixture
def https_server(certificate: tuple[Path, Path]) -> Iterator[tuple[int, type[_Login]]]:
    handler = type("Handler", (_Login,), {"login": PASSWORD, "status": 200, "delay": 0.0, "paths": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], handler
    server.shutdown()
    server.server_close()


def _probe(plan: Plan, shell: str, port: int) -> list[str]:
    require_program("curl", "apt-get install curl")
    argv = Rendered.of(plan, "opensearch").probe({"127.0.0.1:9200": f"127.0.0.1:{port}"})
    assert argv[0] == "sh", argv
    return [require_program(shell, f"apt-get install {shell}"), *argv[1:]]


def _environment(password: str) -> dict[str, str]:
    # What the container has: the admin password in its environment, nothing in argv.
    return {"PATH": os.environ["PATH"], "OPENSEARCH_INITIAL_ADMIN_PASSWORD": password}


def _run(argv: list[str], password: str = PASSWORD) -> int:
    return subprocess.run(argv, env=_environment(password), capture_output=True, timeout=30).returncode


SHELLS = pytest.mark.parametrize("shell", ["sh", "bash"])


@SHELLS
def test_the_probe_passes_with_the_right_password_and_asks_for_the_health_path(
    plan: Plan, https_server: tuple[int, type[_Login]], shell: str
) -> None:
    port, handler = https_server
    assert _run(_probe(plan, shell, port)) == 0
    assert handler.paths == [HEALTH_PATH]


@SHELLS
def test_the_probe_fails_with_a_wrong_password(plan: Plan, https_server: tuple[int, type[_Login]], shell: str) -> None:
    port, handler = https_server
    assert _run(_probe(plan, shell, port), password=PASSWORD.replace("Pr0be", "Wr0ng")) != 0
    assert handler.paths == [HEALTH_PATH], "the probe did not reach the server"


@SHELLS
def test_the_probe_fails_on_503(plan: Plan, https_server: tuple[int, type[_Login]], shell: str) -> None:
    port, handler = https_server
    handler.status = 503
    assert _run(_probe(plan, shell, port)) != 0


@SHELLS
def test_the_probe_fails_when_the_server_is_down(plan: Plan, shell: str) -> None:
    assert _run(_probe(plan, shell, free_port())) != 0


def _command_lines() -> dict[int, bytes]:
    lines = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                lines[int(entry)] = Path("/proc", entry, "cmdline").read_bytes()
            except OSError:
                continue  # gone since listed
    return lines


@SHELLS
def test_no_process_command_line_carries_the_password_while_the_probe_runs(
    plan: Plan, https_server: tuple[int, type[_Login]], shell: str
) -> None:
    port, handler = https_server
    handler.delay = 1.5  # long enough to catch curl and the shell mid-request
    seen: dict[int, bytes] = {}
    probe = subprocess.Popen(_probe(plan, shell, port), env=_environment(PASSWORD), stdout=subprocess.DEVNULL)
    while probe.poll() is None:
        seen.update(_command_lines())
        time.sleep(0.01)
    assert probe.returncode == 0
    assert any(b"curl\0-K\0-\0" in line for line in seen.values()), "the scan never saw curl running"
    secret = PASSWORD.encode()
    assert [pid for pid, line in seen.items() if secret in line or b"Pr0be" in line] == []
    assert "Pr0be" not in " ".join(Rendered.of(plan, "opensearch").healthcheck), "docker inspect shows the test"
