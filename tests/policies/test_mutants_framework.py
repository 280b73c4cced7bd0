"""How rules read a resource, where mutation testing (tools/mutation.sh) found verdicts unguarded:
the image a container runs, port defaults, the stack and label of a subject, image references."""

from __future__ import annotations

from typing import Any

import pytest
from harness import ROOT_STACK, check_resource, check_stack, hardened_container, resource, stack_of
from pulumi_policy.proxy import UNKNOWN_OBJECT_VALUE, unknown_checking_proxy
from trade2026_policies import POLICIES
from trade2026_policies.framework import CONTAINER, IMAGE, ImageRef, Subject, image_of
from trade2026_policies.images import is_pinned

BY_NAME = {policy.name: policy for policy in POLICIES}
LABEL = "trade2026-dev-nats"


def test_a_container_naming_its_image_directly_is_checked_by_that_reference() -> None:
    container = resource(CONTAINER, {**hardened_container(), "image": "chrislusf/seaweedfs:4.30"})
    assert image_of(container) == ImageRef("chrislusf/seaweedfs", "4.30", None)


def test_a_container_running_an_image_id_has_no_reference_of_its_own() -> None:
    assert image_of(resource(CONTAINER, hardened_container())) is None


def test_the_image_dependency_counts_only_when_it_is_a_remote_image_with_a_name() -> None:
    other = resource(CONTAINER, {"name": "chrislusf/seaweedfs:4.30"}, name="not-an-image")
    unnamed = resource(IMAGE, {}, name="unnamed")
    container = resource(CONTAINER, {**hardened_container(), "image": "nats:2.10.29-alpine"}, image=[other, unnamed])
    assert image_of(container) == ImageRef("nats", "2.10.29-alpine", None)


def test_internal_ports_of_a_container_naming_its_image_directly_are_found() -> None:
    props = {**hardened_container(), "image": "chrislusf/seaweedfs:4.30"}
    props["ports"] = [{"internal": 9333, "ip": "127.0.0.1"}]
    found = check_stack(BY_NAME["internal-ports-unpublished"], [resource(CONTAINER, props)])
    assert [m for _, m in found] == [f"{LABEL}: port 9333 of chrislusf/seaweedfs is internal; do not publish it"]


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        (
            "registry.corp:5000/team/app:1.2.3@sha256:" + "a" * 64,
            ImageRef("team/app", "1.2.3", "sha256:" + "a" * 64, "registry.corp:5000"),
        ),
        ("library/postgres:16.9", ImageRef("postgres", "16.9", None)),
        ("docker.io/library/postgres:16.9", ImageRef("postgres", "16.9", None)),
        ("index.docker.io/postgres:16.9", ImageRef("postgres", "16.9", None)),
        ("library", ImageRef("library", None, None)),
        # An upper-case first component is a registry host to Docker, never a repository.
        ("LIBRARY/x:1", ImageRef("x", "1", None, "library")),
        ("Mirror.Internal:5000/library/nats:2.10.29", ImageRef("nats", "2.10.29", None, "mirror.internal:5000")),
        ("registry.corp:5000/app", ImageRef("app", None, None, "registry.corp:5000")),
        ("registry.corp:5000/a/b/c:1.0", ImageRef("a/b/c", "1.0", None, "registry.corp:5000")),
        # What Docker would refuse is no image at all.
        ("a/b:c/d", None),
        ("app@", None),
        ("Nats:2.10.29", None),
        ("nats@sha256:abc", None),
        ("https://registry.corp/opa:1.4.2", None),
        ("", None),
    ],
)
def test_an_image_reference_parses_as_docker_reads_it(reference: str, expected: ImageRef | None) -> None:
    assert ImageRef.parse(reference) == expected


def test_a_repository_matches_itself_or_a_mirror_path_ending_in_it_and_nothing_else() -> None:
    def parsed(reference: str) -> ImageRef:
        image = ImageRef.parse(reference)
        assert image is not None
        return image

    assert parsed("mirror/chrislusf/seaweedfs:4.30").is_("chrislusf/seaweedfs")
    assert not parsed("mirrorchrislusf/seaweedfs:4.30").is_("chrislusf/seaweedfs")
    assert not parsed("other-postgres:16.9").is_("postgres")


@pytest.mark.parametrize(
    ("reference", "pinned"),
    [
        ("localhost:1/nats:2.10.29", True),
        ("localhost:65535/nats:2.10.29", True),
        ("localhost:0/nats:2.10.29", False),
        ("localhost:65536/nats:2.10.29", False),
        ("nats:2.10.29", True),
        ("nats:2.10", False),
    ],
)
def test_a_registry_port_from_1_to_65535_and_three_version_parts_by_default_pin(reference: str, pinned: bool) -> None:
    assert is_pinned(reference) is pinned


def test_the_subjects_stack_comes_from_its_urn_and_its_label_from_its_name_else_the_urn() -> None:
    urn = "urn:pulumi:dev-alice::trade2026::trade2026:infra:Nats$docker:index/container:Container::nats"
    assert Subject(CONTAINER, {"name": "trade2026-dev-alice-nats"}, urn).stack == "dev-alice"
    assert Subject(CONTAINER, {"name": "trade2026-dev-alice-nats"}, urn).label == "trade2026-dev-alice-nats"
    assert Subject(CONTAINER, {}, urn).label == "nats"


def test_a_protected_volume_read_from_a_stack_resource_keeps_its_protection() -> None:
    volume = resource("docker:index/volume:Volume", {"name": "v"})
    assert Subject.of(volume) == Subject(
        "docker:index/volume:Volume", {"name": "v"}, volume.urn, False, None, ROOT_STACK
    )


def _port(**port: Any) -> dict[str, Any]:
    return {**hardened_container(), "ports": [port]}


def test_a_port_without_an_internal_number_is_not_a_privileged_container_port() -> None:
    assert check_resource(BY_NAME["no-privileged-container-ports"], _port(external=8080, ip="127.0.0.1")) == []


def test_container_port_1_is_privileged() -> None:
    assert check_resource(BY_NAME["no-privileged-container-ports"], _port(internal=1, ip="127.0.0.1")) == [
        f"{LABEL}: privileged container port 1 is published on a Docker-assigned host port"
    ]


def test_a_port_without_a_protocol_is_tcp_and_conflicts_with_tcp() -> None:
    first = {**hardened_container(), "name": "a", "ports": [{"internal": 1, "external": 9000, "protocol": "tcp"}]}
    second = {**hardened_container(), "name": "b", "ports": [{"internal": 1, "external": 9000}]}
    found = check_stack(BY_NAME["no-host-port-conflicts"], stack_of(first, second))
    assert [m for _, m in found] == ["b: host port 0.0.0.0:9000/tcp is already published by a"]


def test_a_udp_port_does_not_conflict_with_the_same_tcp_port() -> None:
    first = {**hardened_container(), "name": "a", "ports": [{"internal": 1, "external": 9000, "protocol": "udp"}]}
    second = {**hardened_container(), "name": "b", "ports": [{"internal": 1, "external": 9000}]}
    assert check_stack(BY_NAME["no-host-port-conflicts"], stack_of(first, second)) == []


def test_a_container_without_a_restart_policy_is_reported_as_no() -> None:
    props = {**hardened_container()}
    del props["restart"]
    assert check_resource(BY_NAME["restart-policy-set"], props) == [
        f"{LABEL}: restart policy 'no' is not one of unless-stopped, always, on-failure"
    ]


# Default enforcement level and severity of every policy, as a reviewer signs them off: a rule
# quietly turned advisory stops failing `pulumi preview` (tools/breakages.py found no test for it).
LEVELS = {
    "allowed-resource-types": ("mandatory", "critical"),
    "no-explicit-providers": ("mandatory", "critical"),
    "docker-allowed-fields": ("mandatory", "high"),
    "kubernetes-pod-allowed-fields": ("mandatory", "high"),
    "known-at-preview": ("mandatory", "high"),
    "no-bind-mounts": ("mandatory", "high"),
    "stack-managed-volumes": ("mandatory", "high"),
    "no-sensitive-host-mounts": ("mandatory", "critical"),
    "no-shared-volumes": ("advisory", "medium"),
    "protected-data-volumes": ("mandatory", "high"),
    "managed-mounts-only": ("mandatory", "high"),
    "local-volume-driver": ("mandatory", "high"),
    "no-host-file-uploads": ("mandatory", "critical"),
    "pinned-image-tags": ("mandatory", "high"),
    "images-from-stack": ("mandatory", "high"),
    "allowed-images": ("mandatory", "critical"),
    "loopback-port-bindings": ("mandatory", "high"),
    "no-privileged-host-ports": ("mandatory", "medium"),
    "no-privileged-container-ports": ("advisory", "low"),
    "no-host-port-conflicts": ("mandatory", "high"),
    "internal-ports-unpublished": ("mandatory", "high"),
    "no-host-namespaces": ("mandatory", "critical"),
    "user-defined-networks": ("advisory", "low"),
    "bridge-networks": ("mandatory", "high"),
    "stack-managed-networks": ("mandatory", "high"),
    "healthcheck-required": ("mandatory", "medium"),
    "restart-policy-set": ("advisory", "low"),
    "memory-limit-required": ("mandatory", "medium"),
    "stack-memory-budget": ("mandatory", "medium"),
    "no-privileged-containers": ("mandatory", "critical"),
    "no-added-capabilities": ("mandatory", "high"),
    "no-new-privileges": ("advisory", "medium"),
    "no-unconfined-profiles": ("mandatory", "high"),
    "no-host-devices": ("mandatory", "high"),
    "no-cgroup-parent": ("advisory", "low"),
    "no-root-user": ("mandatory", "medium"),
    "local-log-driver": ("mandatory", "medium"),
    "no-default-credentials": ("mandatory", "critical"),
    "no-trust-authentication": ("mandatory", "critical"),
    "opensearch-security-enabled": ("mandatory", "high"),
    "stack-scoped-names": ("mandatory", "medium"),
    "jetstream-file-storage": ("mandatory", "high"),
    "bounded-jetstream-streams": ("advisory", "medium"),
    "kubernetes-no-host-path-volumes": ("mandatory", "critical"),
    "kubernetes-data-on-persistent-volumes": ("mandatory", "high"),
    "kubernetes-pinned-images": ("mandatory", "high"),
    "kubernetes-probes-required": ("mandatory", "medium"),
    "kubernetes-memory-limits-required": ("mandatory", "medium"),
    "kubernetes-stack-memory-budget": ("mandatory", "medium"),
    "kubernetes-no-privileged-containers": ("mandatory", "critical"),
    "kubernetes-no-host-namespaces": ("mandatory", "high"),
    "kubernetes-no-host-ports": ("mandatory", "high"),
    "kubernetes-no-added-capabilities": ("mandatory", "high"),
    "kubernetes-no-privilege-escalation": ("mandatory", "high"),
    "kubernetes-no-unconfined-seccomp": ("mandatory", "high"),
    "kubernetes-cluster-internal-services": ("mandatory", "high"),
    "kubernetes-network-policy-per-workload": ("mandatory", "high"),
    "kubernetes-stack-namespace": ("mandatory", "medium"),
    "kubernetes-no-security-relaxations": ("mandatory", "high"),
    "kubernetes-no-host-devices": ("mandatory", "high"),
    "kubernetes-pod-security-labels": ("mandatory", "high"),
}


def test_every_policy_has_its_signed_off_enforcement_level_and_severity() -> None:
    found = {p.name: (p.enforcement_level, p.severity) for p in POLICIES}
    assert {
        name: (level and level.value, severity and severity.value) for name, (level, severity) in found.items()
    } == (LEVELS)


def test_a_bare_registry_like_name_is_a_repository_not_a_registry() -> None:
    assert ImageRef.parse("localhost") == ImageRef("localhost", None, None)


def test_an_entry_unknown_in_preview_does_not_hide_the_entries_after_it() -> None:
    # The first port is an object the engine knows only after `up`; the policy runtime's proxy
    # raises UnknownValueError on reading it, as during `pulumi preview`.
    ports = [UNKNOWN_OBJECT_VALUE, {"internal": 4222, "ip": "0.0.0.0"}]
    props = unknown_checking_proxy({**hardened_container(), "ports": ports})
    assert check_resource(BY_NAME["loopback-port-bindings"], props) == [
        f"{LABEL}: port 4222 is published on 0.0.0.0; bind it to 127.0.0.1"
        " (pulumi config set trade2026:bindAddress 127.0.0.1)"
    ]
