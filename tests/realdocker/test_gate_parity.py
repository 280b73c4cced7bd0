"""The policy gate on Docker stacks for real: our pack started by the real CLI (`--policy-pack`)
while it previews the program through the bridged Docker provider, against the offline gate
(`offline.gate`) on the same program: the same violations at the same levels, and a non-zero exit
when one is mandatory. Preview only: nothing reaches the engine."""

from __future__ import annotations

import runpy
from collections.abc import Callable
from pathlib import Path

import pytest

from offline.engine import ROOT, run_program
from offline.gate import run_gate
from tests.conftest import config
from tests.realdocker.stacks import stack_env
from tests.realdocker.support import DOCKER_HOST
from tests.realengine.project import Finding, project_stack, real_gate, run_main
from tests.supplied import SUPPLIED, credentials_config

pytestmark = pytest.mark.real_docker

CI = ROOT / "policies" / "config" / "ci.json"
PROGRAMS = ROOT / "tests" / "programs"
# The dev stack declares no OpenSearch login (its security plugin is off).
DEV_CREDENTIALS = {service: values for service, values in SUPPLIED.items() if service != "opensearch"}


def docker_real_gate(work: Path, program: Callable[[], None]) -> tuple[list[Finding], str | None]:
    stack_env(work)  # the Docker provider, or a skip / CI failure
    created = project_stack(
        work,
        "dev",
        credentials=DEV_CREDENTIALS,
        program=program,
        extra_env={"DOCKER_HOST": DOCKER_HOST},
        needs_kubernetes=False,
    )
    return real_gate(work, created, CI)


def offline_findings(
    program: Path, raw: dict[str, str], secret_keys: tuple[str, ...] = (), *, by_gate: bool = False
) -> list[Finding]:
    """The offline gate's findings: the pack's (what the real CLI's pack must match), or with
    `by_gate` the gate's own check of pickled providers, which no pack under the CLI can make."""
    report = run_gate(run_program("dev", raw, secret_keys=secret_keys, preview=True, program=program), CI)
    return sorted((v.level, v.policy, v.urn, v.detail) for v in report.violations if v.by_gate == by_gate)


def fixture(name: str, monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    # The fixtures import their shared hardened container from their own folder.
    monkeypatch.syspath_prepend(str(PROGRAMS))

    def program() -> None:
        runpy.run_path(str(PROGRAMS / name), run_name="__main__")

    return program


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param(
            "bind_mount.py",
            [
                (
                    "mandatory",
                    "no-bind-mounts",
                    "urn:pulumi:dev::trade2026::docker:index/container:Container::clickhouse",
                    "trade2026-dev-clickhouse: /data is a bind mount of host path /opt/trade2026/clickhouse;"
                    " use a docker.Volume instead",
                ),
            ],
            id="bind-mount",
        ),
        pytest.param(
            "latest_tag.py",
            [
                (
                    "mandatory",
                    "pinned-image-tags",
                    "urn:pulumi:dev::trade2026::docker:index/remoteImage:RemoteImage::questdb-image",
                    "questdb/questdb:latest: image questdb/questdb:latest floats with every release",
                ),
            ],
            id="latest-tag",
        ),
    ],
)
def test_a_failing_docker_fixture_gets_the_same_violations_from_the_real_cli_and_the_offline_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, expected: list[Finding]
) -> None:
    real, error = docker_real_gate(tmp_path, fixture(name, monkeypatch))
    assert real == expected
    assert offline_findings(PROGRAMS / name, {}) == expected
    assert error is not None and "\n code: 1\n" in error


@pytest.mark.parametrize(
    ("name", "policies"),
    [
        pytest.param(
            "sidecar_escape.py",
            ["allowed-images", "docker-allowed-fields", "managed-mounts-only"]
            + ["no-host-namespaces"] * 4
            + ["no-unconfined-profiles"] * 2,
            id="sidecar-escape",
        ),
        pytest.param(
            "host_paths_disguised.py",
            ["managed-mounts-only"]
            + ["no-bind-mounts"] * 3
            + ["no-host-file-uploads"]
            + ["no-sensitive-host-mounts"] * 3,
            id="host-paths-disguised",
        ),
    ],
)
def test_a_hostile_docker_program_gets_every_violation_from_both_gates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, policies: list[str]
) -> None:
    real, error = docker_real_gate(tmp_path, fixture(name, monkeypatch))
    assert real == offline_findings(PROGRAMS / name, {})
    assert sorted(policy for level, policy, _, _ in real if level == "mandatory") == policies
    assert error is not None and "\n code: 1\n" in error


def test_the_cli_shows_the_pack_no_pickled_provider_so_the_offline_gate_checks_it_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A dynamic provider of the program's own under the stack's JetStream stream type: the pack
    # under the real CLI sees the same properties as offline (no `__provider`), so only the
    # gate's own check names the stream, and the CLI would run its provider at `up`.
    real, error = docker_real_gate(tmp_path, fixture("inline_dynamic_provider.py", monkeypatch))
    assert real == offline_findings(PROGRAMS / "inline_dynamic_provider.py", {})
    assert "ready-data-providers" not in {policy for _, policy, _, _ in real}
    assert error is not None and "\n code: 1\n" in error  # the other type is refused by the pack
    [(level, policy, urn, _)] = offline_findings(PROGRAMS / "inline_dynamic_provider.py", {}, by_gate=True)
    assert (level, policy, urn.rsplit("::", 1)[-1]) == ("mandatory", "ready-data-providers", "nats-stream-AUDIT")


def test_the_dev_stack_passes_both_gates_with_no_violation(tmp_path: Path) -> None:
    real, error = docker_real_gate(tmp_path, run_main)
    assert (real, error) == ([], None)
    raw = {**config("dev"), **credentials_config(DEV_CREDENTIALS)}
    assert offline_findings(ROOT / "__main__.py", raw, ("trade2026:credentials",)) == []
    assert offline_findings(ROOT / "__main__.py", raw, ("trade2026:credentials",), by_gate=True) == []
