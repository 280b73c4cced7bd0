"""The bash probe (QuestDB, OpenSearch without its security plugin): both images have bash but
neither curl nor wget, so the probe speaks HTTP/1.0 over bash's /dev/tcp. Run here with the host's
bash against a small HTTP server; QuestDB and OpenSearch themselves are another tier's business."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from components.spec import HttpProbe, Port, probe_test
from offline.engine import Plan
from tests.real.support import Rendered, free_port, require_program

pytestmark = pytest.mark.real_server


class _Status(BaseHTTPRequestHandler):
    # Set per server by the fixture, which makes a subclass with its own values.
    status: int
    paths: list[str]

    def do_GET(self) -> None:
        type(self).paths.append(self.path)
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[tuple[int, type[_Status]]]:
    handler = type("Handler", (_Status,), {"status": 200, "paths": []})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], handler
    server.shutdown()
    server.server_close()


def _bash_probe(port: int, path: str) -> list[str]:
    require_program("bash", "install bash")
    return probe_test(HttpProbe("health", path, tool="bash"), (Port("health", port),))[1:]  # drop "CMD"


def test_bash_probe_passes_on_200_and_sends_the_path_intact(http_server: tuple[int, type[_Status]]) -> None:
    port, handler = http_server
    path = "/_cluster/health?wait_for_status=yellow&timeout=2s"
    result = subprocess.run(_bash_probe(port, path), capture_output=True, text=True, timeout=10)
    assert result.returncode == 0, result.stderr
    assert handler.paths == [path]


def test_bash_probe_fails_on_an_error_status(http_server: tuple[int, type[_Status]]) -> None:
    port, handler = http_server
    handler.status = 503
    assert subprocess.run(_bash_probe(port, "/"), capture_output=True, timeout=10).returncode != 0


def test_bash_probe_fails_when_nothing_listens() -> None:
    assert subprocess.run(_bash_probe(free_port(), "/"), capture_output=True, timeout=10).returncode != 0


def test_questdb_and_opensearch_probes_are_the_tested_bash_probe(dev_plan: Plan) -> None:
    for key, port in (("questdb", 9003), ("opensearch", 9200)):
        tests = Rendered.of(dev_plan, key).healthcheck
        assert tests[:3] == ["CMD", "bash", "-c"], key
        assert f"/dev/tcp/127.0.0.1/{port}" in tests[3], key
