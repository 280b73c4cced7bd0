"""What the pack promises beyond single verdicts: its sensitive paths, the references it shows
beside violations, its definition of a pinned image, and internal ports matching the program's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from trade2026_policies import POLICIES
from trade2026_policies.framework import ImageRef
from trade2026_policies.images import PinnedTags, is_pinned, pinning_problem
from trade2026_policies.network import InternalPorts
from trade2026_policies.storage import SensitivePaths

from tests.pinned_image_cases import PINNED_IMAGE_CASES


def test_the_default_sensitive_host_paths_are_exactly_these() -> None:
    assert SensitivePaths().sensitive_paths == [
        "/",
        "/bin",
        "/boot",
        "/dev",
        "/etc",
        "/home",
        "/lib",
        "/media",
        "/proc",
        "/root",
        "/run",
        "/run/docker.sock",
        "/sbin",
        "/srv",
        "/sys",
        "/usr",
        "/var",
        "/var/lib/docker",
        "/var/run",
        "/var/run/docker.sock",
    ]


# Which benchmark each rule codes, as the CLI receives it in GetAnalyzerInfo.
FRAMEWORKS = {
    "no-bind-mounts": "Trade2026 infrastructure",
    "stack-managed-volumes": "Trade2026 infrastructure",
    "no-sensitive-host-mounts": "CIS Docker Benchmark",
    "no-shared-volumes": "KICS",
    "protected-data-volumes": "Trade2026 infrastructure",
    "pinned-image-tags": "CIS Docker Benchmark",
    "loopback-port-bindings": "CIS Docker Benchmark",
    "no-privileged-host-ports": "CIS Docker Benchmark",
    "no-privileged-container-ports": "KICS",
    "no-host-port-conflicts": "Trade2026 infrastructure",
    "internal-ports-unpublished": "CIS Docker Benchmark",
    "no-host-namespaces": "CIS Docker Benchmark",
    "user-defined-networks": "CIS Docker Benchmark",
    "healthcheck-required": "CIS Docker Benchmark",
    "restart-policy-set": "CIS Docker Benchmark",
    "memory-limit-required": "CIS Docker Benchmark",
    "stack-memory-budget": "Trade2026 infrastructure",
    "no-privileged-containers": "CIS Docker Benchmark",
    "no-added-capabilities": "CIS Docker Benchmark",
    "no-new-privileges": "CIS Docker Benchmark",
    "no-unconfined-profiles": "CIS Docker Benchmark",
    "no-host-devices": "CIS Docker Benchmark",
    "no-cgroup-parent": "CIS Docker Benchmark",
    "no-default-credentials": "KICS",
    "opensearch-security-enabled": "Trade2026 infrastructure",
    "stack-scoped-names": "Trade2026 infrastructure",
    "jetstream-file-storage": "Trade2026 infrastructure",
    "bounded-jetstream-streams": "Trade2026 infrastructure",
    "kubernetes-no-host-path-volumes": "Kubernetes Pod Security Standards",
    "kubernetes-data-on-persistent-volumes": "Trade2026 infrastructure",
    "kubernetes-pinned-images": "Trade2026 infrastructure",
    "kubernetes-probes-required": "Trade2026 infrastructure",
    "kubernetes-memory-limits-required": "Trade2026 infrastructure",
    "kubernetes-stack-memory-budget": "Trade2026 infrastructure",
    "kubernetes-no-privileged-containers": "Kubernetes Pod Security Standards",
    "kubernetes-no-host-namespaces": "Kubernetes Pod Security Standards",
    "kubernetes-no-host-ports": "Kubernetes Pod Security Standards",
    "kubernetes-no-added-capabilities": "Kubernetes Pod Security Standards",
    "kubernetes-no-privilege-escalation": "Kubernetes Pod Security Standards",
    "kubernetes-no-unconfined-seccomp": "Kubernetes Pod Security Standards",
    "kubernetes-cluster-internal-services": "Trade2026 infrastructure",
    "kubernetes-network-policy-per-workload": "CIS Kubernetes Benchmark",
    "kubernetes-stack-namespace": "CIS Kubernetes Benchmark",
    "allowed-resource-types": "Trade2026 infrastructure",
    "no-explicit-providers": "Trade2026 infrastructure",
    "docker-allowed-fields": "Trade2026 infrastructure",
    "kubernetes-pod-allowed-fields": "Kubernetes Pod Security Standards",
    "known-at-preview": "Trade2026 infrastructure",
    "managed-mounts-only": "Trade2026 infrastructure",
    "local-volume-driver": "Trade2026 infrastructure",
    "no-host-file-uploads": "Trade2026 infrastructure",
    "images-from-stack": "Trade2026 infrastructure",
    "allowed-images": "Trade2026 infrastructure",
    "bridge-networks": "Trade2026 infrastructure",
    "stack-managed-networks": "Trade2026 infrastructure",
    "no-root-user": "CIS Docker Benchmark",
    "local-log-driver": "Trade2026 infrastructure",
    "no-trust-authentication": "Trade2026 infrastructure",
    "kubernetes-no-security-relaxations": "Kubernetes Pod Security Standards",
    "kubernetes-no-host-devices": "Trade2026 infrastructure",
    "kubernetes-pod-security-labels": "Kubernetes Pod Security Standards",
}


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_every_policy_names_its_benchmark_and_says_how_to_fix_a_violation(policy: Any) -> None:
    assert policy.framework.name == FRAMEWORKS[policy.name]
    benchmark = policy.framework.name != "Trade2026 infrastructure"
    assert bool(policy.framework.reference) == benchmark, "benchmark rules cite their item; own rules cite none"
    assert bool(policy.url) == benchmark
    assert policy.remediation_steps and policy.remediation_steps.endswith(".")


def test_every_policy_of_the_pack_is_in_the_framework_table() -> None:
    assert sorted(p.name for p in POLICIES) == sorted(FRAMEWORKS)


@pytest.mark.parametrize(("reference", "expected"), PINNED_IMAGE_CASES, ids=repr)
def test_the_packs_pinned_image_definition_agrees_with_the_shared_table(reference: str, expected: bool) -> None:
    assert (pinning_problem(reference, PinnedTags()) is None) is expected


def test_two_part_releases_pass_only_where_the_pack_config_allows_them() -> None:
    assert is_pinned("postgres:16.9-alpine") is False
    assert is_pinned("postgres:16.9-alpine", version_parts=2) is True
    assert is_pinned("postgres:16-alpine", version_parts=2) is False


def test_a_reference_docker_would_not_parse_is_named_so_not_as_a_floating_tag() -> None:
    problem = pinning_problem("nats:2.10.29/x", PinnedTags())
    assert problem == "image nats:2.10.29/x is not a reference Docker would parse"


# Ports the program's catalog marks published=False, per image repository, written out.
CATALOG_INTERNAL_PORTS = {
    "clickhouse/clickhouse-server": {9009},
    "opensearchproject/opensearch": {9300, 9600},
    "questdb/questdb": {9003},
    "chrislusf/seaweedfs": {8080, 8888, 9333},
}


def _pack_internal_ports(repository: str) -> set[int]:
    defaults = InternalPorts().internal_ports
    return {port for repo, ports in defaults.items() if ImageRef.parse(repository).is_(repo) for port in ports}


@pytest.mark.parametrize(("repository", "ports"), CATALOG_INTERNAL_PORTS.items())
def test_the_packs_default_internal_ports_cover_the_catalogs(repository: str, ports: set[int]) -> None:
    assert ports <= _pack_internal_ports(repository)


def catalog_internal_ports(sheets: Mapping[str, Any]) -> dict[str, set[int]]:
    """Image repository -> ports marked published=False, read from the program's data sheets."""
    found: dict[str, set[int]] = {}
    for spec in sheets.values():
        internal = {port.number for port in spec.ports if not port.published}
        if internal:
            found[ImageRef.parse(spec.image).repository] = internal
    return found


def test_the_written_out_internal_ports_are_the_catalogs_current_ones(sheets: Mapping[str, Any]) -> None:
    assert catalog_internal_ports(sheets) == CATALOG_INTERNAL_PORTS


def test_the_packs_default_internal_ports_cover_every_port_the_catalog_marks_internal(
    sheets: Mapping[str, Any],
) -> None:
    for repository, ports in catalog_internal_ports(sheets).items():
        assert ports <= _pack_internal_ports(repository), repository
