"""What every real-server test needs: the service's container as the program rendered it, loopback
ports, server processes that are always stopped, and the rule for missing software.

The rule: locally a server that is not installed is a skip whose message says how to install it;
in CI (CI=true, where .ci/run installs everything) it is a failure, so a broken install can never
turn the real-server tier into a row of skips.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from offline.engine import Plan, reveal

CONTAINER = "docker:index/container:Container"
# Where tools built or downloaded for the real-server tier live, one folder per tool and version,
# so a second run on the same machine reuses them (tools/ scripts fill it).
CACHE = Path(os.environ.get("TRADE2026_CACHE", str(Path.home() / ".cache" / "trade2026")))
T = TypeVar("T")


def require(found: T | None, what: str, how: str) -> T:
    """`found`, or a skip (locally) / failure (CI) saying `what` is missing and `how` to get it."""
    if found is None:
        message = f"{what} is not available; {how}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def require_modules(*names: str, how: str) -> None:
    """At the top of a test module, before importing them: skip the whole module (locally) or fail
    it (CI) when one of these Python packages is not installed."""
    missing = [name for name in names if importlib.util.find_spec(name) is None]
    if missing:
        message = f"{', '.join(missing)} not installed; {how}"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message, allow_module_level=True)


def require_program(name: str, how: str, *extra_dirs: Path) -> str:
    """The path of program `name` on PATH or in one of `extra_dirs`."""
    found = shutil.which(name) or next((str(d / name) for d in extra_dirs if (d / name).is_file()), None)
    return require(found, name, how)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports: each held until all are picked, so none comes back twice."""
    with ExitStack() as held:
        sockets = [held.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


def accepts(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def wait_until(ready: Callable[[], bool], what: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    pytest.fail(f"{what} not ready within {seconds:g} s")


def run(
    argv: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, env=dict(env) if env else None)


class Processes:
    """Servers started by one test; each logs to a file that a failing test can show."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(
        self, argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.Popen[bytes]:
        log = self.logs / f"{Path(argv[0]).name}-{len(self.started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                list(argv), stdout=out, stderr=subprocess.STDOUT, env=dict(env) if env else None, cwd=cwd
            )
        self.started.append((process, log))
        return process

    def log(self, process: subprocess.Popen[bytes]) -> str:
        return next(path.read_text(errors="replace") for p, path in self.started if p is process)

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def stop_all(self) -> None:
        for process, _ in reversed(self.started):
            if process.poll() is None:
                self.stop(process)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    started = Processes(tmp_path)
    yield started
    started.stop_all()


@dataclass(frozen=True)
class Rendered:
    """One service's container exactly as the program registered it, secrets revealed."""

    command: list[str]
    env: dict[str, str]
    uploads: dict[str, str]
    healthcheck: list[str]
    ports: list[int]

    @classmethod
    def of(cls, plan: Plan, key: str) -> Rendered:
        inputs: dict[str, Any] = reveal(plan.get(CONTAINER, key).inputs)
        return cls(
            command=list(inputs.get("command") or []),
            env=dict(entry.split("=", 1) for entry in inputs.get("envs") or []),
            uploads={upload["file"]: upload["content"] for upload in inputs.get("uploads") or []},
            healthcheck=list(inputs["healthcheck"]["tests"]),
            ports=[port["internal"] for port in inputs.get("ports") or []],
        )

    def probe(self, replace: Mapping[str, str]) -> list[str]:
        """The healthcheck as a host command line, with container-only strings (ports, paths,
        program locations) replaced: Docker's CMD runs argv directly, CMD-SHELL through `sh -c`."""
        kind, *rest = self.healthcheck
        argv = ["sh", "-c", rest[0]] if kind == "CMD-SHELL" else rest
        for old, new in replace.items():
            argv = [arg.replace(old, new) for arg in argv]
        return argv
