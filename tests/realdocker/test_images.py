"""Each pinned image, as the engine has it (the stand-ins of tools/docker/images.sh on machines with no
registry), run exactly as the program renders its container for the dev stack: image, command,
environment, uploads (written before start, as the provider does), healthcheck, volumes, ulimits,
memory, security options; ports published on 127.0.0.1. Per service: Docker's own healthcheck
reaches `healthy`, the service answers its real protocol on the published port with the program's
clients and credentials, and once the server hangs (SIGSTOP: it keeps its sockets but answers
nothing) Docker's next run of the same probe fails. One container at a time, removed afterwards.

Needs a Docker engine (`eval "$(tools/docker/engine.sh start)"`) and the images
(`tools/docker/images.sh`): a skip locally, a failure under CI=true.
"""

from __future__ import annotations

import asyncio
import http.client
import io
import json
import os
import resource
import signal
import socket
import ssl
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from components.credential_rules import problem
from components.valkey import CONFIG_FILE
from offline.engine import Plan, reveal, run_program
from tests.conftest import config
from tests.real.support import CONTAINER, require, require_program
from tests.supplied import SECRET_KEYS, credentials_config

pytestmark = pytest.mark.real_docker

REPO = Path(__file__).resolve().parents[2]
IMAGE = "docker:index/remoteImage:RemoteImage"
# Captured at import: once the session starts, tests/conftest.py removes DOCKER_HOST so the program
# under the mock engine never sees a developer's; these tests need the caller's engine.
CALLER_ENV = dict(os.environ)
PREFIX = f"trade2026-imgtest-{os.getpid()}"
SECOND = 1_000_000_000
ENGINE_HINT = 'start one with `eval "$(tools/docker/engine.sh start)"`'
IMAGES_HINT = "build the stand-ins with `tools/docker/images.sh`"


class Engine:
    """The Docker CLI for everything but creating a container, which goes through the Engine API as
    the provider's does: only the API takes an exec-form healthcheck (the CLI's --health-cmd is
    always CMD-SHELL), and secrets then stay out of every process's argv."""

    def __init__(self, docker: str, host: str) -> None:
        self.docker = docker
        self.host = host
        self.env = {**CALLER_ENV, "DOCKER_HOST": host}

    def cli(self, *args: str, stdin: bytes | None = None, timeout: float = 120) -> str:
        result = subprocess.run(
            [self.docker, *args], input=stdin, capture_output=True, timeout=timeout, env=self.env, check=False
        )
        if result.returncode != 0:
            raise AssertionError(f"docker {' '.join(args[:2])} failed: {result.stderr.decode(errors='replace')}")
        return result.stdout.decode()

    def inspect(self, name: str) -> dict[str, Any]:
        return json.loads(self.cli("inspect", name))[0]  # type: ignore[no-any-return]

    def api(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        connection = _UnixConnection(self.host.removeprefix("unix://"))
        connection.request(method, path, json.dumps(body), {"Content-Type": "application/json"})
        response = connection.getresponse()
        data = response.read().decode()
        connection.close()
        if response.status >= 300:
            raise AssertionError(f"{method} {path}: HTTP {response.status} {data}")
        return json.loads(data) if data else {}


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=60)
        self.socket_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(60)
        self.sock.connect(self.socket_path)


@pytest.fixture(scope="module")
def engine() -> Engine:
    docker = require_program("docker", "install the Docker CLI (apt-get install docker.io)")
    found = subprocess.run(
        [str(REPO / "tools/docker/engine.sh"), "env"], capture_output=True, text=True, env=CALLER_ENV, check=False
    )
    host = found.stdout.strip().removeprefix("DOCKER_HOST=") if found.returncode == 0 else None
    require(host, "a Docker engine", ENGINE_HINT)
    assert host is not None
    if not host.startswith("unix://"):
        pytest.fail(f"these tests talk to the engine's Unix socket; DOCKER_HOST is {host}")
    return Engine(docker, host)


@pytest.fixture(scope="module")
def network(engine: Engine) -> Iterator[str]:
    name = f"{PREFIX}-net"
    engine.cli("network", "create", name)
    yield name
    engine.cli("network", "rm", name)


@dataclass(frozen=True)
class Running:
    name: str
    inputs: dict[str, Any]
    # Container port -> the loopback port Docker published it on.
    ports: dict[int, int]
    seconds_to_healthy: float

    def url(self, port: int, path: str = "") -> str:
        return f"http://127.0.0.1:{self.ports[port]}{path}"


def _duration(text: str) -> int:
    """A Go duration as the program renders them ("10s", "1m0s") in nanoseconds."""
    total, number = 0, ""
    for char in text:
        if char.isdigit():
            number += char
        else:
            total += int(number) * {"s": SECOND, "m": 60 * SECOND, "h": 3600 * SECOND}[char]
            number = ""
    return total


def _create_body(inputs: dict[str, Any], image: str, network: str, volumes: list[str]) -> dict[str, Any]:
    check = inputs["healthcheck"]
    ports = inputs.get("ports") or []
    return {
        "Image": image,
        "Cmd": inputs.get("command") or None,
        "Env": inputs.get("envs") or [],
        "ExposedPorts": {f"{port['internal']}/tcp": {} for port in ports},
        "StopTimeout": inputs.get("stopTimeout"),
        "Healthcheck": {
            "Test": check["tests"],
            "Interval": _duration(check["interval"]),
            "Timeout": _duration(check["timeout"]),
            "StartPeriod": _duration(check["startPeriod"]),
            "Retries": check["retries"],
        },
        "Labels": {label["label"]: label["value"] for label in inputs.get("labels") or []},
        "HostConfig": {
            "PortBindings": {f"{port['internal']}/tcp": [{"HostIp": port["ip"], "HostPort": ""}] for port in ports},
            "Binds": [
                f"{volume}:{spec['containerPath']}"
                for volume, spec in zip(volumes, inputs.get("volumes") or [], strict=True)
            ],
            "Memory": inputs["memory"] * 1024 * 1024,
            "Ulimits": [
                {"Name": limit["name"], "Soft": limit["soft"], "Hard": limit["hard"]}
                for limit in inputs.get("ulimits") or []
            ],
            "SecurityOpt": inputs.get("securityOpts") or [],
            "LogConfig": {"Type": inputs["logDriver"], "Config": inputs.get("logOpts") or {}},
            "RestartPolicy": {"Name": inputs["restart"]},
        },
        "NetworkingConfig": {
            "EndpointsConfig": {network: {"Aliases": inputs["networksAdvanced"][0]["aliases"]}},
        },
    }


def _uploads_tar(uploads: list[dict[str, Any]]) -> bytes:
    """The container's uploads as one tar, as the provider writes them: root-owned, mode 0644."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for upload in uploads:
            data = str(upload["content"]).encode()
            info = tarfile.TarInfo(str(upload["file"]).lstrip("/"))
            info.size, info.mode = len(data), 0o744 if upload.get("executable") else 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _failure(engine: Engine, name: str, what: str) -> str:
    state = engine.inspect(name)["State"]
    logs = subprocess.run(
        [engine.docker, "logs", "--tail", "30", name], capture_output=True, text=True, env=engine.env, check=False
    )
    return f"{what}; state {json.dumps(state)[:1500]}\nlogs:\n{logs.stdout[-3000:]}{logs.stderr[-3000:]}"


@contextmanager
def created(
    engine: Engine, plan: Plan, network: str, key: str, env: dict[str, str] | None = None, restart: str | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The container of `key` as rendered (with `env` values replacing or adding rendered ones, and
    another restart policy if given), created but not started, its uploads written; removed with its
    volumes afterwards."""
    inputs: dict[str, Any] = reveal(plan.get(CONTAINER, key).inputs)
    if env:
        kept = [entry for entry in inputs.get("envs") or [] if entry.partition("=")[0] not in env]
        inputs = {**inputs, "envs": kept + [f"{name}={value}" for name, value in env.items()]}
    if restart:
        inputs = {**inputs, "restart": restart}
    image = str(plan.get(IMAGE, f"{key}-image").inputs["name"])
    found = subprocess.run(
        [engine.docker, "image", "inspect", image], capture_output=True, env=engine.env, check=False
    ).returncode
    require(image if found == 0 else None, f"the image {image}", IMAGES_HINT)
    name = f"{PREFIX}-{key}"
    volumes = [f"{PREFIX}-{spec['volumeName']}" for spec in inputs.get("volumes") or []]
    try:
        engine.api("POST", f"/containers/create?name={name}", _create_body(inputs, image, network, volumes))
        if inputs.get("uploads"):
            engine.cli("cp", "-", f"{name}:/", stdin=_uploads_tar(inputs["uploads"]))
        yield name, inputs
    finally:
        subprocess.run([engine.docker, "rm", "-f", "-v", name], capture_output=True, env=engine.env, check=False)
        for volume in volumes:
            subprocess.run([engine.docker, "volume", "rm", volume], capture_output=True, env=engine.env, check=False)


@contextmanager
def running(engine: Engine, plan: Plan, network: str, key: str) -> Iterator[Running]:
    with created(engine, plan, network, key) as (name, inputs):
        started = time.monotonic()
        engine.cli("start", name)
        deadline = started + inputs["waitTimeout"]
        while (health := engine.inspect(name)["State"].get("Health", {}).get("Status")) != "healthy":
            if time.monotonic() > deadline:
                pytest.fail(_failure(engine, name, f"{key}: not healthy within {inputs['waitTimeout']} s ({health})"))
            time.sleep(0.5)
        ports = {
            int(port.split("/")[0]): int(bound[0]["HostPort"])
            for port, bound in engine.inspect(name)["NetworkSettings"]["Ports"].items()
            if bound
        }
        print(f"{key}: healthy {time.monotonic() - started:.1f} s after start")
        yield Running(name, inputs, ports, time.monotonic() - started)


def assert_probe_fails_when_hung(engine: Engine, container: Running) -> None:
    """SIGSTOP the container's main process (the server: every entrypoint execs it), then wait for
    Docker's next run of the rendered probe; it must fail, and it passed before."""
    before = engine.inspect(container.name)["State"]["Health"]
    assert before["FailingStreak"] == 0 and before["Log"][-1]["ExitCode"] == 0, before
    pid = int(engine.inspect(container.name)["State"]["Pid"])
    os.kill(pid, signal.SIGSTOP)
    try:
        check = container.inputs["healthcheck"]
        deadline = time.monotonic() + (_duration(check["interval"]) + _duration(check["timeout"])) / SECOND + 15
        while (health := engine.inspect(container.name)["State"]["Health"])["FailingStreak"] < 1:
            assert time.monotonic() < deadline, f"the probe still passes with the server stopped: {health}"
            time.sleep(0.5)
        assert health["Log"][-1]["ExitCode"] != 0, health["Log"][-1]
    finally:
        os.kill(pid, signal.SIGCONT)


def assert_ulimits_applied(engine: Engine, container: Running) -> None:
    """The limits the server really runs with: the rendered ulimits, or on a host that cannot raise
    them (no CAP_SYS_RESOURCE) the host's hard limit, to which the engine's trade2026-clamp runtime
    lowers them (tools/docker/engine.sh); without the clamp such a container does not start at all."""
    units = {"nofile": ("-n", resource.RLIMIT_NOFILE, 1), "memlock": ("-l", resource.RLIMIT_MEMLOCK, 1024)}
    for limit in container.inputs["ulimits"]:
        flag, number, unit = units[limit["name"]]
        host = resource.getrlimit(number)[1]
        wanted = limit["soft"] if limit["soft"] >= 0 else resource.RLIM_INFINITY
        if host != resource.RLIM_INFINITY and (wanted == resource.RLIM_INFINITY or wanted > host):
            wanted = host
        expected = "unlimited" if wanted == resource.RLIM_INFINITY else str(wanted // unit)
        shown = engine.cli("exec", container.name, "sh", "-c", f"ulimit -S {flag}").strip()
        assert shown == expected, f"{limit['name']}: {shown} in the container, expected {expected}"


def fetch(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode()


# What each service answers on its published port, with the program's clients and credentials. -----


def nats(container: Running, login: dict[str, str]) -> None:
    import nats as nats_client

    async def round_trip() -> None:
        client = await nats_client.connect(f"nats://127.0.0.1:{container.ports[4222]}", connect_timeout=5)
        try:
            stream = await client.jetstream().add_stream(name="IMAGETEST", subjects=["imagetest.>"])
            ack = await client.jetstream().publish("imagetest.one", b"hello")
            assert (stream.config.name, ack.seq) == ("IMAGETEST", 1)
        finally:
            await client.close()

    asyncio.run(round_trip())


def valkey(container: Running, login: dict[str, str]) -> None:
    import valkey as valkey_client

    client = valkey_client.Valkey(host="127.0.0.1", port=container.ports[6379], password=login["password"])
    assert client.set("imagetest", "1") is True
    assert client.get("imagetest") == b"1"
    with pytest.raises(valkey_client.AuthenticationError):
        valkey_client.Valkey(host="127.0.0.1", port=container.ports[6379], password="wrong").ping()
    config = next(u["content"] for u in container.inputs["uploads"] if u["file"] == CONFIG_FILE)
    assert f"requirepass {login['password']}" in config


def questdb(container: Running, login: dict[str, str]) -> None:
    import psycopg

    dsn = f"host=127.0.0.1 port={container.ports[8812]} user={login['user']} password={login['password']} dbname=qdb"
    with psycopg.connect(dsn, connect_timeout=10, autocommit=True) as connection:
        assert connection.execute("SELECT 41 + 1").fetchone() == (42,)
    status, body = fetch(container.url(9000, "/exec?query=SELECT%201"))
    assert status == 200 and '"dataset":[[1]]' in body, body


def clickhouse(container: Running, login: dict[str, str]) -> None:
    headers = {"X-ClickHouse-User": login["user"], "X-ClickHouse-Key": login["password"]}
    status, body = fetch(container.url(8123, "/"), b"SHOW TABLES FROM trading", headers)
    # The rendered init script ran on first start, into the database CLICKHOUSE_DB made.
    assert (status, body.split()) == (200, ["order_analytics", "portfolio_snapshots", "prism_analytics"]), body
    status, body = fetch(container.url(8123, "/"), b"SELECT 1", {**headers, "X-ClickHouse-Key": "wrong"})
    assert status == 403 and "AUTHENTICATION_FAILED" in body, body
    # verify's ClickHouse check: clickhouse-connect, as the applications connect, with bound parameters.
    outputs = {"endpoints": {"clickhouse": {"http": container.url(8123)}}, "credentials": {"clickhouse": login}}
    verified = subprocess.run(
        [sys.executable, "-m", "verify", "--no-progress", "--json", "--attempts", "1"],
        input=json.dumps(outputs),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert [(r["service"], r["ok"], r["detail"]) for r in json.loads(verified.stdout)["results"]] == [
        ("clickhouse", True, "INSERT, SELECT, DELETE on trading.prism_analytics")
    ]


def seaweedfs(container: Running, login: dict[str, str]) -> None:
    import boto3
    from botocore.exceptions import ClientError

    def s3(access: str, secret: str) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=container.url(8333),
            aws_access_key_id=access,
            aws_secret_access_key=secret,
            region_name="us-east-1",
        )

    client = s3(login["accessKey"], login["secretKey"])
    client.create_bucket(Bucket="imagetest")
    client.put_object(Bucket="imagetest", Key="one", Body=b"hello")
    assert client.get_object(Bucket="imagetest", Key="one")["Body"].read() == b"hello"
    with pytest.raises(ClientError):
        s3(login["accessKey"], "wrong").list_objects_v2(Bucket="imagetest")


def opensearch(container: Running, login: dict[str, str]) -> None:
    from opensearchpy import OpenSearch

    client = OpenSearch(hosts=[container.url(9200)], timeout=30)
    client.index(index="imagetest", id="1", body={"symbol": "BTCUSDT"}, refresh=True)
    assert client.get(index="imagetest", id="1")["_source"] == {"symbol": "BTCUSDT"}
    assert client.cluster.health()["cluster_name"] == "docker-cluster"


def postgres(container: Running, login: dict[str, str]) -> None:
    import psycopg

    dsn = (
        f"host=127.0.0.1 port={container.ports[5432]} user={login['user']} password={login['password']}"
        f" dbname={login['database']}"
    )
    with psycopg.connect(dsn, connect_timeout=10) as connection:
        # Made by the rendered init script, as the superuser POSTGRES_USER, in POSTGRES_DB.
        owner = connection.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'strategies'").fetchone()
        assert owner == (login["user"],)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(dsn.replace(login["password"], "wrong"), connect_timeout=10)


def opa(container: Running, login: dict[str, str]) -> None:
    order: dict[str, Any] = {"input": {"order": {"size": 10, "symbol": "BTCUSDT"}, "user": {"role": "trader"}}}
    status, body = fetch(container.url(8181, "/v1/data/trading/allow"), json.dumps(order).encode())
    assert (status, json.loads(body)) == (200, {"result": True}), body
    order["input"]["order"]["symbol"] = "DOGEUSDT"
    status, body = fetch(container.url(8181, "/v1/data/trading/allow"), json.dumps(order).encode())
    assert (status, json.loads(body)) == (200, {"result": False}), body


ANSWERS: dict[str, Callable[[Running, dict[str, str]], None]] = {
    "nats": nats,
    "valkey": valkey,
    "questdb": questdb,
    "clickhouse": clickhouse,
    "seaweedfs": seaweedfs,
    "opensearch": opensearch,
    "postgres": postgres,
    "opa": opa,
}


@pytest.mark.parametrize("key", list(ANSWERS))
def test_pinned_image_runs_as_rendered_answers_and_its_probe_fails_when_the_server_hangs(
    key: str, engine: Engine, network: str, dev_plan: Plan
) -> None:
    login = reveal(dev_plan.outputs["credentials"]).get(key, {})
    with running(engine, dev_plan, network, key) as container:
        ANSWERS[key](container, login)
        if container.inputs.get("ulimits"):
            assert_ulimits_applied(engine, container)
        assert_probe_fails_when_hung(engine, container)


# The prod stack's OpenSearch: the security plugin on (TLS on 9200, the admin login), served by the
# stand-in's stand-in of that plugin. -----------------------------------------------------------------

# Every character the shell, printf, sed, curl's config syntax and a URL treat specially, in one
# password the plugin accepts (as tests/real/test_opensearch_login_probe.py uses it).
ADMIN_PASSWORD = "Pr0be \"q\\uote' %s $HOME `id` \\n&x:@/"


@pytest.fixture(scope="module")
def prod_plan() -> Plan:
    assert problem("opensearch", "admin-password", ADMIN_PASSWORD) is None
    raw = {**config("prod"), **credentials_config({"opensearch": {"admin-password": ADMIN_PASSWORD}})}
    return run_program("prod", raw, secret_keys=SECRET_KEYS)


def test_prod_opensearch_serves_https_with_the_admin_login_and_its_probe_fails_when_the_node_hangs(
    engine: Engine, network: str, prod_plan: Plan
) -> None:
    from opensearchpy import OpenSearch
    from opensearchpy.exceptions import AuthenticationException

    url = reveal(prod_plan.outputs["connections"])["opensearch"]["OPENSEARCH_URL"]
    assert url.startswith("https://admin:") and url.endswith("@127.0.0.1:9200"), "the connections URL changed"
    with running(engine, prod_plan, network, "opensearch") as container:
        # Published on a free port, not the rendered fixed 9200.
        published = url.replace("@127.0.0.1:9200", f"@127.0.0.1:{container.ports[9200]}")
        client = OpenSearch(hosts=[published], verify_certs=False, ssl_show_warn=False, timeout=30)
        client.index(index="imagetest", id="1", body={"symbol": "BTCUSDT", "side": "buy"}, refresh=True)
        hits = client.search(index="imagetest", body={"query": {"match": {"symbol": "BTCUSDT"}}})["hits"]
        assert [(hit["_id"], hit["_source"]) for hit in hits["hits"]] == [("1", {"symbol": "BTCUSDT", "side": "buy"})]
        wrong = published.replace("Pr0be", "Wr0ng")
        with pytest.raises(AuthenticationException) as refused:
            OpenSearch(hosts=[wrong], verify_certs=False, ssl_show_warn=False, timeout=30).info()
        assert refused.value.status_code == 401
        status, headers = _https_status(container.ports[9200], "/")
        assert (status, headers.get("WWW-Authenticate")) == (401, 'Basic realm="OpenSearch Security"')
        # TLS only: plain HTTP on the same port gets no answer.
        with pytest.raises((http.client.HTTPException, OSError)):
            fetch(container.url(9200, "/"))
        assert ssl.DER_cert_to_PEM_cert(_server_certificate(container.ports[9200])).startswith("-----BEGIN CERTIFICATE")
        assert_ulimits_applied(engine, container)
        assert_probe_fails_when_hung(engine, container)


def _https_status(port: int, path: str) -> tuple[int, http.client.HTTPMessage]:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.headers
    finally:
        connection.close()


def _server_certificate(port: int) -> bytes:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, context.wrap_socket(raw) as tls:
        certificate = tls.getpeercert(binary_form=True)
    assert certificate is not None
    return certificate


@pytest.mark.parametrize(
    ("password", "said"),
    [
        (
            "",
            "No custom admin password found. Please provide a password via the environment variable"
            " OPENSEARCH_INITIAL_ADMIN_PASSWORD.",
        ),
        (
            "Admin12345!",
            'Password (not shown by the trade2026 stand-in) failed validation: "Weak password". Please re-try with a'
            " minimum 8 character password and must contain at least one uppercase letter, one lowercase letter, one"
            " digit, and one special character that is strong. Password strength can be tested here:"
            " https://lowe.github.io/tryzxcvbn",
        ),
    ],
    ids=["missing", "weak"],
)
def test_prod_opensearch_refuses_to_start_without_a_strong_admin_password_as_the_image_does(
    engine: Engine, network: str, prod_plan: Plan, password: str, said: str
) -> None:
    # No restart (the rendered policy restarts it), so its first exit stays in view.
    env = {"OPENSEARCH_INITIAL_ADMIN_PASSWORD": password}
    with created(engine, prod_plan, network, "opensearch", env, restart="no") as (name, _):
        engine.cli("start", name)
        deadline = time.monotonic() + 60
        while (state := engine.inspect(name)["State"])["Status"] != "exited":
            assert time.monotonic() < deadline, f"still {state['Status']} with a refused password"
            time.sleep(0.5)
        logs = subprocess.run(
            [engine.docker, "logs", name], capture_output=True, text=True, env=engine.env, check=False
        )
    # The image's entrypoint ends with status 1 when its demo installer refuses.
    assert state["ExitCode"] == 1, logs.stdout + logs.stderr
    assert said in logs.stdout.splitlines(), logs.stdout
    if password:
        assert password not in logs.stdout + logs.stderr
