"""The CLI that tools/pulumi/build.sh built, and a Python dynamic provider through it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pulumi
import pytest

from tests.realengine.fileprovider import File
from tests.realengine.support import engine_env, inline_stack

pytestmark = pytest.mark.real_engine


def test_the_built_cli_reports_the_release_it_was_built_from(tmp_path: Path) -> None:
    env = engine_env(tmp_path)
    cli = Path(env["TRADE2026_PULUMI_BIN"]) / "pulumi"
    version = subprocess.run([cli, "version"], env=env, capture_output=True, text=True, check=True)
    assert version.stdout.strip() == "v3.274.1"


def test_up_creates_a_second_up_changes_nothing_an_edit_updates_and_destroy_deletes(tmp_path: Path) -> None:
    target = tmp_path / "greeting.txt"
    content = "hello"

    def program() -> None:
        greeting = File("greeting", str(target), content)
        pulumi.export("path", greeting.path)

    stack = inline_stack(tmp_path, program, engine_env(tmp_path))

    created = stack.up()
    assert created.summary.resource_changes == {"create": 2}
    assert target.read_text() == "hello"
    assert created.outputs["path"].value == str(target)

    assert stack.up().summary.resource_changes == {"same": 2}

    content = "hello again"
    assert stack.up().summary.resource_changes == {"update": 1, "same": 1}
    assert target.read_text() == "hello again"

    assert stack.destroy().summary.resource_changes == {"delete": 2}
    assert not target.exists()
