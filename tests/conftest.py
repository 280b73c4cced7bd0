"""Shared fixtures: the program run under the mock engine, and config builders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from components import clickhouse, nats, opa, opensearch, postgres, questdb, seaweedfs, valkey
from components.catalog import Catalog
from components.spec import ServiceSpec
from offline.engine import ROOT, Plan, config_text, run_program, sdk_pickle_restored, stack_config

CONTAINER = "docker:index/container:Container"
VOLUME = "docker:index/volume:Volume"
NETWORK = "docker:index/network:Network"
IMAGE = "docker:index/remoteImage:RemoteImage"
PASSWORD = "random:index/randomPassword:RandomPassword"
# Written out, not read from the program: a service dropped from __main__.py must fail tests.
SERVICE_KEYS = ["nats", "valkey", "questdb", "clickhouse", "seaweedfs", "opensearch", "postgres", "opa"]
# The program's instances, written out as __main__.py names them: what the settings tests parse for.
CATALOG = Catalog(
    {
        "nats": nats.SHEET,
        "valkey": valkey.SHEET,
        "questdb": questdb.SHEET,
        "clickhouse": clickhouse.SHEET,
        "seaweedfs": seaweedfs.SHEET,
        "opensearch": opensearch.SHEET,
        "postgres": postgres.SHEET,
        "opa": opa.SHEET,
    }
)


# The line of __main__.py's catalog after which a copy takes one more instance, and its import of the sheets.
_LAST_INSTANCE = '        "opa": opa.SHEET,\n'
_SHEET_IMPORT = "from components import clickhouse, nats, opa, opensearch, postgres, questdb, seaweedfs, valkey\n"


def program_with(folder: Path, instance: str, sheet_module: str | None = None) -> Path:
    """A copy of __main__.py in `folder` with one line more in its catalog (`instance`, as written
    there) and, for a sheet it does not import yet, that module added to its import of the sheets:
    what adding a service to the program takes."""
    text = (ROOT / "__main__.py").read_text()
    assert text.count(_LAST_INSTANCE) == 1 and text.count(_SHEET_IMPORT) == 1, "__main__.py changed its layout"
    text = text.replace(_LAST_INSTANCE, f"{_LAST_INSTANCE}        {instance}\n")
    if sheet_module is not None:
        text = text.replace(_SHEET_IMPORT, _SHEET_IMPORT.replace(", valkey\n", f", valkey, {sheet_module}\n"))
    program = folder / "__main__.py"
    program.write_text(text)
    return program


def config(stack: str = "dev", **overrides: Any) -> dict[str, str]:
    """The committed config of `stack`, with `trade2026:<key>` overrides as the CLI would pass them."""
    return {**stack_config(stack), **{f"trade2026:{key}": config_text(value) for key, value in overrides.items()}}


@pytest.fixture(scope="session")
def dev_plan() -> Plan:
    """The committed dev stack, as after `pulumi up` against a mock Docker."""
    return run_program("dev")


@pytest.fixture(scope="session")
def sheets() -> dict[str, ServiceSpec]:
    """Every service's spec with its sheet's default settings; declare() renders nothing."""
    return {name: sheet.declare() for name, sheet in CATALOG.items()}


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
