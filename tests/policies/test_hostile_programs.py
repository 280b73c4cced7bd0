"""Programs an adversarial reviewer wrote to slip past the pack (issue 6, section 2): each hole
with a failing fixture, and the legitimate spelling beside it with a passing one."""

from __future__ import annotations

from typing import Any

import pytest
from harness import check_resource, check_stack, hardened_container, mutated, resource, stack_of
from pulumi_policy import PolicyResource
from trade2026_policies import POLICIES
from trade2026_policies.framework import CONTAINER, IMAGE, NETWORK, VOLUME

BY_NAME = {policy.name: policy for policy in POLICIES}
BIND_ETC = {"type": "none", "o": "bind", "device": "/etc"}


def _volume(driver_opts: dict[str, str] | None, driver: str | None = "local") -> dict[str, Any]:
    props: dict[str, Any] = {"name": "trade2026-dev-nats-data"}
    if driver is not None:
        props["driver"] = driver
    if driver_opts is not None:
        props["driverOpts"] = driver_opts
    return props


# Volumes with driver options ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("driver", "options", "expected"),
    [
        pytest.param(
            "local",
            BIND_ETC,
            [
                "volume trade2026-dev-nats-data (driverOpts) is a bind mount of host path /etc in disguise; "
                "drop its driverOpts"
            ],
            id="local o=bind device=/etc",
        ),
        pytest.param(
            "local",
            {"type": "none", "o": "ro,rbind", "device": "/opt/data"},
            [
                "volume trade2026-dev-nats-data (driverOpts) is a bind mount of host path /opt/data in disguise; "
                "drop its driverOpts"
            ],
            id="o lists rbind among other options",
        ),
        pytest.param(
            None,
            {"device": "/opt/data"},
            [
                "volume trade2026-dev-nats-data (driverOpts) is a bind mount of host path /opt/data in disguise; "
                "drop its driverOpts"
            ],
            id="default driver with a host device",
        ),
        pytest.param(
            "local-persist",
            {"mountpoint": "/srv/nats"},
            [
                "volume trade2026-dev-nats-data (driverOpts) is a bind mount of host path /srv/nats in disguise; "
                "drop its driverOpts"
            ],
            id="third-party driver with a host mountpoint",
        ),
    ],
)
def test_a_volume_whose_driver_options_bind_a_host_path_is_a_bind_mount(
    driver: str | None, options: dict[str, str], expected: list[str]
) -> None:
    assert check_resource(BY_NAME["no-bind-mounts"], _volume(options, driver), type_=VOLUME) == expected


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(None, id="no driver options"),
        pytest.param({"type": "tmpfs", "device": "tmpfs", "o": "size=100m"}, id="tmpfs"),
        pytest.param({"type": "nfs", "o": "addr=10.0.0.2,rw", "device": ":/exports/nats"}, id="nfs export"),
    ],
)
def test_a_volume_that_binds_no_host_path_is_not_a_bind_mount(options: dict[str, str] | None) -> None:
    assert check_resource(BY_NAME["no-bind-mounts"], _volume(options), type_=VOLUME) == []
    assert check_resource(BY_NAME["no-sensitive-host-mounts"], _volume(options), type_=VOLUME) == []


def test_a_volume_binding_etc_is_a_sensitive_host_mount() -> None:
    assert check_resource(BY_NAME["no-sensitive-host-mounts"], _volume(BIND_ETC), type_=VOLUME) == [
        "volume trade2026-dev-nats-data (driverOpts) mounts sensitive host path /etc"
    ]


def test_a_volume_declared_inline_on_a_mount_with_bind_options_is_a_bind_mount() -> None:
    mount = {"type": "volume", "target": "/data", "volumeOptions": {"driverName": "local", "driverOptions": BIND_ETC}}
    props = mutated(lambda p: p.__setitem__("mounts", [mount]))
    assert check_resource(BY_NAME["no-bind-mounts"], props) == [
        "trade2026-dev-nats: /data is a bind mount of host path /etc; use a docker.Volume instead"
    ]
    assert check_resource(BY_NAME["no-sensitive-host-mounts"], props) == [
        "trade2026-dev-nats: /data mounts sensitive host path /etc"
    ]


# Host path spellings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "//var/run/docker.sock",
        "/var/run/docker.sock/",
        "/var/./run/docker.sock",
        "/tmp/../var/run/docker.sock",
        "/../var/run//docker.sock",
    ],
)
def test_the_docker_socket_is_found_however_its_path_is_spelt(spelling: str) -> None:
    props = mutated(lambda p: p.__setitem__("volumes", [{"hostPath": spelling, "containerPath": "/sock"}]))
    assert check_resource(BY_NAME["no-sensitive-host-mounts"], props) == [
        f"trade2026-dev-nats: /sock mounts sensitive host path {spelling}"
    ]


@pytest.mark.parametrize(
    "path",
    ["/var/lib/trade", "/home/alice", "/srv/data", "/media/usb", "/root/.ssh", "/boot/efi", "/var", "/home/"],
)
def test_host_directories_with_data_of_the_host_or_its_users_are_sensitive(path: str) -> None:
    props = mutated(lambda p: p.__setitem__("mounts", [{"type": "bind", "source": path, "target": "/data"}]))
    assert check_resource(BY_NAME["no-sensitive-host-mounts"], props) == [
        f"trade2026-dev-nats: /data mounts sensitive host path {path}"
    ]


@pytest.mark.parametrize("path", ["/opt/trade2026/data", "/mnt/scratch", "/data/nats", "/variable", "/srv-data"])
def test_host_directories_outside_the_sensitive_list_are_not_sensitive(path: str) -> None:
    props = mutated(lambda p: p.__setitem__("volumes", [{"hostPath": path, "containerPath": "/data"}]))
    assert check_resource(BY_NAME["no-sensitive-host-mounts"], props) == []


def test_mounting_a_parent_of_a_sensitive_path_exposes_it() -> None:
    policy = BY_NAME["no-sensitive-host-mounts"]
    props = mutated(lambda p: p.__setitem__("volumes", [{"hostPath": "/opt/..//", "containerPath": "/host"}]))
    assert check_resource(policy, props) == ["trade2026-dev-nats: /host mounts sensitive host path /opt/..//"]
    narrow = {"sensitivePaths": ["/var/run/docker.sock"]}
    parent = mutated(lambda p: p.__setitem__("volumes", [{"hostPath": "/var/run", "containerPath": "/run"}]))
    assert check_resource(policy, parent, config=narrow) == [
        "trade2026-dev-nats: /run mounts sensitive host path /var/run"
    ]


# Ports -------------------------------------------------------------------------------------------


def test_publish_all_ports_is_a_wildcard_bind() -> None:
    policy = BY_NAME["loopback-port-bindings"]
    assert check_resource(policy, mutated(lambda p: p.__setitem__("publishAllPorts", True))) == [
        "trade2026-dev-nats: publishAllPorts publishes every exposed port on 0.0.0.0"
    ]
    assert check_resource(policy, mutated(lambda p: p.__setitem__("publishAllPorts", False))) == []


def test_publish_all_ports_on_an_image_with_internal_ports_publishes_them() -> None:
    policy = BY_NAME["internal-ports-unpublished"]
    opensearch = {**hardened_container(), "publishAllPorts": True}
    found = check_stack(policy, stack_of(opensearch, image="opensearchproject/opensearch:2.19.1"))
    assert [m for _, m in found] == [
        "trade2026-dev-nats: publishAllPorts publishes every port opensearchproject/opensearch exposes, "
        "internal ones (9300, 9600) included"
    ]
    assert check_stack(policy, stack_of(opensearch, image="openpolicyagent/opa:1.4.2")) == []


@pytest.mark.parametrize(
    ("port", "expected"),
    [
        (
            {"internal": 80, "external": 8080, "ip": "127.0.0.1"},
            ["trade2026-dev-nats: privileged container port 80 is published on host port 8080"],
        ),
        (
            {"internal": 443, "ip": "127.0.0.1"},
            ["trade2026-dev-nats: privileged container port 443 is published on a Docker-assigned host port"],
        ),
        ({"internal": 1024, "external": 1024, "ip": "127.0.0.1"}, []),
        ({"internal": 8222, "ip": "127.0.0.1"}, []),
    ],
)
def test_a_privileged_container_port_published_on_any_host_port_is_reported(
    port: dict[str, Any], expected: list[str]
) -> None:
    props = mutated(lambda p: p.__setitem__("ports", [port]))
    assert check_resource(BY_NAME["no-privileged-container-ports"], props) == expected
    assert check_resource(BY_NAME["no-privileged-host-ports"], props) == []


# Networks ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["trade2026-dev-backend", "none", "container:trade2026-dev-nats"])
def test_network_modes_off_the_default_bridge_are_not_user_defined_network_violations(mode: str) -> None:
    props = mutated(lambda p: (p.pop("networksAdvanced"), p.__setitem__("networkMode", mode)))
    assert check_resource(BY_NAME["user-defined-networks"], props) == []


@pytest.mark.parametrize("mode", ["bridge", "default"])
def test_network_mode_naming_the_default_bridge_is_reported_on_a_container_of_no_user_network(mode: str) -> None:
    props = mutated(lambda p: (p.pop("networksAdvanced"), p.__setitem__("networkMode", mode)))
    assert check_resource(BY_NAME["user-defined-networks"], props) == [
        f"trade2026-dev-nats: networkMode {mode} is Docker's default bridge"
    ]


@pytest.mark.parametrize("mode", ["bridge", "default"])
def test_the_providers_default_network_mode_beside_user_networks_passes(mode: str) -> None:
    # The real CLI's Analyze sees networkMode "bridge" on every container (the provider's Check
    # fills it in), and the provider takes a container with networksAdvanced off the default
    # bridge before starting it; tests/realdocker/test_gate_parity.py runs this for real.
    props = mutated(lambda p: p.__setitem__("networkMode", mode))
    assert check_resource(BY_NAME["user-defined-networks"], props) == []


# no-new-privileges -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "opts",
    [
        ["no-new-privileges"],
        ["no-new-privileges:true"],
        ["no-new-privileges=true"],
        ["no-new-privileges=1"],
        ["no-new-privileges:1"],
        ["no-new-privileges=True"],
        ["no-new-privileges=false", "no-new-privileges"],
        ["seccomp=default.json", "no-new-privileges=TRUE"],
    ],
)
def test_every_spelling_docker_accepts_turns_no_new_privileges_on(opts: list[str]) -> None:
    assert check_resource(BY_NAME["no-new-privileges"], mutated(lambda p: p.__setitem__("securityOpts", opts))) == []


@pytest.mark.parametrize(
    "opts",
    [[], ["no-new-privileges=false"], ["no-new-privileges:0"], ["no-new-privileges", "no-new-privileges=False"]],
)
def test_only_an_explicit_false_or_no_setting_leaves_no_new_privileges_off(opts: list[str]) -> None:
    assert check_resource(BY_NAME["no-new-privileges"], mutated(lambda p: p.__setitem__("securityOpts", opts))) == [
        "trade2026-dev-nats: securityOpts lacks no-new-privileges:true"
    ]


def test_a_no_new_privileges_value_docker_refuses_is_reported() -> None:
    props = mutated(lambda p: p.__setitem__("securityOpts", ["no-new-privileges=yes"]))
    assert check_resource(BY_NAME["no-new-privileges"], props) == [
        "trade2026-dev-nats: no-new-privileges value 'yes' is not a boolean Docker accepts"
    ]


# Shared host directories -------------------------------------------------------------------------


def _named(name: str, **props: Any) -> dict[str, Any]:
    return {**hardened_container(), "name": f"trade2026-dev-{name}", "volumes": [], **props}


def test_two_containers_bind_mounting_the_same_host_directory_share_a_volume() -> None:
    a = _named("a", mounts=[{"type": "bind", "source": "/opt/shared", "target": "/data"}])
    b = _named("b", volumes=[{"hostPath": "/opt/shared/", "containerPath": "/data"}])
    found = check_stack(BY_NAME["no-shared-volumes"], stack_of(a, b))
    assert [m for _, m in found] == ["trade2026-dev-b: host path /opt/shared is already mounted by trade2026-dev-a"]


def test_a_host_directory_inside_or_above_another_containers_bind_mount_is_shared() -> None:
    a = _named("a", volumes=[{"hostPath": "/opt/shared", "containerPath": "/data"}])
    b = _named("b", volumes=[{"hostPath": "/opt/shared/b", "containerPath": "/data"}])
    found = check_stack(BY_NAME["no-shared-volumes"], stack_of(a, b))
    assert [m for _, m in found] == ["trade2026-dev-b: host path /opt/shared/b is already mounted by trade2026-dev-a"]
    c = _named("c", volumes=[{"hostPath": "/opt/shared/c", "containerPath": "/data"}])
    d = _named("d", volumes=[{"hostPath": "/opt", "containerPath": "/data"}])
    found = check_stack(BY_NAME["no-shared-volumes"], stack_of(c, d))
    assert [m for _, m in found] == ["trade2026-dev-d: host path /opt is already mounted by trade2026-dev-c"]


def test_distinct_host_directories_are_not_shared() -> None:
    a = _named("a", volumes=[{"hostPath": "/opt/a", "containerPath": "/data"}])
    b = _named("b", volumes=[{"hostPath": "/opt/ab", "containerPath": "/data"}])
    assert check_stack(BY_NAME["no-shared-volumes"], stack_of(a, b)) == []


def test_two_volumes_binding_the_same_host_directory_are_shared() -> None:
    volumes = [
        resource(VOLUME, {"name": f"trade2026-dev-{n}-data", "driverOpts": {"o": "bind", "device": "/opt/x"}})
        for n in ("a", "b")
    ]
    containers = [
        resource(CONTAINER, _named(n, volumes=[{"volumeName": f"trade2026-dev-{n}-data", "containerPath": "/d"}]))
        for n in ("a", "b")
    ]
    resources: list[PolicyResource] = [resource(NETWORK, {"name": "trade2026-dev-backend"}), *volumes, *containers]
    found = check_stack(BY_NAME["no-shared-volumes"], resources)
    assert [m for _, m in found] == ["trade2026-dev-b: host path /opt/x is already mounted by trade2026-dev-a"]


# Restart policy ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("restart", "retries", "expected"),
    [
        ("on-failure", 5, []),
        ("on-failure", 1, []),
        ("on-failure", 6, ["trade2026-dev-nats: on-failure needs maxRetryCount between 1 and 5"]),
        ("on-failure", 0, ["trade2026-dev-nats: on-failure needs maxRetryCount between 1 and 5"]),
        ("unless-stopped", 0, []),
    ],
)
def test_on_failure_retries_are_a_bounded_range_not_exactly_five(
    restart: str, retries: int, expected: list[str]
) -> None:
    props = mutated(lambda p: p.update(restart=restart, maxRetryCount=retries))
    assert check_resource(BY_NAME["restart-policy-set"], props) == expected


def test_the_hardened_volume_image_and_network_raise_nothing_under_the_new_rules() -> None:
    for name in ("no-bind-mounts", "no-sensitive-host-mounts", "no-privileged-container-ports"):
        for type_, props in (
            (VOLUME, _volume(None)),
            (IMAGE, {"name": "nats:2.10.29-alpine"}),
            (CONTAINER, hardened_container()),
        ):
            assert check_resource(BY_NAME[name], props, type_=type_) == [], (name, type_)
