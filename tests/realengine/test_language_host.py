"""`pulumi up`, `preview` and `--policy-pack DIR` as users type them: the real CLI starts the Python
language host (the stand-in tools/pulumi/language_host.py, beside upstream's exec script), which
runs the program in the virtualenv Pulumi.yaml names and hands it the stack's config."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.realengine.support import engine_env, typed

pytestmark = pytest.mark.real_engine

PROGRAM = """\
import pulumi

config = pulumi.Config()
pulumi.export("greeting", config.require("greeting"))
pulumi.export("password", config.require_secret("password"))
pulumi.export("passwordIsSecret", pulumi.runtime.is_config_secret("hosted:password"))
pulumi.export("dryRun", pulumi.runtime.is_dry_run())
if config.get("fail"):
    raise pulumi.RunError("greeting refused: " + config.require("fail"))
"""

PACK = """\
from pulumi_policy import EnforcementLevel, PolicyPack, StackValidationPolicy


def no_shouting(args, report_violation):
    for resource in args.resources:
        if resource.resource_type == "pulumi:pulumi:Stack":
            continue
    report_violation("this stack greets too loudly")


PolicyPack(
    name="hosted-pack",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[StackValidationPolicy(name="no-shouting", description="Prohibits shouting.", validate=no_shouting)],
)
"""


def project(tmp_path: Path, virtualenv: str = "venv") -> tuple[Path, dict[str, str]]:
    folder = tmp_path / "hosted"
    folder.mkdir()
    (folder / "Pulumi.yaml").write_text(
        f"name: hosted\nruntime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: {virtualenv}\n"
    )
    (folder / "__main__.py").write_text(PROGRAM)
    # The test's own interpreter is a virtualenv with the SDK: the project's venv/ points at it.
    (folder / "venv").symlink_to(Path(sys.prefix))
    env = engine_env(tmp_path)
    typed(folder, env, "stack", "init", "dev")
    typed(folder, env, "config", "set", "greeting", "hello")
    typed(folder, env, "config", "set", "--secret", "password", "s3cret-value")
    return folder, env


def test_up_runs_the_program_with_the_stack_config_and_its_secrets(tmp_path: Path) -> None:
    folder, env = project(tmp_path)
    up = typed(folder, env, "up", "--yes")
    assert "+ 1 created" in up.stdout, up.stdout
    outputs = json.loads(typed(folder, env, "stack", "output", "--json", "--show-secrets").stdout)
    assert outputs == {"greeting": "hello", "password": "s3cret-value", "passwordIsSecret": True, "dryRun": False}
    # The secret stays one in the state: a plain `stack output` hides it.
    assert json.loads(typed(folder, env, "stack", "output", "--json").stdout)["password"] == "[secret]"


def test_preview_runs_the_program_as_a_dry_run(tmp_path: Path) -> None:
    folder, env = project(tmp_path)
    typed(folder, env, "up", "--yes")
    preview = typed(folder, env, "preview", "--diff")
    # The program saw is_dry_run() true: the output changes from false to true in the plan.
    assert "dryRun" in preview.stdout and "false => true" in preview.stdout, preview.stdout


def test_a_program_error_fails_up_with_the_programs_own_line(tmp_path: Path) -> None:
    folder, env = project(tmp_path)
    typed(folder, env, "config", "set", "fail", "too loud")
    failed = typed(folder, env, "up", "--yes", check=False)
    assert failed.returncode != 0
    assert "greeting refused: too loud" in failed.stdout + failed.stderr
    assert "Traceback" not in failed.stdout + failed.stderr


def test_a_missing_virtualenv_is_named_before_the_program_runs(tmp_path: Path) -> None:
    folder, env = project(tmp_path)
    (folder / "Pulumi.yaml").write_text(
        "name: hosted\nruntime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: missing-venv\n"
    )
    (folder / "requirements.txt").write_text("")
    failed = typed(folder, env, "preview", check=False)
    assert failed.returncode != 0
    # An empty requirements.txt makes a virtualenv without the SDK, so the exec script says so.
    assert "It looks like the Pulumi SDK has not been installed" in failed.stdout + failed.stderr


def test_a_policy_pack_folder_runs_through_the_language_host(tmp_path: Path) -> None:
    folder, env = project(tmp_path)
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text(
        "runtime:\n  name: python\n  options:\n    virtualenv: venv\nversion: 0.0.1\n"
    )
    (pack / "__main__.py").write_text(PACK)
    (pack / "venv").symlink_to(Path(sys.prefix))
    failed = typed(folder, env, "preview", "--policy-pack", str(pack), check=False)
    assert failed.returncode != 0
    assert "no-shouting" in failed.stdout and "this stack greets too loudly" in failed.stdout, failed.stdout
