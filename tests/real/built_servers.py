"""Servers built from the Go module proxy and Maven Central by the tools/ scripts (OPA, QuestDB, an
OpenSearch node), started on loopback with the configuration the program rendered: only ports and
paths remapped. Each fixture yields where the server listens and stops it at the end.

The binaries live in the tool cache (`support.CACHE/<tool>-<version>/`); a missing one is a skip
locally and a failure in CI (`support.require`), with the tools/ command that builds it.
"""

from __future__ import annotations

import os
import re
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from offline.engine import Plan
from tests.real.support import CACHE, Processes, Rendered, free_port, require, require_program, wait_until

TOOLS = Path(__file__).resolve().parents[2] / "tools"
OPENSEARCH_LAUNCHER = Path(__file__).resolve().parent / "opensearch-node"
LOOPBACK = "127.0.0.1"


def _versions() -> dict[str, str]:
    lines = (TOOLS / "versions.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def _opensearch_version() -> str:
    found = re.search(r"<opensearch.version>(.+)</opensearch.version>", (OPENSEARCH_LAUNCHER / "pom.xml").read_text())
    assert found, "tests/real/opensearch-node/pom.xml lost its <opensearch.version>"
    return found.group(1)


OPA_VERSION = _versions()["OPA_VERSION"]
QUESTDB_VERSION = _versions()["QUESTDB_VERSION"]
OPENSEARCH_VERSION = _opensearch_version()


def _built(path: Path, what: str, script: str) -> Path:
    return require(path if path.exists() else None, what, f"build it with tools/{script} (into {path.parent})")


def opa_binary() -> Path:
    return _built(CACHE / f"opa-{OPA_VERSION}" / "bin" / "opa", f"opa {OPA_VERSION}", "opa.sh")


def http_status(url: str, timeout: float = 2) -> int:
    """The HTTP status `url` answers with, 0 when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


def wait_serving(
    processes: Processes, process: subprocess.Popen[bytes], ready: Callable[[], bool], what: str, seconds: float
) -> None:
    """Wait until `ready`, failing at once with the server's log if the server exits first."""

    def ready_or_exited() -> bool:
        if process.poll() is not None:
            pytest.fail(
                f"{what} exited with {process.returncode} before it was ready:\n{processes.log(process)[-3000:]}"
            )
        return ready()

    wait_until(ready_or_exited, what, seconds)


def remap(argv: list[str], replace: Mapping[str, str]) -> list[str]:
    """`argv` with container-only strings (addresses, ports, paths) replaced, nothing else touched."""
    for old, new in replace.items():
        argv = [arg.replace(old, new) for arg in argv]
    return argv


def write_uploads(uploads: Mapping[str, str], root: Path) -> None:
    """Write the container's uploaded files under `root`, keeping their absolute paths below it."""
    for path, content in uploads.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)


# OPA ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpaServer:
    host: str
    port: int
    # The command line that ran, program first: the rendered command with address and paths remapped.
    argv: list[str]
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def probe(self, rendered: Rendered, port: int | None = None) -> list[str]:
        """The rendered healthcheck aimed at this server (or at `port`), run by the built binary."""
        return rendered.probe({"/opa": str(opa_binary()), "127.0.0.1:8181": f"{self.host}:{port or self.port}"})


def start_opa(processes: Processes, rendered: Rendered, root: Path, *, wait: bool = True) -> OpaServer:
    """`opa run` with the rendered command: the rendered policy files written under `root`, the
    listen address moved to a free loopback port."""
    binary = opa_binary()
    write_uploads(rendered.uploads, root)
    port = free_port()
    argv = [
        str(binary),
        *remap(rendered.command, {"0.0.0.0:8181": f"{LOOPBACK}:{port}", "/policies": str(root / "policies")}),
    ]
    server = OpaServer(LOOPBACK, port, argv, processes.start(argv, cwd=root))
    if wait:
        wait_serving(processes, server.process, lambda: http_status(f"{server.url}/health") == 200, "opa", 30)
    return server


@pytest.fixture
def opa_server(dev_plan: Plan, processes: Processes, tmp_path: Path) -> OpaServer:
    return start_opa(processes, Rendered.of(dev_plan, "opa"), tmp_path)


# QuestDB -----------------------------------------------------------------------------------------

# Container port -> the server.conf key whose QDB_ variable moves it (QDB_ + key upper-cased, dots
# to underscores, as the image reads its environment).
QUESTDB_BINDS = {
    9000: "http.bind.to",
    9009: "line.tcp.net.bind.to",
    8812: "pg.net.bind.to",
    9003: "http.min.net.bind.to",
}


def questdb_jar() -> Path:
    return _built(
        CACHE / f"questdb-{QUESTDB_VERSION}" / f"questdb-{QUESTDB_VERSION}.jar",
        f"QuestDB {QUESTDB_VERSION}",
        "questdb.sh",
    )


@dataclass(frozen=True)
class QuestDBServer:
    host: str
    # Container port -> loopback port.
    ports: dict[int, int]
    env: dict[str, str]
    process: subprocess.Popen[bytes]

    def probe(self, rendered: Rendered) -> list[str]:
        return rendered.probe({"127.0.0.1/9003": f"{self.host}/{self.ports[9003]}"})


def start_questdb(processes: Processes, rendered: Rendered, root: Path) -> QuestDBServer:
    """QuestDB's own ServerMain with the rendered environment, each listener on a free loopback
    port, data under `root` (the container's /var/lib/questdb)."""
    jar = questdb_jar()
    java = require_program("java", "install a Java 17 runtime (apt-get install openjdk-17-jre-headless)")
    ports = {number: free_port() for number in QUESTDB_BINDS}
    binds = {"QDB_" + key.upper().replace(".", "_"): f"{LOOPBACK}:{ports[n]}" for n, key in QUESTDB_BINDS.items()}
    assert not binds.keys() & rendered.env.keys(), "the program now sets a listen address itself"
    env = {**rendered.env, **binds}
    root.mkdir(parents=True, exist_ok=True)
    # The image's entrypoint puts JVM_PREPEND's options on its java command; so do we.
    jvm = rendered.env.get("JVM_PREPEND", "").split()
    process = processes.start(
        [java, *jvm, "-p", str(jar), "-m", "io.questdb/io.questdb.ServerMain", "-d", str(root)],
        env={**os.environ, **env},
        cwd=root,
    )
    server = QuestDBServer(LOOPBACK, ports, env, process)
    # The health server answers once the engine is up; first start unpacks the web console (~10 s).
    wait_serving(processes, process, lambda: http_status(f"http://{LOOPBACK}:{ports[9003]}/") == 200, "QuestDB", 90)
    return server


@pytest.fixture(scope="module")
def questdb_server(dev_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Iterator[QuestDBServer]:
    """One healthy server shared by a module's tests (a start costs ~10 s); tests that stop a
    server start their own with `start_questdb`."""
    root = tmp_path_factory.mktemp("questdb")
    started = Processes(root)
    try:
        yield start_questdb(started, Rendered.of(dev_plan, "questdb"), root / "root")
    finally:
        started.stop_all()


# OpenSearch --------------------------------------------------------------------------------------


def opensearch_launcher() -> Path:
    return _built(
        CACHE / f"opensearch-{OPENSEARCH_VERSION}" / "opensearch-node.jar",
        f"OpenSearch {OPENSEARCH_VERSION} node",
        "opensearch.sh",
    )


# Rendered variables the image's entrypoint acts on that have no meaning for a bare node, and why.
OPENSEARCH_NOT_APPLIED = {
    # Read by Bootstrap (mlockall before the node starts), which the launcher does not run; the
    # node accepts the setting and does nothing with it.
    "bootstrap.memory_lock": "memory locking is done by the distribution's Bootstrap, not by the node",
    # The launcher loads no security plugin at all, which is what this variable asks for.
    "DISABLE_SECURITY_PLUGIN": "no security plugin is on the classpath",
    "DISABLE_INSTALL_DEMO_CONFIG": "no security plugin, so no demo certificates to install",
}


@dataclass(frozen=True)
class OpenSearchNode:
    host: str
    port: int
    # Node settings passed as key=value, and the JVM options, that ran.
    settings: dict[str, str]
    jvm_options: list[str]
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def probe(self, rendered: Rendered) -> list[str]:
        return rendered.probe({"127.0.0.1/9200": f"{self.host}/{self.port}"})


def start_opensearch(processes: Processes, rendered: Rendered, root: Path) -> OpenSearchNode:
    """One node: the rendered node settings (the dotted variables the image's entrypoint turns into
    -E settings) and heap options, plus what the distribution would otherwise supply (home, data
    path, loopback ports, netty4), with disk watermarks off since the test host's disk is not ours."""
    launcher = opensearch_launcher()
    java = require_program("java", "install a Java 17 runtime (apt-get install openjdk-17-jre-headless)")
    port = free_port()
    settings = {key: value for key, value in rendered.env.items() if "." in key and key not in OPENSEARCH_NOT_APPLIED}
    settings.update(
        {
            "path.home": str(root),
            "path.data": str(root / "data"),
            "network.host": LOOPBACK,
            "http.port": str(port),
            "transport.port": str(free_port()),
            "http.type": "netty4",
            "transport.type": "netty4",
            "cluster.routing.allocation.disk.threshold_enabled": "false",
        }
    )
    jvm_options = rendered.env["OPENSEARCH_JAVA_OPTS"].split()
    root.mkdir(parents=True, exist_ok=True)
    process = processes.start(
        [java, *jvm_options, "-cp", f"{launcher}:{launcher.parent / 'lib'}/*", "trade2026.OpenSearchNode"]
        + [f"{key}={value}" for key, value in settings.items()],
        cwd=root,
    )
    node = OpenSearchNode(LOOPBACK, port, settings, jvm_options, process)
    healthy = f"{node.url}/_cluster/health?wait_for_status=yellow&timeout=1s"
    wait_serving(processes, process, lambda: http_status(healthy) == 200, "OpenSearch", 120)
    return node


@pytest.fixture(scope="module")
def opensearch_node(dev_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenSearchNode]:
    """One healthy node shared by a module's tests (a start costs ~15 s); tests that stop or
    break a node start their own with `start_opensearch`."""
    root = tmp_path_factory.mktemp("opensearch")
    started = Processes(root)
    try:
        yield start_opensearch(started, Rendered.of(dev_plan, "opensearch"), root / "home")
    finally:
        started.stop_all()
