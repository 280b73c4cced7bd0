"""What every real-Docker test needs: the Docker provider tools/docker/provider.sh built, the real
CLI's environment (tests/realengine/support.py), a Docker engine, a tiny image built on the spot,
and Docker objects named with a prefix of the test's own that are always removed.

The engine is the one DOCKER_HOST names (else the local socket), as for `docker` and the provider.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from tests.real.support import require, require_program
from tests.realengine.support import engine_env, inline_stack

PROVIDER = "pulumi-resource-docker"
PROVIDER_HOW = (
    "build it with tools/docker/provider.sh (Go 1.26 and the Go module proxy; about 14 minutes the first time)"
)
ENGINE_HOW = "start a Docker engine and point DOCKER_HOST at it (Debian docker.io)"


# Read when pytest imports this module: tests/conftest.py takes DOCKER_HOST out of the environment
# for the whole session, so that the mock-engine tests never see a developer's own.
DOCKER_HOST = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def provider_env(work: Path) -> dict[str, str]:
    """The CLI's environment (tools/pulumi/env.sh), or a skip / CI failure without the provider."""
    env = engine_env(work)
    plugin = Path(env["TRADE2026_DOCKER_PROVIDER_BIN"]) / PROVIDER
    require(plugin if plugin.is_file() else None, f"the Docker provider plugin ({plugin})", PROVIDER_HOW)
    return env


def docker(*args: str, check: bool = True) -> str:
    done = subprocess.run(
        ["docker", *args], env={**os.environ, "DOCKER_HOST": DOCKER_HOST}, capture_output=True, text=True, timeout=120
    )
    if check and done.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def inspect(kind: str, name: str) -> Any:
    return json.loads(docker(kind, "inspect", name))[0]


def exists(kind: str, name: str) -> bool:
    found = subprocess.run(
        ["docker", kind, "inspect", name], env={**os.environ, "DOCKER_HOST": DOCKER_HOST}, capture_output=True
    )
    return found.returncode == 0


@pytest.fixture(scope="session")
def engine() -> str:
    return require_engine()


def require_engine() -> str:
    """DOCKER_HOST of a Docker engine that answers, or a skip / CI failure."""
    require_program("docker", ENGINE_HOW)
    version = subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"],
        env={**os.environ, "DOCKER_HOST": DOCKER_HOST},
        capture_output=True,
        text=True,
        timeout=30,
    )
    require(version.stdout.strip() or None, f"a Docker engine at {DOCKER_HOST}", ENGINE_HOW)
    return DOCKER_HOST


def _rootfs(root: Path) -> None:
    """busybox and the libraries it links (Debian's is dynamic), nothing else: about 3 MB."""
    busybox = Path(require_program("busybox", "apt-get install busybox")).resolve()
    (root / "bin").mkdir(parents=True)
    shutil.copy(busybox, root / "bin" / "busybox")
    (root / "bin" / "sh").symlink_to("busybox")
    linked = subprocess.run(["ldd", str(busybox)], capture_output=True, text=True)
    for word in linked.stdout.split():
        if word.startswith("/"):
            target = root / word.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(Path(word).resolve(), target)


@pytest.fixture(scope="session")
def busybox_image(engine: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local image tag that no registry has (so a pull would fail), removed after the session."""
    root = tmp_path_factory.mktemp("rootfs")
    _rootfs(root)
    tag = f"trade2026-realdocker/busybox:{secrets.token_hex(4)}"
    archive = subprocess.run(["tar", "-C", str(root), "-c", "."], capture_output=True, check=True).stdout
    subprocess.run(
        ["docker", "import", "-", tag],
        input=archive,
        env={**os.environ, "DOCKER_HOST": engine},
        capture_output=True,
        check=True,
        timeout=120,
    )
    yield tag
    docker("image", "rm", "--force", tag, check=False)


@pytest.fixture
def prefix(engine: str) -> Iterator[str]:
    """The name prefix of this test's Docker objects; whatever a failed test left is removed."""
    name = f"t2026dp-{secrets.token_hex(3)}"
    yield name
    remove_named(name)


def named(kind: str, prefix: str) -> set[str]:
    """Names of the containers, networks or volumes starting with `prefix` (Docker's own name
    filter matches anywhere in a name)."""
    listing = {"container": ["ps", "--all"], "network": ["network", "ls"], "volume": ["volume", "ls"]}[kind]
    names = docker(*listing, "--format", "{{.Name}}" if kind != "container" else "{{.Names}}", check=False)
    return {name for name in names.split() if name.startswith(prefix)}


def labelled(kind: str, stack: str) -> set[str]:
    """Names of the containers, networks or volumes of one stack: its trade2026.stack label, exact
    (a name prefix would also take stack dev-alice's for stack dev)."""
    listing = {"container": ["ps", "--all"], "network": ["network", "ls"], "volume": ["volume", "ls"]}[kind]
    names = docker(
        *listing,
        "--filter",
        f"label=trade2026.stack={stack}",
        "--format",
        "{{.Names}}" if kind == "container" else "{{.Name}}",
    )
    return set(names.split())


def remove_labelled(stack: str) -> None:
    """Remove every container, then network and volume, of one stack (by its label)."""
    for kind in ("container", "network", "volume"):
        found = labelled(kind, stack)
        if found:
            docker(kind, "rm", "--force", *sorted(found), check=False)


def remove_named(prefix: str) -> None:
    """Remove every container, then network and volume, whose name starts with `prefix`."""
    for kind in ("container", "network", "volume"):
        found = named(kind, prefix)
        if found:
            docker(kind, "rm", "--force", *sorted(found), check=False)


def docker_stack(work: Path, program: auto.PulumiFn, config: Mapping[str, auto.ConfigValue]) -> auto.Stack:
    """An inline-program stack (tests/realengine/support.py) on the Docker provider, with `config`."""
    stack = inline_stack(work, program, provider_env(work))
    stack.set_all_config(dict(config))
    return stack


@dataclass
class Diffs:
    """What the engine reported for each changed resource (`on_event`): (op, name, properties)."""

    changes: list[tuple[str, str, list[str]]] = field(default_factory=list)

    def __call__(self, event: auto.EngineEvent) -> None:
        pre = event.resource_pre_event
        if pre is not None and pre.metadata.op.value != "same":
            metadata = pre.metadata
            self.changes.append((metadata.op.value, metadata.urn.split("::")[-1], sorted(metadata.diffs or [])))
