"""Stacks of the project's own program on a Docker engine, through the real CLI, the way a user on
this machine runs them: `tools/docker/up.sh STACK` for the first `up` (it builds what is missing,
supplies credentials and brings the stack up in its project folder), then the commands users type
in that folder (`pulumi up`, `preview`, `config set`, `destroy`).

Every stack lives in a PULUMI_WORK of the test's own, and whatever a test leaves on the engine is
removed afterwards by its `trade2026.stack` label, data volumes included; a stack of that name
already on the engine (a developer's own) stops the test before it can touch it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.real.support import require
from tests.realdocker.support import (
    DOCKER_HOST,
    PROVIDER,
    PROVIDER_HOW,
    docker,
    exists,
    labelled,
    remove_labelled,
    require_engine,
)
from tests.realengine.support import ROOT, engine_env, require_plugin

UP = ROOT / "tools" / "docker" / "up.sh"
DOWN = ROOT / "tools" / "docker" / "down.sh"
IMAGES_HOW = "build the stand-ins with tools/docker/images.sh"
# What a real `up` of all eight may take on the 2-core CI machine (the dev stack: about 40 s idle).
UP_TIMEOUT = 900


@dataclass(frozen=True)
class DockerStack:
    name: str
    work: Path
    env: Mapping[str, str]

    @property
    def project(self) -> Path:
        return self.work / "projects" / self.name

    @property
    def prefix(self) -> str:
        return f"trade2026-{self.name}-"

    def stack_file(self, text: str) -> None:
        """Pulumi.<stack>.yaml of the project folder, before the first up.sh (which copies the
        committed one only when the folder has none), as a user writes their own."""
        self.project.mkdir(parents=True, exist_ok=True)
        (self.project / f"Pulumi.{self.name}.yaml").write_text(text)

    def up_sh(self, *args: str, check: bool = True, timeout: float = UP_TIMEOUT) -> subprocess.CompletedProcess[str]:
        """`tools/docker/up.sh STACK ARGS`."""
        return _run([str(UP), self.name, *args], ROOT, self.env, check, timeout)

    def down_sh(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return _run([str(DOWN), self.name, *args], ROOT, self.env, check, UP_TIMEOUT)

    def pulumi(self, *args: str, check: bool = True, timeout: float = UP_TIMEOUT) -> subprocess.CompletedProcess[str]:
        """`pulumi ARGS` typed in the stack's project folder."""
        return _run(
            ["pulumi", *args, "--stack", self.name, "--non-interactive"], self.project, self.env, check, timeout
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        """`pulumi ARGS` in the project folder, running while the test does something to it. In a
        process group of its own, as a terminal's foreground job: Ctrl-C is `interrupt()`."""
        return subprocess.Popen(
            ["pulumi", *args, "--stack", self.name, "--non-interactive"],
            cwd=self.project,
            env=dict(self.env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def set(self, key: str, value: str) -> None:
        """`pulumi config set --path KEY VALUE`."""
        self.pulumi("config", "set", "--path", key, value)

    def outputs(self) -> dict[str, Any]:
        return dict(json.loads(self.pulumi("stack", "output", "--json", "--show-secrets").stdout))

    def last_changes(self) -> dict[str, int]:
        """What the last update did, by operation, as `pulumi stack history` records it."""
        history = json.loads(self.pulumi("stack", "history", "--json", "--show-secrets").stdout)
        return dict(history[0]["resourceChanges"])

    def containers(self) -> dict[str, dict[str, Any]]:
        """Service -> `docker inspect` of each container of this stack, by its trade2026.stack label."""
        ids = docker("ps", "--all", "--quiet", "--filter", f"label=trade2026.stack={self.name}").split()
        inspected = json.loads(docker("inspect", *ids)) if ids else []
        # By name too: a container rendered from the same stack elsewhere carries the same labels.
        ours = [item for item in inspected if item["Name"].startswith(f"/{self.prefix}")]
        return {item["Config"]["Labels"]["trade2026.service"]: item for item in ours}

    def volumes(self) -> set[str]:
        return labelled("volume", self.name)

    def networks(self) -> set[str]:
        return labelled("network", self.name)

    def verify(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`python -m verify --stack NAME` from the repository, as the docs show it."""
        return _run([sys.executable, "-m", "verify", "--stack", self.name, *args], ROOT, self.env, False, 300)


def interrupt(process: subprocess.Popen[str]) -> None:
    """Ctrl-C as a terminal sends it: SIGINT to every process of the foreground job (the CLI, its
    language host and its providers), not to the CLI alone."""
    os.killpg(process.pid, signal.SIGINT)


def _run(
    argv: list[str], cwd: Path, env: Mapping[str, str], check: bool, timeout: float
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(
            f"{' '.join(argv[:3])} exited {done.returncode}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        )
    return done


def stack_env(work: Path) -> dict[str, str]:
    """The real CLI's environment (tools/pulumi/env.sh) with state under `work`, the engine's
    DOCKER_HOST, and the Docker provider and language host required (CI fails without them)."""
    env = engine_env(work)
    require_plugin(env, "pulumi-language-python")
    plugin = Path(env["TRADE2026_DOCKER_PROVIDER_BIN"]) / PROVIDER
    require(plugin if plugin.is_file() else None, f"the Docker provider plugin ({plugin})", PROVIDER_HOW)
    env["DOCKER_HOST"] = DOCKER_HOST
    env["PULUMI_WORK"] = str(work)
    # The program's own imports resolve from its project folder; nothing of the test's.
    env.pop("PYTHONPATH", None)
    return env


def require_images() -> None:
    """The stand-ins (or the official images) of every pinned reference, on the engine."""
    listed = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "docker" / "references.py")], capture_output=True, text=True, check=True
    )
    missing = [
        reference
        for line in listed.stdout.splitlines()
        for reference in line.split()[1:]
        if not exists("image", reference)
    ]
    require(None if missing else True, f"the images {', '.join(missing)} on {DOCKER_HOST}", IMAGES_HOW)


@contextmanager
def docker_stack(work: Path, name: str) -> Iterator[DockerStack]:
    """Stack `name` of the project, torn down afterwards: unprotected, destroyed, and every Docker
    object labelled with it removed (protectData retains volumes on purpose; a test must not)."""
    require_engine()
    require_images()
    stack = DockerStack(name, work, stack_env(work))
    # What the teardown removes must be the test's own: nothing of a stack of this name beforehand.
    left = {kind: labelled(kind, name) for kind in ("container", "network", "volume")}
    assert not any(left.values()), f"a stack {name} is on this engine already ({left}); remove it first"
    try:
        yield stack
    finally:
        if stack.project.exists():
            stack.pulumi("state", "unprotect", "--all", "--yes", check=False)
            stack.pulumi("destroy", "--yes", check=False)
        remove_labelled(name)
