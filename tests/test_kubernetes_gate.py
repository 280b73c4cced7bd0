"""The offline gate on Kubernetes stacks: the same pack, the same Analyzer protocol."""

from __future__ import annotations

import pytest

from offline import gate
from offline.engine import ROOT, run_program
from offline.gate import run_gate

CI = ROOT / "policies" / "config" / "ci.json"


def test_the_committed_kubernetes_stack_passes_the_ci_gate_with_no_violation() -> None:
    report = run_gate(run_program("k8s-dev", preview=True), CI)
    assert report.violations == [], report.format()


def test_node_disk_and_a_node_port_fail_the_gate_naming_the_objects() -> None:
    program = ROOT / "tests" / "programs" / "k8s_node_disk.py"
    report = run_gate(run_program("dev", {}, preview=True, program=program), CI)
    assert sorted((v.level, v.policy, v.resource) for v in report.violations) == [
        ("mandatory", "kubernetes-cluster-internal-services", "kubernetes:core/v1:Service: nats"),
        ("mandatory", "kubernetes-data-on-persistent-volumes", "kubernetes:apps/v1:StatefulSet: nats"),
        ("mandatory", "kubernetes-no-host-path-volumes", "kubernetes:apps/v1:StatefulSet: nats"),
    ]
    details = {v.policy: v.detail for v in report.violations}
    assert details["kubernetes-no-host-path-volumes"] == "StatefulSet nats: volume data is hostPath /srv/nats"


def test_the_gate_command_passes_the_committed_kubernetes_stack(capsys: pytest.CaptureFixture[str]) -> None:
    assert gate.main(["--stack", "k8s-dev"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "Policy gate passed: 0 mandatory, 0 advisory (policies/config/ci.json)"
    )
