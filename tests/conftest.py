"""Shared fixtures: the program run under the mock engine, and config builders."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from components import (
    OPA,
    ClickHouse,
    Nats,
    OpenSearch,
    OpenSearchArgs,
    Postgres,
    QuestDB,
    SeaweedFS,
    ServiceArgs,
    Valkey,
)
from components.spec import ServiceSpec
from offline.engine import Plan, config_text, run_program, sdk_pickle_restored, stack_config

CONTAINER = "docker:index/container:Container"
VOLUME = "docker:index/volume:Volume"
NETWORK = "docker:index/network:Network"
IMAGE = "docker:index/remoteImage:RemoteImage"
PASSWORD = "random:index/randomPassword:RandomPassword"
# Written out, not read from the program: a service dropped from __main__.py must fail tests.
SERVICE_KEYS = ["nats", "valkey", "questdb", "clickhouse", "seaweedfs", "opensearch", "postgres", "opa"]


def config(stack: str = "dev", **overrides: Any) -> dict[str, str]:
    """The committed config of `stack`, with `trade2026:<key>` overrides as the CLI would pass them."""
    return {**stack_config(stack), **{f"trade2026:{key}": config_text(value) for key, value in overrides.items()}}


@pytest.fixture(scope="session")
def dev_plan() -> Plan:
    """The committed dev stack, as after `pulumi up` against a mock Docker."""
    return run_program("dev")


@pytest.fixture(scope="session")
def sheets() -> dict[str, ServiceSpec]:
    """Every service's data sheet with default args; declare() renders nothing, so no target."""
    args = ServiceArgs(target=None)  # type: ignore[arg-type]
    return {
        "nats": Nats.declare(args),
        "valkey": Valkey.declare(args),
        "questdb": QuestDB.declare(args),
        "clickhouse": ClickHouse.declare(args),
        "seaweedfs": SeaweedFS.declare(args),
        "opensearch": OpenSearch.declare(OpenSearchArgs(target=None)),  # type: ignore[arg-type]
        "postgres": Postgres.declare(args),
        "opa": OPA.declare(args),
    }


@pytest.fixture(autouse=True)
def _pickle_as_found() -> Iterator[None]:
    """Programs also run outside run_program (the real engine's inline programs, the provider host):
    each test leaves pickle as it found it (offline/engine.py, sdk_pickle_restored)."""
    with sdk_pickle_restored():
        yield


@pytest.fixture(autouse=True, scope="session")
def _local_docker_host() -> Iterator[None]:
    """The program reads the Docker host from the environment as the provider does; a developer's
    own DOCKER_HOST or DOCKER_CONTEXT must not change what the tests see."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("DOCKER_HOST", "DOCKER_CONTEXT"):
            patch.delenv(name, raising=False)
        yield
