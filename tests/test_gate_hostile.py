"""The hostile programs of issue 19 through the real gate (the pack as its own process, as CI runs
it): each fails with exit 1, and every violation it gets is written out here. Under the pack
before the allow-lists, 9 of these 13 programs passed with no violation at all."""

from __future__ import annotations

from collections import Counter

import pytest

from offline import gate
from offline.engine import ROOT, run_program
from offline.gate import run_gate

PROGRAMS = ROOT / "tests" / "programs"
CI, PROD = (ROOT / "policies" / "config" / f"{env}.json" for env in ("ci", "prod"))
# The one program run as prod: OpenSearch without security is only refused outside dev stacks.
ON_PROD = {"weak_auth"}

# program -> (policy, resource, how many violations), all mandatory under ci.json / prod.json.
EXPECTED: dict[str, list[tuple[str, str, int]]] = {
    "docker_side_doors": [
        ("allowed-resource-types", "docker:index/image:Image: backup", 1),
        ("allowed-resource-types", "docker:index/plugin:Plugin: sshfs", 1),
        ("allowed-resource-types", "docker:index/service:Service: agent", 1),
        ("allowed-resource-types", "docker:index/tag:Tag: nats-pin", 1),
    ],
    "inline_dynamic_provider": [
        ("allowed-resource-types", "pulumi-python:dynamic:Resource: cache-warmup", 1),
        ("ready-data-providers", "pulumi-python:dynamic/trade2026:JetStreamStream: nats-stream-AUDIT", 1),
    ],
    "explicit_provider": [
        ("no-explicit-providers", "pulumi:providers:docker: build-box", 1),
    ],
    "local_command": [
        ("allowed-resource-types", "command:local:Command: prefetch", 1),
        ("allowed-resource-types", "random:index/randomString:RandomString: suffix", 1),
    ],
    "sidecar_escape": [
        ("allowed-images", "docker:index/remoteImage:RemoteImage: exporter-image", 1),
        ("docker-allowed-fields", "docker:index/container:Container: exporter", 1),
        ("managed-mounts-only", "docker:index/container:Container: exporter", 1),
        ("no-host-namespaces", "docker:index/container:Container: exporter", 4),
        ("no-unconfined-profiles", "docker:index/container:Container: exporter", 2),
    ],
    "host_paths_disguised": [
        ("managed-mounts-only", "docker:index/container:Container: valkey", 1),
        ("no-bind-mounts", "docker:index/container:Container: valkey", 2),
        ("no-bind-mounts", "docker:index/volume:Volume: etc-view", 1),
        ("no-host-file-uploads", "docker:index/container:Container: valkey", 1),
        ("no-sensitive-host-mounts", "docker:index/container:Container: valkey", 2),
        ("no-sensitive-host-mounts", "docker:index/volume:Volume: etc-view", 1),
    ],
    "device_access": [
        ("allowed-images", "docker:index/remoteImage:RemoteImage: worker-image", 1),
        ("docker-allowed-fields", "docker:index/container:Container: worker", 5),
        ("no-host-devices", "docker:index/container:Container: worker", 3),
    ],
    "weak_auth": [
        ("no-default-credentials", "docker:index/container:Container: clickhouse", 1),
        ("no-default-credentials", "docker:index/container:Container: valkey", 1),
        ("no-trust-authentication", "docker:index/container:Container: postgres", 3),
        ("opensearch-security-enabled", "docker:index/container:Container: opensearch", 1),
        ("protected-data-volumes", "docker:index/volume:Volume: clickhouse-data", 1),
        ("protected-data-volumes", "docker:index/volume:Volume: opensearch-data", 1),
        ("protected-data-volumes", "docker:index/volume:Volume: postgres-data", 1),
        ("protected-data-volumes", "docker:index/volume:Volume: valkey-data", 1),
    ],
    "unknown_at_preview": [
        ("allowed-images", "docker:index/remoteImage:RemoteImage: probe-image", 1),
        ("allowed-images", "docker:index/remoteImage:RemoteImage: tools-image", 1),
        ("known-at-preview", "docker:index/container:Container: tools", 3),
    ],
    "k8s_side_doors": [
        ("allowed-images", "kubernetes:core/v1:ReplicationController: shell", 1),
        ("allowed-resource-types", "kubernetes:apps/v1:DeploymentPatch: coredns", 1),
        ("allowed-resource-types", "kubernetes:autoscaling/v2:HorizontalPodAutoscaler: questdb", 1),
        ("allowed-resource-types", "kubernetes:core/v1:PersistentVolume: scratch", 1),
        ("allowed-resource-types", "kubernetes:core/v1:ReplicationController: shell", 1),
        ("allowed-resource-types", "kubernetes:helm.sh/v3:Release: monitoring", 1),
        ("allowed-resource-types", "kubernetes:networking.k8s.io/v1:Ingress: console", 1),
        ("allowed-resource-types", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding: ops", 1),
        ("kubernetes-memory-limits-required", "kubernetes:core/v1:ReplicationController: shell", 1),
        ("kubernetes-network-policy-per-workload", "kubernetes:core/v1:ReplicationController: shell", 1),
        ("kubernetes-no-host-namespaces", "kubernetes:core/v1:ReplicationController: shell", 1),
        ("kubernetes-no-privilege-escalation", "kubernetes:core/v1:ReplicationController: shell", 1),
        ("kubernetes-no-privileged-containers", "kubernetes:core/v1:ReplicationController: shell", 1),
        ("kubernetes-no-unconfined-seccomp", "kubernetes:core/v1:ReplicationController: shell", 1),
        ("kubernetes-probes-required", "kubernetes:core/v1:ReplicationController: shell", 2),
    ],
    "k8s_open_namespace": [
        ("kubernetes-network-policy-per-workload", "kubernetes:apps/v1:StatefulSet: nats", 1),
        ("kubernetes-pod-security-labels", "kubernetes:core/v1:Namespace: namespace", 3),
    ],
    "k8s_relaxed_pod": [
        ("allowed-images", "kubernetes:apps/v1:StatefulSet: worker", 1),
        ("kubernetes-data-on-persistent-volumes", "kubernetes:apps/v1:StatefulSet: worker", 2),
        ("kubernetes-no-host-devices", "kubernetes:apps/v1:StatefulSet: worker", 2),
        ("kubernetes-no-security-relaxations", "kubernetes:apps/v1:StatefulSet: worker", 6),
        ("kubernetes-pod-allowed-fields", "kubernetes:apps/v1:StatefulSet: worker", 5),
        ("kubernetes-pod-security-labels", "kubernetes:core/v1:Namespace: namespace", 1),
    ],
    "k8s_remote_chart": [
        ("allowed-resource-types", "kubernetes:helm.sh/v4:Chart: agent", 1),
        ("allowed-resource-types", "kubernetes:yaml/v2:ConfigGroup: debug", 1),
    ],
}


@pytest.mark.parametrize("program", sorted(EXPECTED))
def test_a_hostile_program_fails_the_gate_with_exactly_these_violations(
    program: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(PROGRAMS))
    stack = "prod" if program in ON_PROD else "dev"
    plan = run_program(stack, {}, preview=True, program=PROGRAMS / f"{program}.py")
    report = run_gate(plan, PROD if program in ON_PROD else CI, config={})
    assert {v.level for v in report.violations} == {"mandatory"}, report.format()
    found = Counter((v.policy, v.resource) for v in report.violations)
    assert sorted((policy, where, n) for (policy, where), n in found.items()) == EXPECTED[program], report.format()


def test_the_gate_command_exits_1_on_a_hostile_program_that_passed_before(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.syspath_prepend(str(PROGRAMS))
    assert gate.main(["--stack", "dev", "--program", str(PROGRAMS / "docker_side_doors.py")]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == (
        "Policy gate FAILED: 4 mandatory, 0 advisory (policies/config/ci.json)"
    )


def test_under_the_developer_config_the_storage_and_credential_rules_stay_mandatory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(PROGRAMS))
    dev = ROOT / "policies" / "config" / "dev.json"
    plan = run_program("dev", {}, preview=True, program=PROGRAMS / "host_paths_disguised.py")
    levels = {v.policy: v.level for v in run_gate(plan, dev, config={}).violations}
    assert levels == {
        "managed-mounts-only": "mandatory",
        "no-bind-mounts": "mandatory",
        "no-host-file-uploads": "mandatory",
        "no-sensitive-host-mounts": "mandatory",
    }
    plan = run_program("dev", {}, preview=True, program=PROGRAMS / "sidecar_escape.py")
    levels = {v.policy: v.level for v in run_gate(plan, dev, config={}).violations}
    assert levels == {
        "allowed-images": "advisory",
        "docker-allowed-fields": "advisory",
        "managed-mounts-only": "mandatory",
        "no-host-namespaces": "advisory",
        "no-unconfined-profiles": "advisory",
    }
