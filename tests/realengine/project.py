"""The project's own program on the real engine: `__main__.py` run as an inline program of a
project folder holding the committed Pulumi.yaml and Pulumi.<stack>.yaml, so the CLI passes the
program the same config (project defaults, stack file, secrets) as `pulumi up` in this repo would."""

from __future__ import annotations

import runpy
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pulumi import automation as auto

from tests.realengine.support import ROOT, engine_env, require_plugin, runnable_pack
from tests.supplied import SUPPLIED


def run_main() -> None:
    runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")


def project_stack(
    work: Path,
    stack: str,
    config: Mapping[str, str] = {},
    credentials: Mapping[str, Mapping[str, str]] = SUPPLIED,
    program: Callable[[], None] = run_main,
    extra_env: Mapping[str, str] = {},
    needs_kubernetes: bool = True,
) -> auto.Stack:
    """Stack `stack` of project trade2026 in `work/project`, with the committed stack file, `config`
    set as `pulumi config set --path` would, and `credentials` set as secrets. Without the
    Kubernetes provider it needs (unless told it does not), a skip locally, a failure in CI."""
    env = engine_env(work, extra_env)
    if needs_kubernetes:
        require_plugin(env, "pulumi-resource-kubernetes")
    project = work / "project"
    project.mkdir(exist_ok=True)
    shutil.copy(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    if (ROOT / f"Pulumi.{stack}.yaml").exists():
        shutil.copy(ROOT / f"Pulumi.{stack}.yaml", project / f"Pulumi.{stack}.yaml")
    command = auto.PulumiCommand(root=str(Path(env["TRADE2026_PULUMI_BIN"]).parent))
    created = auto.create_stack(
        stack,
        project_name="trade2026",
        program=program,
        opts=auto.LocalWorkspaceOptions(work_dir=str(project), pulumi_command=command, env_vars=env),
    )
    created.set_all_config({key: auto.ConfigValue(value) for key, value in config.items()}, path=True)
    secrets = {
        f"trade2026:credentials.{service}.{name}": auto.ConfigValue(value, secret=True)
        for service, values in credentials.items()
        for name, value in values.items()
    }
    created.set_all_config(secrets, path=True)
    return created


def cli(stack: auto.Stack, *args: str) -> str:
    """`pulumi ARGS --stack NAME` in the stack's project folder, as a user would type it; stdout."""
    workspace = stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    done = subprocess.run(
        ["pulumi", *args, "--stack", stack.name],
        cwd=workspace.work_dir,
        env=dict(workspace.env_vars),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def our_pack(work: Path) -> str:
    """What to pass to `--policy-pack` for a copy of policies/ (PulumiPolicy.yaml names venv/
    beside the pack: here the test's own virtualenv, which has the pack's dependencies)."""
    pack = work / "policies"
    shutil.copytree(ROOT / "policies", pack, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    (pack / "venv").symlink_to(Path(sys.prefix))
    return runnable_pack(pack, engine_env(work))


@dataclass
class Steps:
    """The engine's steps as it reports them (`on_event`): (op, resource name) for each change."""

    changes: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, event: auto.EngineEvent) -> None:
        pre = event.resource_pre_event
        if pre is not None and pre.metadata.op.value != "same":
            self.changes.append((pre.metadata.op.value, pre.metadata.urn.split("::")[-1]))


# (level, policy, resource URN, detail) of each violation.
Finding = tuple[str, str, str, str]


def real_gate(work: Path, stack: auto.Stack, policy_config: Path) -> tuple[list[Finding], str | None]:
    """Violations the real CLI reports while previewing `stack` with our pack under
    `policy_config`, and the CLI's error (None when the preview passed)."""
    findings: list[Finding] = []

    def on_event(event: auto.EngineEvent) -> None:
        policy = event.policy_event
        if policy is not None:
            # The CLI's message is the policy's description, a blank line, then what the rule said.
            detail = policy.message.split("\n", 1)[1].strip() if "\n" in policy.message else ""
            findings.append((policy.enforcement_level, policy.policy_name, policy.resource_urn or "", detail))

    error = None
    try:
        stack.preview(policy_packs=[our_pack(work)], policy_pack_configs=[str(policy_config)], on_event=on_event)
    except auto.CommandError as failed:
        error = str(failed)
    return sorted(findings), error
