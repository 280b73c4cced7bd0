"""The policy gate for real: our pack started by the real CLI (`--policy-pack`) over stacks and
failing Kubernetes fixtures, finding the same violations at the same levels as the offline gate
(`offline.gate`), and the CLI refusing with a non-zero exit when one is mandatory.

Only Kubernetes programs can run here: the Docker fixtures need the Docker provider, which cannot
be built from its module (see docs/real-engine.md); the offline gate alone covers them."""

from __future__ import annotations

import runpy
from collections.abc import Callable
from pathlib import Path

import pytest
from pulumi import automation as auto

from offline.engine import ROOT, run_program
from offline.gate import run_gate
from tests.conftest import config
from tests.realengine.project import Finding, our_pack, project_stack, real_gate, run_main
from tests.supplied import SECRET_KEYS, credentials_config

pytestmark = pytest.mark.real_engine

CI = ROOT / "policies" / "config" / "ci.json"
PROGRAMS = ROOT / "tests" / "programs"


def fixture_program(name: str) -> Callable[[], None]:
    def program() -> None:
        runpy.run_path(str(PROGRAMS / name), run_name="__main__")

    return program


def k8s_real_gate(work: Path, stack: str, program: Callable[[], None]) -> tuple[list[Finding], str | None]:
    """The real CLI's verdict on `program` under ci.json, rendering to a folder (no cluster)."""
    rendered = work / "rendered"
    created = project_stack(work, stack, {"kubernetes:renderYamlToDirectory": str(rendered)}, program=program)
    verdict = real_gate(work, created, CI)
    assert not rendered.exists(), "a preview writes no manifest"
    return verdict


def offline_gate(
    stack: str, program: Path, raw_config: dict[str, str], secret_keys: tuple[str, ...] = ()
) -> list[Finding]:
    report = run_gate(run_program(stack, raw_config, secret_keys=secret_keys, preview=True, program=program), CI)
    return sorted((v.level, v.policy, v.urn, v.detail) for v in report.violations)


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        pytest.param(
            "k8s_node_disk.py",
            [
                (
                    "mandatory",
                    "kubernetes-cluster-internal-services",
                    "urn:pulumi:dev::trade2026::kubernetes:core/v1:Service::nats",
                    "Service nats: type NodePort exposes it outside the cluster",
                ),
                (
                    "mandatory",
                    "kubernetes-data-on-persistent-volumes",
                    "urn:pulumi:dev::trade2026::kubernetes:apps/v1:StatefulSet::nats",
                    "StatefulSet nats: container nats: /data is on volume data, not a PersistentVolumeClaim",
                ),
                (
                    "mandatory",
                    "kubernetes-no-host-path-volumes",
                    "urn:pulumi:dev::trade2026::kubernetes:apps/v1:StatefulSet::nats",
                    "StatefulSet nats: volume data is hostPath /srv/nats",
                ),
            ],
            id="host-path-and-node-port",
        ),
        pytest.param(
            "k8s_privileged.py",
            [
                (
                    "mandatory",
                    "kubernetes-no-host-namespaces",
                    "urn:pulumi:dev::trade2026::kubernetes:apps/v1:StatefulSet::opa",
                    "StatefulSet opa: hostNetwork is true",
                ),
                (
                    "mandatory",
                    "kubernetes-no-host-ports",
                    "urn:pulumi:dev::trade2026::kubernetes:apps/v1:StatefulSet::opa",
                    "StatefulSet opa: container opa: port 8181 is bound to node port 8181",
                ),
                (
                    "mandatory",
                    "kubernetes-no-privileged-containers",
                    "urn:pulumi:dev::trade2026::kubernetes:apps/v1:StatefulSet::opa",
                    "StatefulSet opa: container opa: runs privileged",
                ),
            ],
            id="privileged-host-network-host-port",
        ),
    ],
)
def test_a_failing_fixture_gets_the_same_mandatory_violations_from_the_real_cli_and_the_offline_gate(
    tmp_path: Path, fixture: str, expected: list[Finding]
) -> None:
    real, error = k8s_real_gate(tmp_path, "dev", fixture_program(fixture))
    assert real == expected
    assert offline_gate("dev", PROGRAMS / fixture, {}) == expected
    assert error is not None and "\n code: 1\n" in error


def test_the_kubernetes_stack_passes_both_gates_with_no_violation(tmp_path: Path) -> None:
    real, error = k8s_real_gate(tmp_path, "k8s-dev", run_main)
    assert (real, error) == ([], None)
    raw = {**config("k8s-dev"), **credentials_config()}
    assert offline_gate("k8s-dev", ROOT / "__main__.py", raw, SECRET_KEYS) == []


def test_up_without_a_preview_stops_at_the_first_violating_object_but_not_before_the_others(tmp_path: Path) -> None:
    """The Automation API's `up` passes --skip-preview, so the analyzer judges each resource just
    before its step, and the first mandatory violation (the StatefulSet's or the Service's, as
    steps run concurrently) ends the update. Neither violating object is written, but objects that
    passed and were registered first (Namespace, NetworkPolicy) may be. Hence the gate runs on a
    preview, before any `up`."""
    rendered = tmp_path / "rendered"
    stack = project_stack(
        tmp_path,
        "dev",
        {"kubernetes:renderYamlToDirectory": str(rendered)},
        program=fixture_program("k8s_node_disk.py"),
    )
    violated: list[str] = []

    def on_event(event: auto.EngineEvent) -> None:
        if event.policy_event is not None:
            violated.append(event.policy_event.policy_name)

    with pytest.raises(auto.CommandError, match="\n code: 1\n"):
        stack.up(policy_packs=[our_pack(tmp_path)], policy_pack_configs=[str(CI)], on_event=on_event)
    assert violated
    assert set(violated) <= {
        "kubernetes-cluster-internal-services",
        "kubernetes-data-on-persistent-volumes",
        "kubernetes-no-host-path-volumes",
    }
    written = {path.name for path in rendered.glob("*/*")}
    assert written <= {
        "networking.k8s.io_v1-networkpolicy-trade2026-dev-default-deny-ingress.yaml",
        "v1-namespace-default-trade2026-dev.yaml",
    }
