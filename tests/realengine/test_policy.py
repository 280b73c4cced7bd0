"""Python policy packs started by the real CLI (`--policy-pack`): a mandatory violation stops
`preview` and `up` with a non-zero exit, and our own pack loads and passes under each committed
policy config, the CLI validating that config against the pack's schemas."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pulumi
import pytest
from pulumi import automation as auto

from tests.realengine.fileprovider import File
from tests.realengine.support import ROOT, engine_env, inline_stack, runnable_pack

pytestmark = pytest.mark.real_engine

PACK = """\
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def no_secret_files(args, report_violation):
    if str(args.props.get("path", "")).endswith(".secret"):
        report_violation("a file named *.secret would be written: " + args.props["path"])


PolicyPack(
    name="realengine-files",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy(
            name="no-secret-files",
            description="Prohibits files named *.secret.",
            validate=no_secret_files,
        ),
    ],
)
"""


# Reports, for every resource the engine analyses, its type, whether a provider came with it (and
# which) and whether it has a parent: what the type allow-list tells components and the engine's
# default providers by.
SEEN_PACK = """\
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def seen(args, report_violation):
    provider = args.provider.resource_type + " " + args.provider.name if args.provider else "none"
    report_violation(f"{args.resource_type} | provider {provider} | parent {args.opts.parent is not None}")


PolicyPack(
    name="seen",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[ResourceValidationPolicy(name="seen", description="Reports what it sees.", validate=seen)],
)
"""


def file_stack(tmp_path: Path, name: str) -> tuple[auto.Stack, Path]:
    target = tmp_path / name

    def program() -> None:
        File("output", str(target), "data")

    return inline_stack(tmp_path, program, engine_env(tmp_path)), target


def our_pack_on_a_file_stack(tmp_path: Path) -> tuple[auto.Stack, str]:
    # PulumiPolicy.yaml names the virtualenv venv/ beside the pack: this one, with the pack's deps.
    pack = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", pack, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    (pack / "venv").symlink_to(Path(sys.prefix))
    stack, _ = file_stack(tmp_path, "notes.txt")
    return stack, runnable_pack(pack, engine_env(tmp_path))


@pytest.fixture
def tiny_pack(tmp_path: Path) -> str:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.0.1\n")
    (pack / "__main__.py").write_text(PACK)
    return runnable_pack(pack, engine_env(tmp_path))


def test_the_engine_analyses_components_the_stack_and_its_default_providers_and_only_custom_resources_carry_one(
    tmp_path: Path,
) -> None:
    pack = tmp_path / "seen"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.0.1\n")
    (pack / "__main__.py").write_text(SEEN_PACK)
    target = tmp_path / "notes.txt"

    def program() -> None:
        pulumi.ComponentResource("trade2026:test:Group", "group").register_outputs({})
        File("output", str(target), "data")

    stack = inline_stack(tmp_path, program, engine_env(tmp_path))
    seen: list[str] = []

    def on_event(event: auto.EngineEvent) -> None:
        if event.policy_event is not None:
            seen.append(event.policy_event.message.split("\n", 1)[-1].strip())

    stack.preview(policy_packs=[runnable_pack(pack, engine_env(tmp_path))], on_event=on_event)
    assert sorted(seen) == [
        "pulumi-python:dynamic:Resource | provider pulumi:providers:pulumi-python default | parent True",
        "pulumi:providers:pulumi-python | provider none | parent False",
        "pulumi:pulumi:Stack | provider none | parent False",
        "trade2026:test:Group | provider none | parent True",
    ]


def test_a_pack_without_violations_lets_preview_pass(tmp_path: Path, tiny_pack: str) -> None:
    stack, _ = file_stack(tmp_path, "notes.txt")
    preview = stack.preview(policy_packs=[tiny_pack])
    assert preview.change_summary == {"create": 2}


def test_a_mandatory_violation_fails_preview_with_a_non_zero_exit(tmp_path: Path, tiny_pack: str) -> None:
    stack, target = file_stack(tmp_path, "keys.secret")
    with pytest.raises(auto.CommandError) as failed:
        stack.preview(policy_packs=[tiny_pack])
    message = str(failed.value)
    assert "\n code: 1\n" in message
    assert "realengine-files@v0.0.1 (local: " in message
    assert "- [mandatory]  no-secret-files  (pulumi-python:dynamic:Resource: output)" in message
    assert f"a file named *.secret would be written: {target}" in message


def test_a_mandatory_violation_stops_up_before_anything_is_written(tmp_path: Path, tiny_pack: str) -> None:
    stack, target = file_stack(tmp_path, "keys.secret")
    with pytest.raises(auto.CommandError):
        stack.up(policy_packs=[tiny_pack])
    assert not target.exists()


def allowing_the_file(tmp_path: Path, config: dict[str, object]) -> str:
    """`config` plus the File test resource's type, which the program never registers and the
    pack's type allow-list refuses everywhere else."""
    path = tmp_path / "config.json"
    path.write_text(
        json.dumps({**config, "allowed-resource-types": {"allowedTypes": ["pulumi-python:dynamic:Resource"]}})
    )
    return str(path)


def test_our_pack_refuses_the_file_resource_a_stack_of_ours_never_registers(tmp_path: Path) -> None:
    stack, pack = our_pack_on_a_file_stack(tmp_path)
    with pytest.raises(auto.CommandError) as refused:
        stack.preview(policy_packs=[pack], policy_pack_configs=[str(ROOT / "policies" / "config" / "ci.json")])
    assert "allowed-resource-types  (pulumi-python:dynamic:Resource: output)" in str(refused.value)


@pytest.mark.parametrize("config", ["dev.json", "ci.json", "prod.json"])
def test_our_pack_loads_under_the_real_cli_with_each_committed_config(tmp_path: Path, config: str) -> None:
    stack, pack = our_pack_on_a_file_stack(tmp_path)
    outputs: list[str] = []
    committed = json.loads((ROOT / "policies" / "config" / config).read_text())
    preview = stack.preview(
        policy_packs=[pack],
        policy_pack_configs=[allowing_the_file(tmp_path, committed)],
        on_output=outputs.append,
    )
    assert preview.change_summary == {"create": 2}
    assert "trade2026@v0.3.0" in "".join(outputs)


@pytest.mark.parametrize(
    "config",
    [{"no-such-policy": "mandatory"}, {"no-bind-mounts": {"enforcementLevel": "mandatory", "noSuchProperty": 1}}],
    ids=["unknown-policy", "unknown-property"],
)
def test_the_real_cli_lets_unknown_policy_config_pass_silently(tmp_path: Path, config: dict[str, object]) -> None:
    # Why the offline gate refuses these itself (docs/policies.md, "Policy config per environment").
    stack, pack = our_pack_on_a_file_stack(tmp_path)
    path = allowing_the_file(tmp_path, config)
    assert stack.preview(policy_packs=[pack], policy_pack_configs=[path]).change_summary == {"create": 2}


@pytest.mark.parametrize(
    ("config", "error"),
    [
        (
            {"no-bind-mounts": "sometimes"},
            'error: parsing enforcement level for "no-bind-mounts": "sometimes" is not a valid enforcement level',
        ),
        (
            {"stack-memory-budget": {"budgetMb": "lots"}},
            "error: validating policy config: trade2026 0.3.0  stack-memory-budget: budgetMb: "
            "Invalid type. Expected: integer, given: string",
        ),
    ],
    ids=["bad-level", "bad-type"],
)
def test_the_real_cli_refuses_policy_config_that_breaks_the_packs_schema(
    tmp_path: Path, config: dict[str, object], error: str
) -> None:
    stack, pack = our_pack_on_a_file_stack(tmp_path)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    with pytest.raises(auto.CommandError) as refused:
        stack.preview(policy_packs=[pack], policy_pack_configs=[str(path)])
    assert error in str(refused.value)
