"""`python -m verify --stack NAME` reading a real stack's outputs through the Automation API.

The Pulumi CLI (built by the real-engine tier into the tool cache, or on PATH) keeps a stack in a
local file backend; an inline program exports `endpoints` and a secret `credentials` as our program
does; verify then finds them by stack name alone and checks a real nats-server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from components.nats import SHEET as NATS
from components.readydata import JetStreamStreamProvider
from offline.engine import ROOT
from tests.real import servers
from tests.real.support import CACHE, require_program

pytestmark = pytest.mark.real_server


def test_verify_reads_the_outputs_of_a_stack_by_name(
    nats_server: servers.NatsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not (ROOT / "tools" / "pulumi" / "build.sh").exists():
        # The real-engine tier builds the CLI; a checkout without that tier has nothing to run this with.
        pytest.skip("the real-engine tier (tools/pulumi/build.sh) that builds the Pulumi CLI is not in this checkout")
    cli = require_program("pulumi", "build it with tools/pulumi/build.sh", *sorted(CACHE.glob("pulumi-*/bin")))
    env = {
        "PATH": f"{Path(cli).parent}{os.pathsep}{os.environ['PATH']}",
        "PULUMI_BACKEND_URL": f"file://{tmp_path}",
        "PULUMI_CONFIG_PASSPHRASE": "verify-test",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for declaration in NATS.declare().ready:
        JetStreamStreamProvider().create({"kind": declaration.kind, **declaration.props(), "endpoint": nats_server.url})

    import pulumi
    from pulumi import automation

    def program() -> None:
        pulumi.export("endpoints", {"nats": {"client": nats_server.url}})
        pulumi.export("credentials", pulumi.Output.secret({"questdb": {"password": "NotPrintedEver123"}}))

    stack = automation.create_or_select_stack(stack_name="dev-verify", project_name="trade2026", program=program)
    assert stack.up(on_output=lambda _line: None).summary.result == "succeeded"

    result = subprocess.run(
        [sys.executable, "-m", "verify", "--stack", "dev-verify", "--no-progress"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("1/1 services work (")
    assert "NotPrintedEver123" not in result.stdout + result.stderr
