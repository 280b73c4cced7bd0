"""Storage verdicts mutation testing (tools/mutation.sh) found unguarded: which volume driver
options reach the host, volumes mounted through `mounts`, and bind mounts missing a field."""

from __future__ import annotations

from typing import Any

import pytest
from harness import check_resource, check_stack, hardened_container, resource, stack_of
from trade2026_policies import POLICIES
from trade2026_policies.framework import CONTAINER, VOLUME

BY_NAME = {policy.name: policy for policy in POLICIES}
LABEL = "trade2026-dev-nats"
VOLUME_LABEL = "volume trade2026-dev-nats-data (driverOpts)"


def _volume(driver: str | None, options: dict[str, str]) -> dict[str, Any]:
    props: dict[str, Any] = {"name": "trade2026-dev-nats-data", "driverOpts": options}
    if driver is not None:
        props["driver"] = driver
    return props


@pytest.mark.parametrize(
    ("driver", "options", "host"),
    [
        # Any driver that is told to bind (o=bind or rbind, alone or among other options) binds.
        ("vieux/sshfs", {"o": "bind", "device": "/srv/a"}, "/srv/a"),
        ("vieux/sshfs", {"o": "ro, rbind", "device": "/srv/a"}, "/srv/a"),
        ("vieux/sshfs", {"O": "bind", "DEVICE": "/srv/a"}, "/srv/a"),
        # The local driver mounts an absolute device from the host even without o=bind.
        ("local", {"type": "none", "device": "/srv/a"}, "/srv/a"),
        (None, {"type": "none", "device": "/srv/a"}, "/srv/a"),
        ("", {"type": "none", "device": "/srv/a"}, "/srv/a"),
    ],
)
def test_volume_driver_options_that_reach_a_host_directory_are_a_bind_mount(
    driver: str | None, options: dict[str, str], host: str
) -> None:
    assert check_resource(BY_NAME["no-bind-mounts"], _volume(driver, options), type_=VOLUME) == [
        f"{VOLUME_LABEL} is a bind mount of host path {host} in disguise; drop its driverOpts"
    ]


@pytest.mark.parametrize(
    "options",
    [
        # A third-party driver's device is its own (an NFS export, a block device of the plugin).
        {"device": "/export/a"},
        {"o": "addr=10.0.0.1", "device": "/export/a"},
        {"o": "bind"},
        {"mountpoint": "relative/path"},
    ],
)
def test_a_third_party_drivers_own_device_is_no_bind_mount(options: dict[str, str]) -> None:
    assert check_resource(BY_NAME["no-bind-mounts"], _volume("vieux/sshfs", options), type_=VOLUME) == []


def test_a_mount_of_type_volume_with_a_third_party_driver_keeps_its_device() -> None:
    mount = {
        "type": "volume",
        "source": "trade2026-dev-nats-data",
        "target": "/data",
        "volumeOptions": {"driverName": "vieux/sshfs", "driverOptions": {"device": "/export/a"}},
    }
    props = {**hardened_container(), "volumes": [], "mounts": [mount]}
    assert check_resource(BY_NAME["no-bind-mounts"], props) == []


def test_a_bind_mount_missing_its_container_path_or_target_is_reported_with_a_question_mark() -> None:
    props = {**hardened_container(), "volumes": [{"hostPath": "/srv/a"}], "mounts": [{"type": "bind", "source": "/b"}]}
    assert check_resource(BY_NAME["no-bind-mounts"], props) == [
        f"{LABEL}: ? is a bind mount of host path /srv/a; use a docker.Volume instead",
        f"{LABEL}: ? is a bind mount of host path /b; use a docker.Volume instead",
    ]


def test_a_bind_mount_without_a_source_is_still_a_bind_mount() -> None:
    props = {**hardened_container(), "volumes": [], "mounts": [{"type": "bind", "target": "/data"}]}
    assert check_resource(BY_NAME["no-bind-mounts"], props) == [
        f"{LABEL}: /data is a bind mount of host path ?; use a docker.Volume instead"
    ]


def _mounting(name: str, *mounts: dict[str, Any], volumes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {**hardened_container(), "name": f"trade2026-dev-{name}", "volumes": volumes or [], "mounts": list(mounts)}


def test_a_volume_mounted_through_mounts_must_be_a_volume_of_the_stack() -> None:
    props = _mounting("a", {"type": "volume", "source": "elsewhere", "target": "/data"})
    resources = [resource(VOLUME, {"name": "trade2026-dev-nats-data"}), resource(CONTAINER, props)]
    assert [m for _, m in check_stack(BY_NAME["stack-managed-volumes"], resources)] == [
        "trade2026-dev-a: volume elsewhere is not a docker.Volume of this stack"
    ]


def test_only_volume_mounts_with_a_source_and_volumes_without_a_host_path_name_docker_volumes() -> None:
    props = _mounting(
        "a",
        {"type": "bind", "source": "/srv/a", "target": "/a"},
        {"type": "volume", "target": "/anonymous"},
        {"type": "tmpfs", "source": "ignored", "target": "/tmp"},
        volumes=[{"hostPath": "/srv/b", "volumeName": "not-a-volume", "containerPath": "/b"}],
    )
    assert check_stack(BY_NAME["stack-managed-volumes"], [resource(CONTAINER, props)]) == []


def test_one_volume_mounted_through_mounts_by_two_containers_is_shared() -> None:
    mount = {"type": "volume", "source": "trade2026-dev-shared", "target": "/data"}
    stack = stack_of(_mounting("a", mount), _mounting("b", mount), _mounting("c", mount))
    assert [m for _, m in check_stack(BY_NAME["no-shared-volumes"], stack)] == [
        "trade2026-dev-b: volume trade2026-dev-shared is already mounted by trade2026-dev-a",
        "trade2026-dev-c: volume trade2026-dev-shared is already mounted by trade2026-dev-a, trade2026-dev-b",
    ]


def test_a_volume_bound_to_a_host_directory_is_shared_with_a_bind_mount_of_it() -> None:
    bound = resource(VOLUME, {"name": "trade2026-dev-x", "driverOpts": {"o": "bind", "device": "/opt/x/"}})
    first = _mounting("a", {"type": "bind", "source": "/opt/x", "target": "/data"})
    second = _mounting("b", volumes=[{"volumeName": "trade2026-dev-x", "containerPath": "/data"}])
    found = check_stack(BY_NAME["no-shared-volumes"], [bound, resource(CONTAINER, first), resource(CONTAINER, second)])
    assert [m for _, m in found] == ["trade2026-dev-b: host path /opt/x is already mounted by trade2026-dev-a"]


@pytest.mark.parametrize("stack", ["development", "devops", "prod-dev"])
def test_only_dev_and_dev_dash_stacks_may_leave_data_volumes_unprotected_by_default(stack: str) -> None:
    # A glob as wide as dev* would let a stack named devops drop its data on destroy.
    volume = {"name": f"trade2026-{stack}-nats-data"}
    assert check_resource(BY_NAME["protected-data-volumes"], volume, type_=VOLUME, stack=stack) == [
        f"trade2026-{stack}-nats-data: data volume of stack {stack} is not protected; set protectData: true"
    ]


@pytest.mark.parametrize("stack", ["development", "devops"])
def test_only_dev_and_dev_dash_stacks_may_run_opensearch_without_security_by_default(stack: str) -> None:
    props = {**hardened_container(), "envs": ["DISABLE_SECURITY_PLUGIN=true"]}
    assert check_resource(BY_NAME["opensearch-security-enabled"], props, stack=stack) == [
        f"{LABEL}: OpenSearch without login and TLS on stack {stack}"
    ]


def test_options_separated_by_commas_alone_are_read_one_by_one() -> None:
    volume = _volume("vieux/sshfs", {"o": "ro,bind", "device": "/srv/a"})
    assert check_resource(BY_NAME["no-bind-mounts"], volume, type_=VOLUME) == [
        f"{VOLUME_LABEL} is a bind mount of host path /srv/a in disguise; drop its driverOpts"
    ]


def test_a_host_directory_whose_name_merely_starts_like_a_sensitive_one_is_not_its_parent() -> None:
    props = {**hardened_container(), "volumes": [{"hostPath": "/var/runX", "containerPath": "/x"}]}
    config = {"sensitivePaths": ["/var/run/docker.sock"]}
    assert check_resource(BY_NAME["no-sensitive-host-mounts"], props, config=config) == []


def test_host_paths_that_differ_only_in_a_leading_letter_are_not_shared() -> None:
    first = _mounting("a", {"type": "bind", "source": "/Xdata", "target": "/data"})
    second = _mounting("b", {"type": "bind", "source": "/data", "target": "/data"})
    assert check_stack(BY_NAME["no-shared-volumes"], stack_of(first, second)) == []
