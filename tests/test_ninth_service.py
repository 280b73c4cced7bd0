"""Adding a service is one new data sheet and its line in __main__.py: a ninth, throwaway service
(Memcached, tests/programs/sheets/memcached.py) put where a new sheet goes, and a copy of
__main__.py with nothing else edited, gets its settings, fixed host ports, connections entry,
verify check and rendering on both targets from its sheet alone."""

from __future__ import annotations

import difflib
import io
import json
import shutil
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import kubernetes_validate
import pytest

import components
from components.settings import ConfigError
from offline.engine import ROOT, Plan, Secret, reveal, run_program
from tests.conftest import CONTAINER, IMAGE, config, program_with
from tests.test_identities import DEV_URNS
from verify import __main__ as cli

SHEET_FILE = ROOT / "tests" / "programs" / "sheets" / "memcached.py"
LINE = '"memcached": memcached.SHEET,'
STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"
SERVICE = "kubernetes:core/v1:Service"


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The sheet as components/memcached.py (a folder of the components package, so nothing of the
    tree is written), and the program with its line."""
    folder = tmp_path_factory.mktemp("ninth")
    (folder / "components").mkdir()
    shutil.copy(SHEET_FILE, folder / "components" / "memcached.py")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(components, "__path__", [*components.__path__, str(folder / "components")])
        yield program_with(folder, LINE, sheet_module="memcached")
        sys.modules.pop("components.memcached", None)


@pytest.fixture(scope="module")
def plan(program: Path) -> Plan:
    return run_program("dev", program=program)


def _refusal(program: Path, raw: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        run_program("dev", raw, program=program)
    return [line.strip() for line in str(caught.value).splitlines()[1:]]


def test_the_program_differs_by_its_line_and_the_sheets_name_in_its_import(program: Path) -> None:
    before = (ROOT / "__main__.py").read_text().splitlines()
    changes = [line for line in difflib.ndiff(before, program.read_text().splitlines()) if line[:2] in ("- ", "+ ")]
    assert changes == [
        "- from components import clickhouse, nats, opa, opensearch, postgres, questdb, seaweedfs, valkey",
        "+ from components import clickhouse, nats, opa, opensearch, postgres, questdb, seaweedfs, valkey, memcached",
        f"+         {LINE}",
    ]


def test_the_eight_services_keep_every_urn_and_the_ninth_registers_under_its_own_type(plan: Plan) -> None:
    urns = [r.urn for r in plan.resources]
    assert [urn for urn in urns if "Memcached" not in urn] == DEV_URNS
    assert [urn for urn in urns if "Memcached" in urn] == [
        "urn:pulumi:dev::trade2026::trade2026:infra:Memcached$docker:index/container:Container::memcached",
        "urn:pulumi:dev::trade2026::trade2026:infra:Memcached$docker:index/remoteImage:RemoteImage::memcached-image",
        "urn:pulumi:dev::trade2026::trade2026:infra:Memcached::memcached",
    ]


def test_its_settings_key_is_validated_by_its_own_model(program: Path) -> None:
    plan = run_program(
        "dev", config(services={"memcached": {"maxConnections": 4096, "memoryMb": 256}}), program=program
    )
    container = plan.get(CONTAINER, "memcached").inputs
    assert (container["command"], container["memory"]) == (["memcached", "-m", "192", "-c", "4096"], 256)
    assert _refusal(program, config(services={"memcached": {"maxConnections": 8, "memoryMb": 32, "evict": True}})) == [
        "trade2026:services.memcached.evict: unknown key",
        "trade2026:services.memcached.maxConnections: expected at least 16 (got 8)",
        "trade2026:services.memcached.memoryMb: below the 64 MB memcached needs to start (got 32)",
    ]
    assert _refusal(program, config(services={"memcached": {"securityPlugin": False}})) == [
        "trade2026:services.memcached.securityPlugin: unknown key"
    ]


@pytest.mark.parametrize(("block", "port"), [(0, 11211), (1, 20012), (3, 20052)])
def test_its_fixed_host_port_is_its_sheets_slot(program: Path, block: int, port: int) -> None:
    plan = run_program("dev", config(hostPorts="fixed", portBlock=block), program=program)
    assert [p["external"] for p in plan.get(CONTAINER, "memcached").inputs["ports"]] == [port]
    host_ports = [p["external"] for c in plan.of_type(CONTAINER) for p in c.inputs["ports"]]
    assert len(host_ports) == len(set(host_ports)) == 13


def test_it_has_its_connections_entry(plan: Plan) -> None:
    entry = plan.outputs["connections"]["memcached"]
    port = reveal(plan.outputs["endpoints"])["memcached"]["client"].rsplit(":", 1)[1]
    assert isinstance(entry, Secret)
    assert reveal(entry) == {"MEMCACHED_SERVERS": f"127.0.0.1:{port}"}


@pytest.fixture
def memcached_answer() -> Iterator[int]:
    """A loopback server answering `version` as Memcached 1.6.38 does; returns its port."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                if connection.recv(64) == b"version\r\n":
                    connection.sendall(b"VERSION 1.6.38\r\n")

    threading.Thread(target=serve, daemon=True).start()
    yield int(listener.getsockname()[1])
    listener.close()


def test_verify_finds_its_check_in_its_sheet_and_runs_it(plan: Plan, memcached_answer: int) -> None:
    assert plan.outputs["kinds"]["memcached"] == "memcached"
    outputs = {
        "endpoints": {"memcached": {"client": f"memcache://127.0.0.1:{memcached_answer}"}},
        "credentials": {},
        "kinds": reveal(plan.outputs["kinds"]),
    }
    out = io.StringIO()
    assert cli.main(["--json", "--no-progress"], stdin=io.StringIO(json.dumps(outputs)), stdout=out) == 0
    (result,) = json.loads(out.getvalue())["results"]
    assert (result["service"], result["check"], result["ok"], result["detail"]) == (
        "memcached",
        "version",
        True,
        "version 1.6.38",
    )


def test_it_renders_on_docker(plan: Plan) -> None:
    assert plan.get(IMAGE, "memcached-image").inputs["name"] == "memcached:1.6.38-alpine"
    container = plan.get(CONTAINER, "memcached").inputs
    assert container["healthcheck"]["tests"] == ["CMD-SHELL", "echo version | nc 127.0.0.1 11211 | grep -q '^VERSION '"]
    assert [n["name"] for n in container["networksAdvanced"]] == ["trade2026-dev-backend"]


def test_it_renders_on_kubernetes_as_objects_the_strict_schemas_accept(program: Path) -> None:
    plan = run_program("k8s-dev", config("k8s-dev"), program=program)
    ninth = [r for r in plan.resources if r.type.startswith("kubernetes:") and r.name.startswith("memcached")]
    assert sorted((r.type, r.name) for r in ninth) == [
        (STATEFUL_SET, "memcached"),
        (SERVICE, "memcached"),
        (SERVICE, "memcached-headless"),
    ]
    for resource in ninth:
        for version in ("1.25", "1.37"):
            kubernetes_validate.validate(reveal(resource.inputs), version, strict=True)
    (container,) = reveal(plan.get(STATEFUL_SET, "memcached").inputs)["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["memcached", "-m", "96", "-c", "1024"]
    assert reveal(plan.outputs["portForward"])["memcached"].endswith("port-forward service/memcached 11211:11211")
