"""The rendered probes, configs and init SQL against real servers from Debian's packages.

No Docker here, so the containers cannot run; what decides whether they come up healthy can:
the exact healthcheck commands, Valkey's rendered config, PostgreSQL's init SQL, NATS's flags.
Everything binds to 127.0.0.1 and is stopped at the end of its test. Locally a missing server is a
skip; in CI (CI=true), where .ci/run installs them, it is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from components.spec import HttpProbe, Port, probe_test
from offline.engine import Plan, reveal
from tests.conftest import CONTAINER

pytestmark = pytest.mark.real_server
VALKEY_CONF = "/usr/local/etc/valkey/valkey.conf"


def require(program: str) -> str:
    path = shutil.which(program) or next(Path("/usr/lib/postgresql").glob(f"*/bin/{program}"), None)
    if path is None:
        message = f"{program} is not installed (apt-get install postgresql redis-server nats-server)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return str(path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(ready: Callable[[], bool], what: str, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    pytest.fail(f"{what} not ready within {seconds:g} s")


def accepts(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def shell(command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=30, env=env)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def healthcheck(plan: Plan, key: str) -> list[str]:
    return list(plan.get(CONTAINER, key).inputs["healthcheck"]["tests"])


# bash probe (QuestDB, OpenSearch without its security plugin) ------------------------------------


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
    return probe_test(HttpProbe("health", path, tool="bash"), (Port("health", port),))[1:]  # drop "CMD"


def test_bash_probe_passes_on_200_and_sends_the_path_intact(http_server: tuple[int, type[_Status]]) -> None:
    require("bash")
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
        tests = healthcheck(dev_plan, key)
        assert tests[:3] == ["CMD", "bash", "-c"], key
        assert f"/dev/tcp/127.0.0.1/{port}" in tests[3], key


# Valkey (Debian's redis-server: Valkey 8 keeps Redis 7's config and protocol) --------------------


def _start_valkey(dev_plan: Plan, tmp_path: Path, processes: list[subprocess.Popen[bytes]]) -> tuple[int, Path]:
    server = require("redis-server")
    require("redis-cli")
    conf = reveal(dev_plan.get(CONTAINER, "valkey").inputs["uploads"][0]["content"])
    assert "dir /data\n" in conf, "the only container-specific line moved"
    port = free_port()
    path = tmp_path / "valkey.conf"
    path.write_text(conf.replace("dir /data\n", f"dir {tmp_path}\n") + f"port {port}\nbind 127.0.0.1\n")
    processes.append(subprocess.Popen([server, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    wait_until(lambda: accepts(port), "redis-server")
    return port, path


def _valkey_probe(dev_plan: Plan, port: int, conf: Path) -> str:
    command = healthcheck(dev_plan, "valkey")[1]
    assert command.startswith("valkey-cli -p 6379 ") and VALKEY_CONF in command
    return command.replace("valkey-cli -p 6379", f"redis-cli -p {port}").replace(VALKEY_CONF, str(conf))


def test_valkey_config_is_accepted_and_applied(
    dev_plan: Plan, tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    port, _conf = _start_valkey(dev_plan, tmp_path, processes)
    password = reveal(dev_plan.outputs["credentials"])["valkey"]["password"]
    env = {**os.environ, "REDISCLI_AUTH": password}
    settings = shell(
        f"redis-cli -p {port} config get appendonly; redis-cli -p {port} config get save;"
        f" redis-cli -p {port} config get maxmemory; redis-cli -p {port} config get maxmemory-policy",
        env,
    ).stdout.split()
    assert settings == [
        "appendonly",
        "yes",
        "save",
        "60",
        "1000",
        "maxmemory",
        str(192 * 1024 * 1024),
        "maxmemory-policy",
        "noeviction",
    ]


def test_valkey_probe_passes_with_the_password_from_the_config_file(
    dev_plan: Plan, tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    port, conf = _start_valkey(dev_plan, tmp_path, processes)
    result = shell(_valkey_probe(dev_plan, port, conf))
    assert result.returncode == 0, result.stderr


def test_valkey_probe_fails_on_noauth_although_the_cli_exits_0(
    dev_plan: Plan, tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    port, _conf = _start_valkey(dev_plan, tmp_path, processes)
    unauthenticated = shell(f"redis-cli -p {port} ping")
    assert (unauthenticated.returncode, unauthenticated.stdout.strip()) == (0, "NOAUTH Authentication required.")
    wrong = tmp_path / "wrong.conf"
    wrong.write_text("requirepass not-the-password\n")
    assert shell(_valkey_probe(dev_plan, port, wrong)).returncode != 0


def test_valkey_probe_fails_when_the_server_is_down(dev_plan: Plan, tmp_path: Path) -> None:
    require("redis-cli")
    conf = tmp_path / "valkey.conf"
    conf.write_text("requirepass x\n")
    assert shell(_valkey_probe(dev_plan, free_port(), conf)).returncode != 0


# PostgreSQL --------------------------------------------------------------------------------------


@pytest.fixture
def postgres(processes: list[subprocess.Popen[bytes]]) -> Iterator[tuple[int, Callable[..., list[str]]]]:
    initdb, postgres_bin = require("initdb"), require("postgres")
    psql = require("psql")
    # initdb refuses root; as root, run the server as Debian's postgres user in a directory it owns.
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    base = Path(tempfile.mkdtemp(prefix="trade2026-pg-"))
    base.chmod(0o755)
    if as_user:
        shutil.chown(base, "postgres", "postgres")
    subprocess.run(
        [*as_user, initdb, "-D", str(base / "data"), "-U", "postgres", "--auth=trust"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    server = subprocess.Popen(
        [
            *as_user,
            postgres_bin,
            "-D",
            str(base / "data"),
            "-p",
            str(port),
            "-k",
            str(base),
            "-c",
            "listen_addresses=127.0.0.1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    processes.append(server)
    wait_until(lambda: accepts(port), "postgres", 30)

    def sql(statement: str, database: str = "postgres", user: str = "postgres", file: Path | None = None) -> list[str]:
        source = ["-f", str(file)] if file else ["-c", statement]
        result = subprocess.run(
            [
                psql,
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                user,
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
                *source,
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    try:
        yield port, sql
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(base, ignore_errors=True)


def test_library_init_sql_creates_the_four_tables_with_their_references(
    dev_plan: Plan, postgres: tuple[int, Callable[..., list[str]]], tmp_path: Path
) -> None:
    _, sql = postgres
    sql("CREATE ROLE trader LOGIN")
    sql("CREATE DATABASE library OWNER trader")
    init = tmp_path / "001_library.sql"
    init.write_text(reveal(dev_plan.get(CONTAINER, "postgres").inputs["uploads"][1]["content"]))
    init.chmod(0o644)
    # As the image's entrypoint runs it: as POSTGRES_USER, in POSTGRES_DB.
    sql("", database="library", user="trader", file=init)
    tables = sql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1", "library")
    assert tables == ["backtests", "features", "models", "strategies"]
    references = sql(
        "SELECT conrelid::regclass || '->' || confrelid::regclass FROM pg_constraint WHERE contype = 'f' ORDER BY 1",
        "library",
    )
    assert references == ["backtests->models", "backtests->strategies", "models->strategies"]


def test_postgres_probe_passes_when_serving_and_fails_when_stopped(
    dev_plan: Plan, postgres: tuple[int, Callable[..., list[str]]]
) -> None:
    require("pg_isready")
    port, sql = postgres
    sql("CREATE ROLE trader LOGIN")
    command = healthcheck(dev_plan, "postgres")[1]
    assert "-p 5432" in command
    probe = command.replace("-p 5432", f"-p {port}")
    assert shell(probe).returncode == 0
    assert shell(probe.replace(f"-p {port}", f"-p {free_port()}")).returncode != 0


# NATS ------------------------------------------------------------------------------------------


def _healthz(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz?js-enabled-only=true", timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


# Debian ships nats-server 2.9, which ignores js-enabled-only (a 2.10 parameter) and answers 200
# with JetStream off too; that half of the probe's meaning is taken from the 2.10 docs.
def _start_nats(args: list[str], processes: list[subprocess.Popen[bytes]]) -> int:
    monitoring = free_port()
    args = [a if a != "8222" else str(monitoring) for a in args]
    processes.append(
        subprocess.Popen(
            [require("nats-server"), *args, "-a", "127.0.0.1", "-p", str(free_port())],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    )
    wait_until(lambda: _healthz(monitoring) != 0, "nats-server monitoring")
    return monitoring


def test_nats_command_opens_monitoring_and_reports_jetstream_healthy(
    dev_plan: Plan, tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    command = list(dev_plan.get(CONTAINER, "nats").inputs["command"])
    assert command == ["-js", "-sd", "/data", "-m", "8222"]
    monitoring = _start_nats([a if a != "/data" else str(tmp_path) for a in command], processes)
    wait_until(lambda: _healthz(monitoring) == 200, "JetStream health")


def test_the_seed_command_leaves_monitoring_closed(tmp_path: Path, processes: list[subprocess.Popen[bytes]]) -> None:
    """The compose file's `-js -sd /data`: its healthcheck on 8222 could never pass."""
    port = free_port()
    processes.append(
        subprocess.Popen(
            [require("nats-server"), "-js", "-sd", str(tmp_path), "-a", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    )
    wait_until(lambda: accepts(port), "nats-server")
    assert not accepts(8222) or _healthz(8222) == 0
