"""What every real-engine test needs: the Pulumi CLI that tools/pulumi/build.sh built, its
environment exactly as tools/pulumi/env.sh sets it, and inline-program stacks on a throwaway
local backend.

Programs run two ways: as a user types them (`typed`: the CLI starts the Python language host,
here the stand-in tools/pulumi/language_host.py, because the module proxy does not serve the Go
one), or as Automation API inline programs (`inline_stack`: the test process hosts the language
runtime and hands the CLI its address). Everything else is the real engine: the CLI's planner,
state, secrets, plugin loading, the providers and the policy packs it starts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from pulumi import automation as auto

from tests.real.support import require

ROOT = Path(__file__).resolve().parents[2]
PULUMI_VERSION = "3.274.1"
HOW = "build it with tools/pulumi/build.sh (Go 1.26 and the Go module proxy; the first build takes 15-45 minutes)"


def engine_env(work: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment tools/pulumi/env.sh gives a shell, with state and PULUMI_HOME under `work`,
    or a skip (locally) / failure (CI) when the CLI has not been built."""
    sourced = subprocess.run(
        ["bash", "-c", ". tools/pulumi/env.sh && env -0"],
        cwd=ROOT,
        env={**os.environ, "PULUMI_WORK": str(work)},
        capture_output=True,
        check=True,
    )
    env = dict(item.split("=", 1) for item in sourced.stdout.decode().split("\0") if item)
    cli = Path(env["TRADE2026_PULUMI_BIN"]) / "pulumi"
    require(cli if cli.is_file() else None, f"the Pulumi CLI {PULUMI_VERSION} ({cli})", HOW)
    # Dynamic providers and policy packs run as their own Python processes: this interpreter has
    # the SDK, and the repo root makes the test's own provider modules importable there.
    env["PULUMI_PYTHON_CMD"] = sys.executable
    env["PYTHONPATH"] = str(ROOT)
    env.pop("KUBECONFIG", None)
    env.update(extra or {})
    return env


def require_plugin(env: Mapping[str, str], name: str) -> None:
    """A skip (locally) / failure (CI) unless build.sh installed plugin `name` beside the CLI."""
    plugin = Path(env["TRADE2026_PULUMI_BIN"]) / name
    require(plugin if plugin.is_file() else None, f"the plugin {name} ({plugin})", HOW)


def inline_stack(work: Path, program: auto.PulumiFn, env: Mapping[str, str], stack: str = "test") -> auto.Stack:
    """A new stack of a fresh project in `work/project`, running `program` in this process."""
    project = work / "project"
    project.mkdir(exist_ok=True)
    command = auto.PulumiCommand(root=str(Path(env["TRADE2026_PULUMI_BIN"]).parent))
    return auto.create_stack(
        stack,
        project_name="realengine",
        program=program,
        opts=auto.LocalWorkspaceOptions(
            work_dir=str(project),
            pulumi_command=command,
            env_vars=dict(env),
            project_settings=auto.ProjectSettings(name="realengine", runtime="python"),
        ),
    )


def runnable_pack(pack: Path, env: Mapping[str, str]) -> str:
    """What to pass to `--policy-pack` for the Python pack in `pack`: the folder itself, which the
    CLI starts through the Python language host (`RunPlugin`) as `pulumi preview --policy-pack DIR`
    does for users; PulumiPolicy.yaml names the virtualenv it runs in."""
    require_plugin(env, "pulumi-language-python")
    return str(pack)


def typed(project: Path, env: Mapping[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`pulumi ARGS` in `project`, as a user types it: the CLI runs the program there through the
    Python language host (the stand-in that tools/pulumi/build.sh installs)."""
    require_plugin(env, "pulumi-language-python")
    return subprocess.run(
        ["pulumi", *args, "--non-interactive"],
        cwd=project,
        env=dict(env),
        capture_output=True,
        text=True,
        check=check,
    )
