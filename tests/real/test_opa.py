"""OPA built from its Go module (tools/opa.sh), run with the rendered command line and policy.

Version: OPA 1.21.1 ran, and the image pins the same release (it pinned 1.4.2 until this tier
proved 1.21.1; the Go module proxy here serves only v1.21.x and v1.22.x).
"""

from __future__ import annotations

import json
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from offline.engine import Plan
from tests.conftest import IMAGE
from tests.real import built_servers, support
from tests.real.built_servers import OPA_VERSION, OpaServer, opa_binary, start_opa
from tests.real.support import Processes, Rendered, run

pytestmark = pytest.mark.real_server
# Fixtures these tests use by name (pytest finds them as module attributes).
opa_server = built_servers.opa_server
processes = support.processes


def decide(server: OpaServer, order: dict[str, Any], role: str) -> Any:
    body = json.dumps({"input": {"order": order, "user": {"role": role}}}).encode()
    request = urllib.request.Request(
        f"{server.url}/v1/data/trading/allow", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def test_the_opa_that_ran_is_the_release_the_image_pins(dev_plan: Plan) -> None:
    assert dev_plan.get(IMAGE, "opa-image").inputs["name"] == "openpolicyagent/opa:1.21.1"
    assert OPA_VERSION == "1.21.1"
    assert "Version: 1.21.1\n" in run([str(opa_binary()), "version"]).stdout


def test_opa_serves_with_exactly_the_rendered_flags(dev_plan: Plan, opa_server: OpaServer, tmp_path: Path) -> None:
    assert Rendered.of(dev_plan, "opa").command == ["run", "--server", "--addr=0.0.0.0:8181", "/policies"]
    assert opa_server.argv[1:] == ["run", "--server", f"--addr=127.0.0.1:{opa_server.port}", f"{tmp_path}/policies"]
    with urllib.request.urlopen(f"{opa_server.url}/v1/policies", timeout=5) as response:
        policies = json.load(response)["result"]
    assert [policy["id"] for policy in policies] == [f"{tmp_path}/policies/trading.rego".lstrip("/")]


def test_an_order_within_limits_from_a_trader_is_allowed(opa_server: OpaServer) -> None:
    assert decide(opa_server, {"symbol": "BTCUSDT", "size": 1000}, "trader") == {"result": True}


@pytest.mark.parametrize(
    ("order", "role"),
    [
        ({"symbol": "BTCUSDT", "size": 1001}, "trader"),
        ({"symbol": "DOGEUSDT", "size": 1}, "trader"),
        ({"symbol": "ETHUSDT", "size": 1}, "viewer"),
    ],
    ids=["size-over-1000", "symbol-not-listed", "not-a-trader"],
)
def test_an_order_breaking_one_rule_is_denied(opa_server: OpaServer, order: dict[str, Any], role: str) -> None:
    assert decide(opa_server, order, role) == {"result": False}


# The probe ----------------------------------------------------------------------------------------


def probe(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=30)


def test_the_rendered_probe_is_opa_eval_unifying_the_health_status(dev_plan: Plan) -> None:
    assert Rendered.of(dev_plan, "opa").healthcheck == [
        "CMD",
        "/opa",
        "eval",
        "--fail",
        'http.send({"method": "get", "url": "http://127.0.0.1:8181/health"}).status_code = 200',
    ]


def test_the_rendered_probe_passes_against_the_healthy_server(dev_plan: Plan, opa_server: OpaServer) -> None:
    result = probe(opa_server.probe(Rendered.of(dev_plan, "opa")))
    assert result.returncode == 0, result.stdout + result.stderr


class _Unavailable(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(503)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def unavailable() -> Iterator[int]:
    """A loopback server answering 503 to every GET, as OPA's /health does when not ready."""
    server = HTTPServer(("127.0.0.1", 0), _Unavailable)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_rendered_probe_fails_when_health_answers_503(
    dev_plan: Plan, opa_server: OpaServer, unavailable: int
) -> None:
    """The bug this probe had: with `== 200` the query's value is `false`, a defined result, so
    `--fail` exited 0 on a 503."""
    result = probe(opa_server.probe(Rendered.of(dev_plan, "opa"), port=unavailable))
    assert result.returncode == 1, result.stdout + result.stderr


def test_the_rendered_probe_fails_once_the_server_is_stopped(
    dev_plan: Plan, opa_server: OpaServer, processes: Processes
) -> None:
    rendered = Rendered.of(dev_plan, "opa")
    assert probe(opa_server.probe(rendered)).returncode == 0
    processes.stop(opa_server.process)
    assert probe(opa_server.probe(rendered)).returncode == 1


def test_the_rendered_probe_fails_when_the_policy_does_not_load(
    dev_plan: Plan, processes: Processes, tmp_path: Path
) -> None:
    rendered = Rendered.of(dev_plan, "opa")
    broken = Rendered(
        rendered.command,
        rendered.env,
        {"/policies/trading.rego": "package trading\nallow if {"},
        rendered.healthcheck,
        rendered.ports,
    )
    server = start_opa(processes, broken, tmp_path, wait=False)
    assert server.process.wait(timeout=30) == 1
    assert "rego_parse_error" in processes.log(server.process)
    assert probe(server.probe(rendered)).returncode == 1
