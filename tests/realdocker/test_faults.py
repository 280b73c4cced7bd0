"""Faults in the middle of a real `pulumi up`: a container killed, Ctrl-C, the Docker engine
restarted. Each strikes while `up` waits for a replacement Valkey container to turn healthy (its
memory changed, which replaces it; PostgreSQL's is updated in place). After each, the next `pulumi up`
(plain, or `--refresh` once the engine restarted, as docs/docker.md tells users) must converge:
nothing left to change, one container per service and all healthy, the endpoints what Docker
really bound, and the data written before the fault still there.

Two services (Valkey and PostgreSQL, each with a data volume) are enough: a replace and an
in-place update are the two ways an `up` touches a container, the same for all eight.
One stack for the module, in order: each fault starts from the converged stack the one before left.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import redis
import yaml

from tests.real.support import require
from tests.realdocker.stacks import DockerStack, docker_stack, interrupt
from tests.realdocker.support import DOCKER_HOST, docker
from tests.realengine.support import ROOT

pytestmark = pytest.mark.real_docker

RUNNING = ["postgres", "valkey"]
CANARY = "written before the fault"


def subset() -> str:
    """Pulumi.dev.yaml with all but the two switched off, as `pulumi config set --path
    'trade2026:services.<name>.enabled' false` leaves it."""
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    services = document["config"].setdefault("trade2026:services", {})
    for service in ("nats", "questdb", "clickhouse", "seaweedfs", "opensearch", "opa"):
        services.setdefault(service, {})["enabled"] = False
    return yaml.safe_dump(document)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DockerStack]:
    with docker_stack(tmp_path_factory.mktemp("faults"), "dev-faults") as made:
        made.stack_file(subset())
        made.up_sh()
        connections = made.outputs()["connections"]
        redis.Redis.from_url(connections["valkey"]["REDIS_URL"]).set("canary", CANARY)
        with psycopg.connect(connections["postgres"]["DATABASE_URL"], autocommit=True) as session:
            session.execute("CREATE TABLE canary (note text)")
            session.execute("INSERT INTO canary VALUES (%s)", (CANARY,))
        yield made


def health(stack: DockerStack) -> dict[str, str | None]:
    return {service: (item["State"].get("Health") or {}).get("Status") for service, item in stack.containers().items()}


def until(condition: Callable[[], bool], what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.3)


def up_with_a_fault(stack: DockerStack, memory_mb: int, fault: Callable[[subprocess.Popen[str]], None]) -> str:
    """Change both services' memory, start `pulumi up`, strike once the replacement Valkey is
    starting, and return what `up` printed. `up` must have failed: the fault is real."""
    for service in RUNNING:
        stack.set(f"trade2026:services.{service}.memoryMb", str(memory_mb))
    before = stack.containers()["valkey"]["Id"]
    running = stack.start("up", "--yes", "--skip-preview")
    until(
        lambda: (
            (item := stack.containers().get("valkey")) is not None
            and item["Id"] != before
            and (item["State"].get("Health") or {}).get("Status") == "starting"
        ),
        "a replacement Valkey container starting",
    )
    fault(running)
    printed, _ = running.communicate(timeout=600)
    assert running.returncode != 0, printed
    return printed


def assert_converged(stack: DockerStack, memory_mb: int, *up: str) -> None:
    """The `pulumi up` users are told to run, then: no change left, no duplicate, all healthy at
    the new memory, the endpoints Docker bound, the data there."""
    stack.pulumi("up", "--yes", *up)
    stack.pulumi("preview", "--expect-no-changes")
    labelled = docker(
        "ps", "--all", "--filter", "label=trade2026.stack=dev-faults", "--format", '{{.Label "trade2026.service"}}'
    )
    assert sorted(labelled.split()) == RUNNING, "one container per service, no leftover"
    containers = stack.containers()
    assert health(stack) == dict.fromkeys(RUNNING, "healthy")
    assert {s: c["HostConfig"]["Memory"] for s, c in containers.items()} == dict.fromkeys(RUNNING, memory_mb << 20)
    outputs = stack.outputs()
    for service, endpoint in outputs["endpoints"].items():
        assert endpoint["client"].endswith(f":{bound_port(service)}"), f"{service}: {endpoint}, Docker bound another"
    connections = outputs["connections"]
    assert redis.Redis.from_url(connections["valkey"]["REDIS_URL"]).get("canary") == CANARY.encode()
    with psycopg.connect(connections["postgres"]["DATABASE_URL"]) as session:
        assert session.execute("SELECT note FROM canary").fetchall() == [(CANARY,)]


def bound_port(service: str) -> str:
    """The host port Docker bound for the service's one published port."""
    return docker("port", f"trade2026-dev-faults-{service}").strip().rsplit(":", 1)[-1]


def test_a_container_killed_while_up_waits_for_it_is_replaced_by_the_next_up(stack: DockerStack) -> None:
    def kill(_: subprocess.Popen[str]) -> None:
        docker("kill", "trade2026-dev-faults-valkey")

    # The provider records the failed create, so the next up replaces that container.
    assert "container failed to be in healthy state" in up_with_a_fault(stack, 320, kill)
    assert_converged(stack, 320)


def test_ctrl_c_during_up_leaves_a_stack_the_next_up_finishes(stack: DockerStack) -> None:
    # One Ctrl-C: the CLI lets the operation under way finish, records it, then stops.
    printed = up_with_a_fault(stack, 352, interrupt)
    assert "^C received; cancelling" in printed and "update canceled" in printed, printed
    assert_converged(stack, 352)


def engine_folder() -> Path:
    """The folder of the engine DOCKER_HOST names, when tools/docker/engine.sh started it: only
    then may a test stop and start it (an adopted engine is someone else's)."""
    socket = Path(DOCKER_HOST.removeprefix("unix://"))
    started = (socket.parent / "started-by-engine-sh.pid").is_file()
    require(
        socket.parent if started else None,
        f"an engine started by tools/docker/engine.sh on {DOCKER_HOST}",
        "run tools/docker/engine.sh start",
    )
    return socket.parent


def engine_sh(folder: Path, command: str) -> None:
    env = {key: value for key, value in os.environ.items() if key != "DOCKER_HOST"}
    env["TRADE2026_DOCKER_DIR"] = str(folder)
    subprocess.run(
        [str(ROOT / "tools" / "docker" / "engine.sh"), command], env=env, check=True, capture_output=True, timeout=120
    )


def test_the_engine_restarted_during_up_leaves_a_stack_the_next_up_finishes(stack: DockerStack) -> None:
    folder = engine_folder()

    def restart(_: subprocess.Popen[str]) -> None:
        engine_sh(folder, "stop")
        engine_sh(folder, "start")

    postgres_port = bound_port("postgres")
    assert "Cannot connect to the Docker daemon" in up_with_a_fault(stack, 384, restart)
    # The engine restarted the containers it stopped (restart: unless-stopped), on host ports it
    # picked again; a plain up does not read them back, so the outputs keep the old one.
    stack.pulumi("up", "--yes")
    if bound_port("postgres") != postgres_port:
        assert stack.outputs()["endpoints"]["postgres"]["client"].endswith(f":{postgres_port}")
    assert_converged(stack, 384, "--refresh")
