"""Values of allowed fields that a rule refuses (issue 19): one hostile case per class, beside the
spelling the program uses, which passes."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from harness import UNKNOWN, at_preview, check_resource, check_stack, hardened_container, resource, stack_of
from test_kubernetes_rules import Change, container, hardened_network_policy, hardened_statefulset, pod
from test_kubernetes_rules import stack_of as kubernetes_stack
from trade2026_policies import POLICIES
from trade2026_policies.framework import CONTAINER, IMAGE, NETWORK, VOLUME
from trade2026_policies.kubernetes import CONFIG_MAP, NAMESPACE, SECRET, STATEFUL_SET

BY_NAME = {policy.name: policy for policy in POLICIES}
LABEL = "trade2026-dev-nats"


def _with(**props: Any) -> dict[str, Any]:
    return {**hardened_container(), **props}


# Host paths in every form the provider accepts ------------------------------------------------------


def test_a_volume_name_that_is_a_path_is_a_bind_mount_not_a_volume() -> None:
    props = _with(volumes=[{"volumeName": "/var/run/docker.sock", "containerPath": "/sock"}])
    assert check_resource(BY_NAME["no-bind-mounts"], props) == [
        f"{LABEL}: /sock is a bind mount of host path /var/run/docker.sock; use a docker.Volume instead"
    ]
    assert check_resource(BY_NAME["no-sensitive-host-mounts"], props) == [
        f"{LABEL}: /sock mounts sensitive host path /var/run/docker.sock"
    ]
    assert check_stack(BY_NAME["stack-managed-volumes"], stack_of(props)) == []


def test_an_overlay_volume_whose_layers_are_host_directories_is_a_bind_mount() -> None:
    overlay = {"name": "v", "driver": "local", "driverOpts": {"type": "overlay", "o": "lowerdir=/etc:/usr,upperdir=/u"}}
    assert check_resource(BY_NAME["no-sensitive-host-mounts"], overlay, type_=VOLUME) == [
        "volume v (driverOpts) mounts sensitive host path /etc"
    ]
    assert check_resource(BY_NAME["local-volume-driver"], overlay, type_=VOLUME) == []


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        (
            {"volumes": [{"fromContainer": "portainer", "containerPath": "/x"}]},
            "takes every volume of container portainer, whatever they hold",
        ),
        (
            {"tmpfs": {"/data": "rw,size=512m"}},
            "keeps /data in memory (tmpfs), where a restart loses what is written there",
        ),
        (
            {"mounts": [{"type": "tmpfs", "target": "/var/lib/postgresql/data"}]},
            "keeps /var/lib/postgresql/data in memory (tmpfs), where a restart loses what is written there",
        ),
        (
            {"mounts": [{"type": "npipe", "source": r"\\.\pipe\docker_engine", "target": "/pipe"}]},
            "mounts /pipe as npipe, which is neither a stack volume nor a reviewed path",
        ),
        (
            {
                "mounts": [
                    {
                        "type": "volume",
                        "source": "x",
                        "target": "/backup",
                        "volumeOptions": {"driverOptions": {"type": "nfs", "o": "addr=10.0.0.2", "device": ":/e"}},
                    }
                ]
            },
            "mounts /backup through an inline volume driver (local with options)",
        ),
        (
            {"mounts": [{"type": "volume", "target": "/scratch"}]},
            "mounts an anonymous volume on /scratch, which no docker.Volume of the stack manages",
        ),
        (
            {"volumes": [{"containerPath": "/var/lib/postgresql/data"}]},
            "mounts an anonymous volume on /var/lib/postgresql/data, which no docker.Volume of the stack manages",
        ),
    ],
    ids=[
        "volumes_from",
        "tmpfs field",
        "tmpfs mount",
        "npipe",
        "inline nfs driver",
        "anonymous volume mount",
        "anonymous volume",
    ],
)
def test_mounts_other_than_stack_volumes_are_refused(props: dict[str, Any], expected: str) -> None:
    assert check_resource(BY_NAME["managed-mounts-only"], _with(**props)) == [f"{LABEL}: {expected}"]


def test_a_named_volume_mount_and_a_bind_mount_are_left_to_their_own_rules() -> None:
    mounts = [{"type": "volume", "source": "trade2026-dev-nats-data", "target": "/data"}]
    assert check_resource(BY_NAME["managed-mounts-only"], _with(mounts=mounts)) == []
    binds = [{"type": "bind", "source": "/etc", "target": "/etc"}]
    assert check_resource(BY_NAME["managed-mounts-only"], _with(mounts=binds)) == []


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"driver": "rexray/ebs"}, "volume v: driver rexray/ebs keeps the data where that plugin decides"),
        (
            {"driver": "local", "driverOpts": {"type": "nfs", "o": "addr=10.0.0.2,rw", "device": ":/exports"}},
            "volume v: driver options (type nfs) mount something other than Docker's own directory",
        ),
        (
            {"driverOpts": {"type": "tmpfs", "device": "tmpfs"}},
            "volume v: driver options (type tmpfs) mount something other than Docker's own directory",
        ),
    ],
)
def test_a_volume_off_dockers_own_directory_is_refused(props: dict[str, Any], expected: str) -> None:
    assert check_resource(BY_NAME["local-volume-driver"], {"name": "v", **props}, type_=VOLUME) == [expected]
    assert check_resource(BY_NAME["local-volume-driver"], {"name": "v", "driver": "local"}, type_=VOLUME) == []


def test_an_upload_read_from_a_file_of_the_machine_running_pulumi_is_refused() -> None:
    uploads = [
        {"file": "/root/.ssh/id_ed25519", "source": "/home/ci/.ssh/id_ed25519"},
        {"file": "/etc/token", "sourceHash": "abc"},
        {"file": "/etc/motd", "content": "hello"},
    ]
    assert check_resource(BY_NAME["no-host-file-uploads"], _with(uploads=uploads)) == [
        f"{LABEL}: /root/.ssh/id_ed25519 is read from a file of the machine running Pulumi (/home/ci/.ssh/id_ed25519)",
        f"{LABEL}: /etc/token is read from a file of the machine running Pulumi",
    ]


# Devices, profiles, namespaces, users, logs --------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("gpus", "all"),
        ("deviceRequests", [{"driver": "cdi", "deviceIds": ["nvidia.com/gpu=all"]}]),
        ("deviceCgroupRules", ["a *:* rwm"]),
        ("deviceReadBps", [{"path": "/dev/sda", "rate": 1}]),
        ("deviceWriteIops", [{"path": "/dev/sda", "rate": 1}]),
    ],
)
def test_every_way_to_hand_a_container_host_devices_is_refused(key: str, value: Any) -> None:
    assert check_resource(BY_NAME["no-host-devices"], _with(**{key: value})) == [
        f"{LABEL}: {key} gives the container host devices"
    ]


@pytest.mark.parametrize(
    ("opt", "reason"),
    [
        ("label=disable", "changes or disables the SELinux label"),
        ("label:type:spc_t", "changes or disables the SELinux label"),
        ("seccomp=/tmp/allow-all.json", "replaces Docker's default seccomp profile"),
        ("apparmor=docker-unconfined", "replaces Docker's default AppArmor profile"),
        ("systempaths=unconfined", "unmasks /proc and /sys paths Docker hides"),
        ("writable-cgroups=true", "is not an option this stack uses"),
    ],
)
def test_security_options_beyond_no_new_privileges_are_refused(opt: str, reason: str) -> None:
    props = _with(securityOpts=["no-new-privileges:true", opt])
    assert check_resource(BY_NAME["no-unconfined-profiles"], props) == [f"{LABEL}: security option {opt} {reason}"]


@pytest.mark.parametrize(
    ("key", "mode", "expected"),
    [
        ("networkMode", "container:trade2026-dev-postgres", "networkMode is container:trade2026-dev-postgres"),
        ("pidMode", "container:abc123", "pidMode is container:abc123"),
        ("ipcMode", "container:trade2026-dev-postgres", "ipcMode is container:trade2026-dev-postgres"),
        ("cgroupnsMode", "host", "cgroupnsMode is host"),
        ("usernsMode", "host", "usernsMode is host"),
    ],
)
def test_joining_the_hosts_or_another_containers_namespace_is_refused(key: str, mode: str, expected: str) -> None:
    suffix = ", another container's namespace" if mode.startswith("container:") else ""
    assert check_resource(BY_NAME["no-host-namespaces"], _with(**{key: mode})) == [f"{LABEL}: {expected}{suffix}"]


@pytest.mark.parametrize(("key", "mode"), [("cgroupnsMode", "private"), ("ipcMode", "shareable"), ("ipcMode", "none")])
def test_a_namespace_of_the_containers_own_is_fine(key: str, mode: str) -> None:
    assert check_resource(BY_NAME["no-host-namespaces"], _with(**{key: mode})) == []


@pytest.mark.parametrize(
    ("user", "root"),
    [("root", True), ("0", True), ("0:0", True), ("root:docker", True), ("1000", False), ("rootless", False)],
)
def test_an_explicit_root_user_is_refused(user: str, root: bool) -> None:
    found = check_resource(BY_NAME["no-root-user"], _with(user=user))
    assert found == ([f"{LABEL}: user {user} runs the container's process as root"] if root else [])


def test_logs_shipped_off_the_docker_host_are_refused() -> None:
    props = _with(logDriver="syslog", logOpts={"syslog-address": "tcp://10.66.0.9:514", "tag": "x"})
    assert check_resource(BY_NAME["local-log-driver"], props) == [
        f"{LABEL}: log driver syslog sends the container's logs off the Docker host",
        f"{LABEL}: log option syslog-address is not one of the local drivers'",
    ]
    local = _with(logDriver="json-file", logOpts={"max-size": "10m", "max-file": "3"})
    assert check_resource(BY_NAME["local-log-driver"], local) == []


# Images and networks of the stack ------------------------------------------------------------------


def test_an_image_unknown_at_preview_must_come_from_a_remote_image_of_the_stack() -> None:
    policy = BY_NAME["images-from-stack"]
    unknown = at_preview(_with(image=UNKNOWN))
    assert (
        check_stack(policy, [resource(CONTAINER, unknown, image=[resource(IMAGE, {"name": "nats:2.10.29-alpine"})])])
        == []
    )
    assert [m for _, m in check_stack(policy, [resource(CONTAINER, unknown)])] == [
        f"{LABEL}: its image was unknown at preview and is no RemoteImage's here"
    ]


def test_an_image_id_no_remote_image_of_the_stack_pulled_is_refused() -> None:
    found = check_stack(BY_NAME["images-from-stack"], [resource(CONTAINER, _with(image="sha256:" + "e" * 64))])
    assert [m for _, m in found] == [
        f"{LABEL}: image sha256:{'e' * 64} is an image id no RemoteImage of this stack pulled"
    ]
    assert check_stack(BY_NAME["images-from-stack"], stack_of(hardened_container())) == []


@pytest.mark.parametrize("driver", ["host", "macvlan", "ipvlan", "overlay", "none"])
def test_a_network_off_the_bridge_driver_is_refused(driver: str) -> None:
    found = check_resource(BY_NAME["bridge-networks"], {"name": "trade2026-dev-x", "driver": driver}, type_=NETWORK)
    assert found == [f"network trade2026-dev-x: driver {driver} is not bridge"]


def test_a_network_whose_addresses_a_plugin_manages_is_refused_and_dockers_own_passes() -> None:
    network = {"name": "trade2026-dev-x", "driver": "bridge"}
    found = check_resource(BY_NAME["bridge-networks"], {**network, "ipamDriver": "infoblox"}, type_=NETWORK)
    assert found == ["network trade2026-dev-x: ipamDriver infoblox hands address management to a plugin"]
    # "default", which the provider's Check fills in when the program leaves it unset.
    assert check_resource(BY_NAME["bridge-networks"], {**network, "ipamDriver": "default"}, type_=NETWORK) == []
    assert check_resource(BY_NAME["docker-allowed-fields"], {**network, "ipamDriver": "default"}, type_=NETWORK) == []


@pytest.mark.parametrize(
    ("props", "network"),
    [
        ({"networksAdvanced": [{"name": "trade2026-prod-backend"}]}, "trade2026-prod-backend"),
        ({"networksAdvanced": [], "networkMode": "trade2026-prod-backend"}, "trade2026-prod-backend"),
    ],
)
def test_joining_a_network_the_stack_does_not_manage_is_refused(props: dict[str, Any], network: str) -> None:
    found = check_stack(BY_NAME["stack-managed-networks"], stack_of(_with(**props)))
    assert [m for _, m in found] == [f"{LABEL}: network {network} is not a docker.Network of this stack"]
    assert check_stack(BY_NAME["stack-managed-networks"], stack_of(hardened_container())) == []


# Credentials and authentication ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "where"),
    [
        ({"envs": ["clickhouse_password=admin"]}, f"{LABEL}: env clickhouse_password"),
        ({"envs": ["REDIS_PASS=changeme"]}, f"{LABEL}: env REDIS_PASS"),
        ({"envs": ["MINIO_ROOT_PWD=password"]}, f"{LABEL}: env MINIO_ROOT_PWD"),
        ({"command": ["valkey-server", "--requirepass", "changeme"]}, f"{LABEL}: command"),
        ({"command": ["--password=admin"]}, f"{LABEL}: command"),
        ({"entrypoints": ["sh", "-c", "PGPASSWORD=postgres psql"]}, f"{LABEL}: entrypoints"),
        ({"healthcheck": {"tests": ["CMD", "valkey-cli", "--pass", "secret", "ping"]}}, f"{LABEL}: healthcheck"),
        (
            {"uploads": [{"file": "/etc/v.conf", "contentBase64": base64.b64encode(b"requirepass admin\n").decode()}]},
            f"{LABEL}: uploaded file /etc/v.conf",
        ),
    ],
    ids=[
        "lower-case name",
        "_PASS",
        "_PWD",
        "command flag",
        "command flag=",
        "entrypoint",
        "healthcheck",
        "base64 upload",
    ],
)
def test_a_default_credential_is_found_in_every_place_a_container_is_told_it(props: dict[str, Any], where: str) -> None:
    found = check_resource(BY_NAME["no-default-credentials"], _with(**props))
    assert [m.removesuffix(" holds a well-known default credential") for m in found] == [where]


def test_a_default_credential_is_found_in_kubernetes_env_args_secrets_and_config_maps() -> None:
    policy = BY_NAME["no-default-credentials"]
    workload = hardened_statefulset()
    container(workload)["env"] = [{"name": "POSTGRES_PASSWORD", "value": "postgres"}]
    container(workload)["args"] = ["--requirepass", "changeme"]
    assert check_resource(policy, workload, type_=STATEFUL_SET) == [
        "StatefulSet nats: container nats: env POSTGRES_PASSWORD holds a well-known default credential",
        "StatefulSet nats: container nats: args holds a well-known default credential",
    ]
    meta = {"name": "creds", "namespace": "trade2026-dev"}
    secret = {"kind": "Secret", "metadata": meta, "data": {"password": base64.b64encode(b"admin").decode()}}
    assert check_resource(policy, secret, type_=SECRET) == [
        "Secret creds: env password holds a well-known default credential"
    ]
    config_map = {"kind": "ConfigMap", "metadata": meta, "data": {"valkey.conf": "requirepass quest\n"}}
    assert check_resource(policy, config_map, type_=CONFIG_MAP) == [
        "ConfigMap creds: key valkey.conf holds a well-known default credential"
    ]


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        (
            {"envs": ["POSTGRES_HOST_AUTH_METHOD=trust"]},
            "env POSTGRES_HOST_AUTH_METHOD lets clients in without a password",
        ),
        (
            {"envs": ["POSTGRES_INITDB_ARGS=--auth-host=trust"]},
            "env POSTGRES_INITDB_ARGS lets clients in without a password",
        ),
        ({"envs": ["ALLOW_EMPTY_PASSWORD=yes"]}, "env ALLOW_EMPTY_PASSWORD lets clients in without a password"),
        (
            {"envs": ["CLICKHOUSE_SKIP_USER_SETUP=1"]},
            "env CLICKHOUSE_SKIP_USER_SETUP lets clients in without a password",
        ),
        ({"command": ["postgres", "-c", "x", "--auth=trust"]}, "command makes initdb trust every connection"),
        (
            {"uploads": [{"file": "/etc/pg_hba.conf", "content": "# local\nhost all all 0.0.0.0/0 trust\n"}]},
            "uploaded file /etc/pg_hba.conf has a pg_hba line with method trust, "
            "which lets clients in without a password",
        ),
    ],
    ids=["host auth method", "initdb args", "empty password switch", "clickhouse default user", "command", "pg_hba"],
)
def test_switching_a_servers_login_off_is_refused(props: dict[str, Any], expected: str) -> None:
    assert check_resource(BY_NAME["no-trust-authentication"], _with(**props)) == [f"{LABEL}: {expected}"]


def test_password_authentication_and_a_comment_about_trust_are_fine() -> None:
    props = _with(
        envs=["POSTGRES_HOST_AUTH_METHOD=scram-sha-256", "POSTGRES_INITDB_ARGS=--auth-host=scram-sha-256"],
        uploads=[{"file": "/etc/pg_hba.conf", "content": "# never trust\nhost all all 0.0.0.0/0 scram-sha-256\n"}],
    )
    assert check_resource(BY_NAME["no-trust-authentication"], props) == []


def test_trust_lines_in_a_config_map_and_trust_in_a_pods_env_are_refused() -> None:
    policy = BY_NAME["no-trust-authentication"]
    config_map = {"kind": "ConfigMap", "metadata": {"name": "pg"}, "data": {"pg_hba.conf": "local all all trust"}}
    assert check_resource(policy, config_map, type_=CONFIG_MAP) == [
        "ConfigMap pg: key pg_hba.conf has a pg_hba line with method trust, which lets clients in without a password"
    ]
    workload = hardened_statefulset()
    container(workload)["env"] = [{"name": "POSTGRES_HOST_AUTH_METHOD", "value": "trust"}]
    assert check_resource(policy, workload, type_=STATEFUL_SET) == [
        "StatefulSet nats: container nats: env POSTGRES_HOST_AUTH_METHOD lets clients in without a password"
    ]


@pytest.mark.parametrize(
    "props",
    [
        {"envs": ["plugins.security.disabled=true"]},
        {"envs": ["DISABLE_SECURITY_PLUGIN=TRUE"]},
        {"command": ["opensearch", "-Eplugins.security.disabled=true"]},
        {
            "uploads": [
                {"file": "/usr/share/opensearch/config/opensearch.yml", "content": "plugins.security.disabled: true\n"}
            ]
        },
    ],
    ids=["setting as env", "switch, upper case", "-E option", "opensearch.yml"],
)
def test_opensearch_security_off_is_refused_on_prod_in_every_spelling(props: dict[str, Any]) -> None:
    policy = BY_NAME["opensearch-security-enabled"]
    [message] = check_resource(policy, _with(**props), stack="prod")
    assert message.endswith(": OpenSearch without login and TLS on stack prod")
    assert check_resource(policy, _with(**props), stack="dev") == []


def test_opensearch_security_off_in_a_pod_is_refused_on_prod() -> None:
    workload = hardened_statefulset()
    container(workload)["env"] = [{"name": "DISABLE_SECURITY_PLUGIN", "value": "true"}]
    assert check_resource(BY_NAME["opensearch-security-enabled"], workload, type_=STATEFUL_SET, stack="prod") == [
        "StatefulSet nats: container nats: OpenSearch without login and TLS on stack prod"
    ]


# Kubernetes pods ---------------------------------------------------------------------------------


def in_pod_security(key: str, value: Any) -> Change:
    return lambda props: pod(props)["securityContext"].__setitem__(key, value)


def in_container_security(key: str, value: Any) -> Change:
    return lambda props: container(props)["securityContext"].__setitem__(key, value)


def annotate(key: str, value: str) -> Change:
    return lambda props: props["spec"]["template"]["metadata"].__setitem__("annotations", {key: value})


RELAXATIONS: list[tuple[Change, str]] = [
    (in_pod_security("seLinuxOptions", {"type": "spc_t"}), "pod seLinuxOptions.type is spc_t"),
    (in_container_security("seLinuxOptions", {"user": "system_u"}), "container nats: seLinuxOptions.user is set"),
    (in_container_security("appArmorProfile", {"type": "Unconfined"}), "container nats: appArmorProfile is Unconfined"),
    (in_container_security("procMount", "Unmasked"), "container nats: procMount is Unmasked, so /proc is unmasked"),
    (
        in_container_security("windowsOptions", {"hostProcess": True}),
        "container nats: windowsOptions.hostProcess runs it as a process of the Windows node",
    ),
    (in_pod_security("runAsUser", 0), "pod runAsUser is 0 (root)"),
    (in_container_security("runAsNonRoot", False), "container nats: runAsNonRoot is false"),
    (
        annotate("container.apparmor.security.beta.kubernetes.io/nats", "unconfined"),
        "annotation container.apparmor.security.beta.kubernetes.io/nats is unconfined",
    ),
    (
        annotate("seccomp.security.alpha.kubernetes.io/pod", "unconfined"),
        "annotation seccomp.security.alpha.kubernetes.io/pod is unconfined",
    ),
]


@pytest.mark.parametrize(("change", "problem"), RELAXATIONS, ids=[p for _, p in RELAXATIONS])
def test_a_relaxed_security_context_is_refused(change: Change, problem: str) -> None:
    props = hardened_statefulset()
    change(props)
    assert check_resource(BY_NAME["kubernetes-no-security-relaxations"], props, type_=STATEFUL_SET) == [
        f"StatefulSet nats: {problem}"
    ]


@pytest.mark.parametrize(
    "change",
    [
        in_pod_security("seLinuxOptions", {"type": "container_t", "level": "s0:c1,c2"}),
        in_container_security("appArmorProfile", {"type": "RuntimeDefault"}),
        in_container_security("procMount", "Default"),
        in_pod_security("runAsUser", 1000),
        in_container_security("runAsNonRoot", True),
        annotate("container.apparmor.security.beta.kubernetes.io/nats", "runtime/default"),
    ],
)
def test_the_profiles_pod_security_allows_pass(change: Change) -> None:
    props = hardened_statefulset()
    change(props)
    assert check_resource(BY_NAME["kubernetes-no-security-relaxations"], props, type_=STATEFUL_SET) == []


def test_gpus_claims_and_raw_block_devices_are_refused_and_hugepages_pass() -> None:
    props = hardened_statefulset()
    container(props)["resources"]["limits"].update({"nvidia.com/gpu": "1", "hugepages-2Mi": "64Mi"})
    container(props)["resources"]["claims"] = [{"name": "gpu"}]
    container(props)["volumeDevices"] = [{"name": "disk", "devicePath": "/dev/xvdb"}]
    pod(props)["resourceClaims"] = [{"name": "gpu", "resourceClaimName": "gpu-claim"}]
    assert check_resource(BY_NAME["kubernetes-no-host-devices"], props, type_=STATEFUL_SET) == [
        "StatefulSet nats: claims devices through dynamic resource allocation",
        "StatefulSet nats: container nats: requests device resource nvidia.com/gpu",
        "StatefulSet nats: container nats: claims devices through dynamic resource allocation",
        "StatefulSet nats: container nats: raw block device /dev/xvdb",
    ]


# Namespaces and network policies -------------------------------------------------------------------


def _namespace(**labels: str) -> dict[str, Any]:
    return {"kind": "Namespace", "metadata": {"name": "trade2026-dev", "labels": labels}}


PSS = "pod-security.kubernetes.io"


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({}, ["no pod-security.kubernetes.io/enforce label, so the cluster default (privileged) applies"]),
        ({f"{PSS}/enforce": "privileged"}, ["pod-security.kubernetes.io/enforce is privileged, below baseline"]),
        (
            {f"{PSS}/enforce": "baseline", f"{PSS}/warn": "privileged"},
            ["pod-security.kubernetes.io/warn is privileged, below baseline"],
        ),
        ({f"{PSS}/enforce": "none"}, ["pod-security.kubernetes.io/enforce is none, not a Pod Security level"]),
        (
            {f"{PSS}/enforce": "baseline", f"{PSS}/enforce-version": "v1.22"},
            ["pod-security.kubernetes.io/enforce-version is v1.22, not latest"],
        ),
        ({f"{PSS}/enforce": "baseline", f"{PSS}/audit": "restricted"}, []),
        ({f"{PSS}/enforce": "restricted", f"{PSS}/enforce-version": "latest"}, []),
    ],
)
def test_namespace_labels_that_relax_pod_security_are_refused(labels: dict[str, str], expected: list[str]) -> None:
    found = check_resource(BY_NAME["kubernetes-pod-security-labels"], _namespace(**labels), type_=NAMESPACE)
    assert found == [f"Namespace trade2026-dev: {e}" for e in expected]


def test_an_environment_may_require_the_restricted_level() -> None:
    found = check_resource(
        BY_NAME["kubernetes-pod-security-labels"],
        _namespace(**{f"{PSS}/enforce": "baseline"}),
        type_=NAMESPACE,
        config={"minimumLevel": "restricted"},
    )
    assert found == ["Namespace trade2026-dev: pod-security.kubernetes.io/enforce is baseline, below restricted"]


def _ingress(*rules: dict[str, Any]) -> dict[str, Any]:
    policy = hardened_network_policy()
    policy["spec"]["ingress"] = list(rules)
    return policy


@pytest.mark.parametrize(
    "rule",
    [
        {},
        {"ports": [{"port": 5432}]},
        {"from": []},
        {"from": [{"namespaceSelector": {}}]},
        {"from": [{"namespaceSelector": {}, "podSelector": {}}]},
        {
            "from": [
                {"podSelector": {"matchLabels": {"trade2026.io/backend": "true"}}},
                {"ipBlock": {"cidr": "0.0.0.0/0"}},
            ]
        },
        {"from": [{"ipBlock": {"cidr": "::/0", "except": ["fd00::/8"]}}]},
    ],
    ids=[
        "empty rule",
        "ports only",
        "empty from",
        "every namespace",
        "every pod of every namespace",
        "0.0.0.0/0",
        "::/0",
    ],
)
def test_a_network_policy_that_admits_every_source_does_not_restrict(rule: dict[str, Any]) -> None:
    found = check_stack(
        BY_NAME["kubernetes-network-policy-per-workload"],
        kubernetes_stack(hardened_statefulset(), policies=(_ingress(rule),)),
    )
    assert [m for _, m in found] == ["StatefulSet nats: NetworkPolicy backend ingress rule 0 admits every source"]


def test_an_allow_all_policy_opens_pods_that_another_policy_restricts() -> None:
    policies = (hardened_network_policy(), {**_ingress({}), "metadata": {"name": "open", "namespace": "trade2026-dev"}})
    found = check_stack(
        BY_NAME["kubernetes-network-policy-per-workload"], kubernetes_stack(hardened_statefulset(), policies=policies)
    )
    assert [m for _, m in found] == ["StatefulSet nats: NetworkPolicy open ingress rule 0 admits every source"]


@pytest.mark.parametrize(
    "rule",
    [
        {"from": [{"podSelector": {}}]},
        {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]},
        {"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]},
    ],
    ids=["every pod of the namespace", "one namespace", "a private block"],
)
def test_a_network_policy_that_names_its_sources_restricts(rule: dict[str, Any]) -> None:
    assert (
        check_stack(
            BY_NAME["kubernetes-network-policy-per-workload"],
            kubernetes_stack(hardened_statefulset(), policies=(_ingress(rule),)),
        )
        == []
    )


# Whose images -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "problem"),
    [
        ("attacker/nats:2.10.29-alpine", "is not one of the stack's repositories"),
        ("portainer/agent:2.21.4", "is not one of the stack's repositories"),
        (
            "registry.example.net/nats:2.10.29-alpine",
            "comes from registry registry.example.net, which this environment does not allow",
        ),
        (
            "localhost:5000/postgres:16.9-alpine",
            "comes from registry localhost:5000, which this environment does not allow",
        ),
        ("nats:2.10.29-alpine", None),
        ("docker.io/library/postgres:16.9-alpine", None),
        ("index.docker.io/valkey/valkey:8.1.3-alpine", None),
        # Read as Docker reads it: an upper-case first component is a registry, not an account.
        ("NATS/nats:2.10.29-alpine", "comes from registry nats, which this environment does not allow"),
        # What Docker would not parse cannot be judged as one of the stack's repositories.
        ("nats:2.10.29-alpine/x", "is not a reference Docker would parse"),
        ("nats@sha256:abc", "is not a reference Docker would parse"),
    ],
)
def test_only_the_stacks_repositories_from_docker_hub_run(reference: str, problem: str | None) -> None:
    found = check_resource(BY_NAME["allowed-images"], {"name": reference}, type_=IMAGE, name="img")
    assert found == ([f"{reference}: image {reference} {problem}"] if problem else [])


def test_an_allowed_mirror_may_prefix_the_path_but_not_change_the_repository() -> None:
    config = {"allowedRegistries": ["mirror.example.net:5000"]}
    policy = BY_NAME["allowed-images"]
    ok = "mirror.example.net:5000/hub/nats:2.10.29-alpine"
    bad = "mirror.example.net:5000/hub/natsx:2.10.29-alpine"
    assert check_resource(policy, {"name": ok}, type_=IMAGE, config=config) == []
    assert check_resource(policy, {"name": bad}, type_=IMAGE, config=config) == [
        f"{bad}: image {bad} is not one of the stack's repositories"
    ]


def test_containers_and_pods_run_only_the_stacks_repositories() -> None:
    policy = BY_NAME["allowed-images"]
    assert check_resource(policy, _with(image="alpine:3.20.3")) == [
        f"{LABEL}: image alpine:3.20.3 is not one of the stack's repositories"
    ]
    assert check_resource(policy, hardened_container()) == []
    workload = hardened_statefulset()
    container(workload)["image"] = "nvidia/cuda:12.6.3-base-ubuntu24.04"
    assert check_resource(policy, workload, type_=STATEFUL_SET) == [
        "StatefulSet nats: container nats: image nvidia/cuda:12.6.3-base-ubuntu24.04 "
        "is not one of the stack's repositories"
    ]


def test_a_service_that_sends_its_clients_out_of_the_cluster_is_refused() -> None:
    service = {
        "kind": "Service",
        "metadata": {"name": "postgres", "namespace": "trade2026-dev"},
        "spec": {"type": "ExternalName", "externalName": "db.example.net"},
    }
    assert check_resource(
        BY_NAME["kubernetes-cluster-internal-services"], service, type_="kubernetes:core/v1:Service"
    ) == ["Service postgres: type ExternalName sends its clients to db.example.net"]
