"""Empty to all healthy on one Docker engine: the seed's Docker Compose file against `tools/docker/up.sh`,
then the no-op `pulumi up`. Measures; asserts nothing.

    DOCKER_HOST=unix://... venv/bin/python -m benchmarks.docker_up [--stack dev-bench] [--timeout 150]

In one run, on the engine DOCKER_HOST names, one after the other:

(a) `docker-compose -p seedbench -f benchmarks/seed-compose.yml up -d` (the seed's eight fragments,
    benchmarks/seed-compose.yml), with the project's stand-in images tagged under the seed's image
    names for the run; seconds from the start of `up -d` until each container with a healthcheck
    first reports healthy (docker inspect, polled every 0.25 s), then `down -v`;
(b) `tools/docker/up.sh STACK` for a throwaway stack (a copy of Pulumi.dev.yaml, state in a private
    PULUMI_WORK), which returns once the program's containers are healthy: its wall time, the CLI's
    own Duration, and each container's health right after it returns;
(c) a second `pulumi up --yes` in that project folder, which changes nothing;
(d) `pulumi destroy`, and every Docker object named trade2026-STACK-* removed.

Needs the real CLI, the Docker provider and the stand-ins built (docs/docker.md) and docker-compose
(Debian's `docker-compose`, v1) on PATH.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from offline.engine import ROOT

COMPOSE_FILE = ROOT / "benchmarks" / "seed-compose.yml"
# The seed's image names (benchmarks/seed-compose.yml) -> the service whose pinned stand-in they get.
SEED_IMAGES = {
    "nats:2.10-alpine": "nats",
    "valkey/valkey:8-alpine": "valkey",
    "questdb/questdb:latest": "questdb",
    "clickhouse/clickhouse-server:24.9": "clickhouse",
    "chrislusf/seaweedfs:latest": "seaweedfs",
    "opensearchproject/opensearch:2": "opensearch",
    "postgres:16-alpine": "postgres",
    "openpolicyagent/opa:latest": "opa",
}
SEED_CONTAINERS = ("nats", "valkey", "questdb", "clickhouse", "seaweedfs", "opensearch", "postgres-library", "opa")


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check, timeout=300)


def inspect(ids: Sequence[str]) -> list[dict[str, Any]]:
    return list(json.loads(docker("inspect", *ids).stdout)) if ids else []


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def docker_time(stamp: str) -> float:
    """Epoch seconds of a Docker timestamp (RFC 3339 with nanoseconds, which Python does not read)."""
    match = re.fullmatch(r"(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", stamp)
    if match is None:
        raise ValueError(f"not a Docker timestamp: {stamp}")
    base, fraction, zone = match.groups()
    parsed = dt.datetime.fromisoformat(base + ("+00:00" if zone == "Z" else zone))
    return parsed.timestamp() + float(f"0.{fraction or 0}")


def first_pass(health: dict[str, Any]) -> float | None:
    """When the first passing probe in Docker's health log ended (the log keeps the last five)."""
    passed = [docker_time(entry["End"]) for entry in health.get("Log") or [] if entry.get("ExitCode") == 0]
    return min(passed) if passed else None


def cli_duration(output: str) -> float | None:
    """The `Duration: 1m2s` line the CLI prints after an update, in seconds."""
    match = re.search(r"Duration: (?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?", output)
    if match is None or not any(match.groups()):
        return None
    return int(match.group(1) or 0) * 60 + float(match.group(2) or 0)


@dataclass
class Tagged:
    """The seed's image names, tagged onto the stand-ins for a run and untagged after."""

    created: list[str] = field(default_factory=list)

    def tag(self) -> None:
        listed = subprocess.run(
            [sys.executable, str(ROOT / "tools" / "docker" / "references.py")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        pinned = dict(line.split(maxsplit=1) for line in listed.stdout.splitlines())
        for seed, service in SEED_IMAGES.items():
            ours = docker("image", "inspect", "--format", "{{.Id}}", pinned[service]).stdout.strip()
            there = docker("image", "inspect", "--format", "{{.Id}}", seed, check=False)
            if there.returncode == 0:
                if there.stdout.strip() != ours:
                    raise SystemExit(f"{seed} exists on this engine and is not {pinned[service]}; remove it first")
                continue
            docker("tag", pinned[service], seed)
            self.created.append(seed)

    def untag(self) -> None:
        for seed in self.created:
            docker("image", "rm", seed, check=False)


def compose_run(project: str, timeout: float) -> tuple[dict[str, str], float, float]:
    """(a): per container, seconds from the start of `up -d` to healthy (or its last state), the
    seconds `up -d` itself took, and those of `down -v`."""
    in_use = [name for name in SEED_CONTAINERS if docker("container", "inspect", name, check=False).returncode == 0]
    if in_use:
        raise SystemExit(f"containers named {', '.join(in_use)} are on this engine (the seed's fixed names)")
    with tempfile.TemporaryDirectory(prefix="seed-compose-") as directory:
        compose = ["docker-compose", "-p", project, "-f", str(COMPOSE_FILE), "--project-directory", directory]
        results: dict[str, str] = {}
        start = time.time()
        try:
            subprocess.run([*compose, "up", "-d"], capture_output=True, text=True, check=True, timeout=timeout)
            up_returned = time.time() - start
            ids = subprocess.run([*compose, "ps", "-q"], capture_output=True, text=True, check=True).stdout.split()
            healthy: dict[str, float] = {}
            while time.time() - start < timeout:
                containers = inspect(ids)
                now = time.time() - start
                probed = {c["Name"].lstrip("/"): c["State"] for c in containers if c["State"].get("Health")}
                for name, state in probed.items():
                    if state["Health"]["Status"] == "healthy" and name not in healthy:
                        healthy[name] = now
                for c in containers:
                    name, state = c["Name"].lstrip("/"), c["State"]
                    if name in healthy:
                        results[name] = f"{healthy[name]:.1f}"
                    elif state.get("Health"):
                        log = state["Health"].get("Log") or [{}]
                        said = " ".join(str(log[-1].get("Output", "")).split())[:70]
                        results[name] = f"{state['Health']['Status']} at {now:.0f} (end of the wait); probe: {said}"
                    else:
                        results[name] = f"{state['Status']} (no healthcheck)"
                # Done when every probed container is healthy; an unhealthy one may still turn healthy
                # (Docker goes on probing), so the rest wait out the timeout.
                if probed and all(name in healthy for name in probed):
                    break
                time.sleep(0.25)
        finally:
            down = time.time()
            subprocess.run([*compose, "down", "-v"], capture_output=True, text=True, timeout=300)
            down_took = time.time() - down
    return results, up_returned, down_took


def pulumi_run(name: str) -> tuple[dict[str, str], float, float | None, float, float | None, str, float]:
    """(b) to (d): per container its health right after up.sh returned (with when its first probe
    passed, from up.sh's start), up.sh's wall time and the CLI's Duration, then the same two for
    the no-op `pulumi up` and what it reported, and the seconds the teardown took."""
    from tests.realdocker.support import remove_named
    from tests.realengine.support import engine_env

    with tempfile.TemporaryDirectory(prefix="docker-up-bench-") as work:
        # As tests/realdocker/stacks.py sets a stack up: the CLI's environment with state in `work`.
        env = {**engine_env(Path(work)), "PULUMI_WORK": work, "DOCKER_HOST": os.environ["DOCKER_HOST"]}
        env.pop("PYTHONPATH", None)
        project = Path(work) / "projects" / name
        prefix = f"trade2026-{name}-"

        def run(argv: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
            done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
            if check and done.returncode != 0:
                raise SystemExit(
                    f"{' '.join(argv[:3])} exited {done.returncode}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
                )
            return done

        def pulumi(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
            return run(["pulumi", *args, "--stack", name, "--non-interactive"], project, check)

        def containers() -> dict[str, dict[str, Any]]:
            ids = docker("ps", "--all", "--quiet", "--filter", f"label=trade2026.stack={name}").stdout.split()
            ours = [c for c in inspect(ids) if c["Name"].startswith(f"/{prefix}")]
            return {c["Config"]["Labels"]["trade2026.service"]: c for c in ours}

        if containers():
            raise SystemExit(f"containers of a stack {name} are on this engine; remove them first")
        project.mkdir(parents=True)
        (project / f"Pulumi.{name}.yaml").write_text((ROOT / "Pulumi.dev.yaml").read_text())
        try:
            start = time.time()
            up = run([str(ROOT / "tools" / "docker" / "up.sh"), name], ROOT)
            up_took = time.time() - start
            health: dict[str, str] = {}
            for service, container in sorted(containers().items()):
                state = container["State"]
                if state.get("Health"):
                    passed = first_pass(state["Health"])
                    when = f" (first probe passed at {passed - start:.1f})" if passed else ""
                    health[service] = state["Health"]["Status"] + when
                else:
                    health[service] = f"{state['Status']} (no healthcheck)"
            start = time.time()
            noop = pulumi("up", "--yes")
            noop_took = time.time() - start
            changes = re.search(r"Resources:\s*\n\s*(.*)", noop.stdout)
        finally:
            start = time.time()
            if project.exists():
                pulumi("state", "unprotect", "--all", "--yes", check=False)
                pulumi("destroy", "--yes", check=False)
            remove_named(prefix)
            down_took = time.time() - start
    return (
        health,
        up_took,
        cli_duration(up.stdout),
        noop_took,
        cli_duration(noop.stdout),
        changes.group(1).strip() if changes else "?",
        down_took,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="dev-bench", help="the throwaway stack (a copy of Pulumi.dev.yaml)")
    parser.add_argument("--project", default="seedbench", help="the Compose project name")
    parser.add_argument("--timeout", type=float, default=150, help="seconds the Compose run waits for health")
    args = parser.parse_args(argv)
    if not os.environ.get("DOCKER_HOST"):
        print("set DOCKER_HOST to the engine (tools/docker/engine.sh env)", file=sys.stderr)
        return 2
    if shutil.which("docker-compose") is None:
        print("docker-compose is missing: apt-get install docker-compose", file=sys.stderr)
        return 2
    compose_version = subprocess.run(
        ["docker-compose", "version", "--short"], capture_output=True, text=True, check=True
    ).stdout.strip()
    engine = docker("version", "--format", "{{.Server.Version}} ({{.Server.Os}}/{{.Server.Arch}})").stdout.strip()
    driver = docker("info", "--format", "{{.Driver}}").stdout.strip()
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, engine {engine}, storage {driver},")
    print(f"docker-compose {compose_version}; load average {load()}\n")

    tagged = Tagged()
    try:
        tagged.tag()
        compose, compose_up, compose_down = compose_run(args.project, args.timeout)
    finally:
        tagged.untag()
    load_a = load()
    health, up_took, up_engine, noop_took, noop_engine, changes, down_took = pulumi_run(args.stack)
    load_b = load()

    def engine_time(seconds: float | None) -> str:
        return f"{seconds:.0f} s" if seconds is not None else "?"

    probed = [value for value in compose.values() if value.replace(".", "", 1).isdigit()]
    print("(a) seed compose file, `docker-compose up -d` -> healthy (s from the start of `up -d`)")
    for name, value in sorted(compose.items()):
        print(f"    {name:<18} {value}")
    last = max(float(v) for v in probed) if probed else None
    print(f"    `up -d` returned after {compose_up:.1f} s; last container healthy at {last or 0:.1f} s;")
    print(f"    `down -v` {compose_down:.1f} s; load average after: {load_a}")
    print(f"(b) `tools/docker/up.sh {args.stack}` -> returned, health right after:")
    for service, value in health.items():
        print(f"    {service:<18} {value}")
    print(f"    up.sh {up_took:.1f} s wall (CLI Duration {engine_time(up_engine)})")
    print(f"(c) no-op `pulumi up --yes`: {noop_took:.1f} s wall (CLI Duration {engine_time(noop_engine)}), {changes}")
    print(f"(d) unprotect + destroy + remove trade2026-{args.stack}-*: {down_took:.1f} s; load average after: {load_b}")
    print()
    print("| | empty -> all healthy | no-op up |")
    print("|---|---|---|")
    all_healthy = len(probed) == sum(1 for v in compose.values() if "no healthcheck" not in v)
    if all_healthy and last is not None:
        seed_cell = f"{last:.1f} s"
    else:
        with_probe = sum(1 for v in compose.values() if "no healthcheck" not in v)
        seed_cell = f"never all: {len(probed)} of the {with_probe} with a healthcheck, the last at {last or 0:.1f} s"
    print(f"| seed compose (`up -d`) | {seed_cell} | - |")
    print(
        f"| `tools/docker/up.sh` | {up_took:.1f} s (CLI {engine_time(up_engine)}) |"
        f" {noop_took:.1f} s (CLI {engine_time(noop_engine)}) |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
