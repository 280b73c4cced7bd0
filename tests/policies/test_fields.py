"""Allowed fields (issue 19): every input the providers accept is listed as harmless, judged by a
named rule, or refused; the hostile fields are refused by name; values that decide safety must be
known at preview."""

from __future__ import annotations

import copy
from typing import Any

import pulumi_docker as docker
import pulumi_kubernetes as k8s
import pytest
from harness import UNKNOWN, at_preview, check_resource, check_stack, hardened_container, mutated, stack_of
from pulumi_policy import PolicyResource, ResourceValidationPolicy, StackValidationPolicy
from test_kubernetes_rules import hardened_network_policy, hardened_statefulset
from test_kubernetes_rules import stack_of as kubernetes_stack
from trade2026_policies import POLICIES
from trade2026_policies.fields import (
    CONTAINER_FIELDS,
    FORBIDDEN,
    HARMLESS,
    IMAGE_FIELDS,
    KUBERNETES_CONTAINER_FIELDS,
    NETWORK_FIELDS,
    POD_SPEC_FIELDS,
    VOLUME_FIELDS,
    Table,
)
from trade2026_policies.framework import IMAGE, NETWORK, VOLUME
from trade2026_policies.kubernetes import NAMESPACE, STATEFUL_SET

BY_NAME = {policy.name: policy for policy in POLICIES}
DOCKER = BY_NAME["docker-allowed-fields"]
PODS = BY_NAME["kubernetes-pod-allowed-fields"]
KNOWN = BY_NAME["known-at-preview"]


def wire_names(args: type) -> set[str]:
    """The input names an Args class sends to the engine (its getters' Pulumi names)."""
    return {getattr(v.fget, "_pulumi_name", key) for key, v in vars(args).items() if isinstance(v, property)}


def table_at(table: Table, path: str) -> Table:
    for key in path.split(".") if path else []:
        inner = table[key]
        assert not isinstance(inner, str), path
        table = inner
    return table


core = k8s.core.v1
# (table, path inside it, the provider's Args class, the fields refused there), written out: a
# provider release that adds a field makes the first assertion fail until it is classified.
SCHEMAS: list[Any] = [
    (
        CONTAINER_FIELDS,
        "",
        docker.ContainerArgs,
        {"dns", "dnsOpts", "dnsSearches", "entrypoints", "groupAdds", "hosts", "runtime", "storageOpts", "sysctls"},
    ),
    (CONTAINER_FIELDS, "volumes", docker.ContainerVolumeArgs, set()),
    (CONTAINER_FIELDS, "mounts", docker.ContainerMountArgs, set()),
    (CONTAINER_FIELDS, "mounts.volumeOptions", docker.ContainerMountVolumeOptionsArgs, set()),
    (CONTAINER_FIELDS, "uploads", docker.ContainerUploadArgs, set()),
    (CONTAINER_FIELDS, "ports", docker.ContainerPortArgs, set()),
    (
        CONTAINER_FIELDS,
        "networksAdvanced",
        docker.ContainerNetworksAdvancedArgs,
        {"driverOpts", "gwPriority", "ipv4Address", "ipv6Address", "linkLocalIps", "macAddress"},
    ),
    (CONTAINER_FIELDS, "capabilities", docker.ContainerCapabilitiesArgs, set()),
    (CONTAINER_FIELDS, "healthcheck", docker.ContainerHealthcheckArgs, set()),
    (CONTAINER_FIELDS, "labels", docker.ContainerLabelArgs, set()),
    (CONTAINER_FIELDS, "ulimits", docker.ContainerUlimitArgs, set()),
    (VOLUME_FIELDS, "", docker.VolumeArgs, {"cluster"}),
    (
        NETWORK_FIELDS,
        "",
        docker.NetworkArgs,
        {"attachable", "ingress", "ipamConfigs", "ipamOptions", "options"},
    ),
    (IMAGE_FIELDS, "", docker.RemoteImageArgs, {"build"}),
    (
        POD_SPEC_FIELDS,
        "",
        core.PodSpecArgs,
        {
            "dnsConfig",
            "hostAliases",
            "nodeName",
            "overhead",
            "priority",
            "priorityClassName",
            "runtimeClassName",
            "schedulerName",
            "serviceAccount",
            "serviceAccountName",
            "shareProcessNamespace",
            "tolerations",
        },
    ),
    (POD_SPEC_FIELDS, "securityContext", core.PodSecurityContextArgs, {"sysctls"}),
    (
        POD_SPEC_FIELDS,
        "volumes",
        core.VolumeArgs,
        {
            "awsElasticBlockStore",
            "azureDisk",
            "azureFile",
            "cephfs",
            "cinder",
            "csi",
            "fc",
            "flexVolume",
            "flocker",
            "gcePersistentDisk",
            "gitRepo",
            "glusterfs",
            "image",
            "iscsi",
            "nfs",
            "photonPersistentDisk",
            "portworxVolume",
            "quobyte",
            "rbd",
            "scaleIO",
            "storageos",
            "vsphereVolume",
        },
    ),
    (KUBERNETES_CONTAINER_FIELDS, "", core.ContainerArgs, {"command"}),
    (KUBERNETES_CONTAINER_FIELDS, "", core.EphemeralContainerArgs, {"command", "targetContainerName"}),
    (KUBERNETES_CONTAINER_FIELDS, "securityContext", core.SecurityContextArgs, set()),
    (KUBERNETES_CONTAINER_FIELDS, "securityContext.capabilities", core.CapabilitiesArgs, set()),
    (KUBERNETES_CONTAINER_FIELDS, "volumeMounts", core.VolumeMountArgs, {"mountPropagation"}),
    (KUBERNETES_CONTAINER_FIELDS, "ports", core.ContainerPortArgs, set()),
    (KUBERNETES_CONTAINER_FIELDS, "env", core.EnvVarArgs, set()),
    (KUBERNETES_CONTAINER_FIELDS, "resources", core.ResourceRequirementsArgs, set()),
]


@pytest.mark.parametrize(("table", "path", "args", "refused"), SCHEMAS, ids=lambda x: getattr(x, "__name__", None))
def test_every_field_the_provider_accepts_is_classified(table: Table, path: str, args: type, refused: set[str]) -> None:
    listed = table_at(table, path)
    assert wire_names(args) - set(listed) == refused
    assert set(listed) <= wire_names(args), "a listed field the provider does not have"


def _entries(table: Table, path: str = "") -> list[tuple[str, str]]:
    found = []
    for key, value in table.items():
        where = f"{path}.{key}" if path else key
        found += [(where, value)] if isinstance(value, str) else _entries(value, where)
    return found


@pytest.mark.parametrize("table", [CONTAINER_FIELDS, VOLUME_FIELDS, NETWORK_FIELDS, IMAGE_FIELDS, POD_SPEC_FIELDS])
def test_every_judged_field_names_a_rule_of_the_pack_that_judges_its_type(table: Table) -> None:
    for where, judge in _entries(table):
        assert judge == HARMLESS or judge in BY_NAME, where


def test_the_fields_judged_by_a_rule_and_refusable_there_are_exactly_these() -> None:
    judged = {where: judge for where, judge in _entries(CONTAINER_FIELDS) if judge != HARMLESS}
    assert sorted(judged) == [
        "capabilities.adds",
        "cgroupParent",
        "cgroupnsMode",
        "command",
        "deviceCgroupRules",
        "deviceReadBps",
        "deviceReadIops",
        "deviceRequests",
        "deviceWriteBps",
        "deviceWriteIops",
        "devices",
        "envs",
        "gpus",
        "healthcheck.tests",
        "image",
        "ipcMode",
        "logDriver",
        "logOpts",
        "maxRetryCount",
        "memory",
        "mounts.bindOptions",
        "mounts.source",
        "mounts.tmpfsOptions",
        "mounts.type",
        "mounts.volumeOptions.driverName",
        "mounts.volumeOptions.driverOptions",
        "name",
        "networkMode",
        "networksAdvanced.name",
        "pidMode",
        "ports.external",
        "ports.internal",
        "ports.ip",
        "privileged",
        "publishAllPorts",
        "restart",
        "securityOpts",
        "tmpfs",
        "uploads.content",
        "uploads.contentBase64",
        "uploads.source",
        "uploads.sourceHash",
        "user",
        "usernsMode",
        "volumes.fromContainer",
        "volumes.hostPath",
        "volumes.volumeName",
    ]


# Refused fields, by name ---------------------------------------------------------------------------

DOCKER_REFUSALS = [
    (
        "sysctls",
        {"net.ipv4.ip_unprivileged_port_start": "0"},
        "it changes kernel settings for the container's namespaces",
    ),
    ("runtime", "nvidia", "it runs the container under another OCI runtime than the reviewed default"),
    ("groupAdds", ["docker"], "it adds host groups (docker, disk) to the container's user"),
    (
        "hosts",
        [{"host": "registry-1.docker.io", "ip": "10.66.0.9"}],
        "it redirects names such as the stack's services or a registry to addresses of its own choosing",
    ),
    ("dns", ["10.66.0.53"], "it sends the container's name lookups to servers of its own choosing"),
    (
        "entrypoints",
        ["/bin/sh", "-c"],
        "it replaces the image's reviewed entrypoint (which steps down from root in several images)",
    ),
    ("storageOpts", {"size": "120G"}, "it sets storage-driver options for the container's filesystem"),
]


@pytest.mark.parametrize(("field", "value", "reason"), DOCKER_REFUSALS, ids=[r[0] for r in DOCKER_REFUSALS])
def test_a_container_field_no_rule_can_approve_is_refused_naming_it_and_why(
    field: str, value: Any, reason: str
) -> None:
    props = mutated(lambda p: p.__setitem__(field, value))
    assert check_resource(DOCKER, props) == [f"container trade2026-dev-nats: field {field} is not allowed: {reason}"]


def test_a_refused_field_inside_an_allowed_one_is_named_by_its_path() -> None:
    props = mutated(lambda p: p["networksAdvanced"][0].__setitem__("ipv4Address", "172.18.0.9"))
    assert check_resource(DOCKER, props) == [
        "container trade2026-dev-nats: field networksAdvanced.ipv4Address is not allowed: "
        "it pins an address on a stack network, where services find each other by alias"
    ]


def test_a_field_no_provider_release_had_when_the_table_was_written_is_refused_generically() -> None:
    props = mutated(lambda p: p.__setitem__("cpuRealtimeRuntime", 950000))
    assert check_resource(DOCKER, props) == [
        "container trade2026-dev-nats: field cpuRealtimeRuntime is not allowed (no rule here judges it)"
    ]


@pytest.mark.parametrize(
    ("type_", "props", "field"),
    [
        (VOLUME, {"name": "trade2026-dev-x", "cluster": {"scope": "multi"}}, "cluster"),
        (NETWORK, {"name": "trade2026-dev-x", "attachable": True}, "attachable"),
        (NETWORK, {"name": "trade2026-dev-x", "ipamConfigs": [{"subnet": "10.0.0.0/8"}]}, "ipamConfigs"),
        (
            NETWORK,
            {"name": "trade2026-dev-x", "options": {"com.docker.network.bridge.host_binding_ipv4": "0.0.0.0"}},
            "options",
        ),
        (IMAGE, {"name": "nats:2.10.29-alpine", "build": {"context": "/"}}, "build"),
    ],
)
def test_volume_network_and_image_fields_outside_the_set_are_refused(
    type_: str, props: dict[str, Any], field: str
) -> None:
    [message] = check_resource(DOCKER, props, type_=type_)
    assert message.startswith(f"{type_.rsplit(':', 1)[-1].lower()} {props['name']}: field {field} is not allowed: it ")


def test_an_environment_may_allow_a_field_by_its_path() -> None:
    props = mutated(lambda p: (p.__setitem__("dns", ["10.0.0.2"]), p["networksAdvanced"][0].update(ipv4Address="x")))
    allowed = {"allowedFields": ["dns", "networksAdvanced.ipv4Address"]}
    assert check_resource(DOCKER, props, config=allowed) == []


def test_the_hardened_resources_set_only_allowed_fields() -> None:
    assert check_resource(DOCKER, hardened_container()) == []
    assert check_resource(PODS, hardened_statefulset(), type_=STATEFUL_SET) == []


POD_REFUSALS = [
    ("shareProcessNamespace", True, "shareProcessNamespace"),
    ("hostAliases", [{"ip": "10.66.0.9", "hostnames": ["registry-1.docker.io"]}], "hostAliases"),
    ("nodeName", "control-plane-1", "nodeName"),
    ("serviceAccountName", "cluster-admin-sa", "serviceAccountName"),
    ("tolerations", [{"operator": "Exists"}], "tolerations"),
    ("runtimeClassName", "runc-unconfined", "runtimeClassName"),
    ("securityContext", {"sysctls": [{"name": "kernel.core_pattern", "value": "|/x"}]}, "securityContext.sysctls"),
    ("volumes", [{"name": "share", "nfs": {"server": "10.0.0.2", "path": "/"}}], "volumes.nfs"),
    ("volumes", [{"name": "tools", "gitRepo": {"repository": "https://git.example.net/t"}}], "volumes.gitRepo"),
    ("volumes", [{"name": "disk", "csi": {"driver": "hostpath.csi.k8s.io"}}], "volumes.csi"),
]


@pytest.mark.parametrize(("field", "value", "path"), POD_REFUSALS, ids=[r[2] for r in POD_REFUSALS])
def test_a_pod_field_outside_the_set_is_refused_naming_its_path_and_why(field: str, value: Any, path: str) -> None:
    props = hardened_statefulset()
    props["spec"]["template"]["spec"][field] = value
    [message] = check_resource(PODS, props, type_=STATEFUL_SET)
    assert message == f"StatefulSet nats: field {path} is not allowed: it {FORBIDDEN[path]}"


@pytest.mark.parametrize(
    ("key", "value", "path"),
    [
        ("command", ["/bin/sh", "-c", "curl x | sh"], "containers.command"),
        (
            "volumeMounts",
            [{"name": "data", "mountPath": "/data", "mountPropagation": "Bidirectional"}],
            "containers.volumeMounts.mountPropagation",
        ),
    ],
)
def test_a_container_field_outside_the_set_is_refused_in_any_container_of_the_pod(
    key: str, value: Any, path: str
) -> None:
    props = hardened_statefulset()
    props["spec"]["template"]["spec"]["containers"][0][key] = value
    props["spec"]["template"]["spec"]["initContainers"] = [dict(props["spec"]["template"]["spec"]["containers"][0])]
    found = check_resource(PODS, props, type_=STATEFUL_SET)
    init_path = path.replace("containers", "initContainers", 1)
    assert [m.split(" is not allowed")[0] for m in found] == [
        f"StatefulSet nats: field {path}",
        f"StatefulSet nats: field {init_path}",
    ]


# Known at preview ----------------------------------------------------------------------------------


def test_the_programs_own_unknowns_pass_generated_credentials_and_the_remote_images_id() -> None:
    props = mutated(
        lambda p: p.update(
            image=UNKNOWN,
            envs=["CLICKHOUSE_DB=trading", UNKNOWN],
            uploads=[{"file": "/run/secrets/postgres-password", "content": UNKNOWN}],
        )
    )
    assert check_resource(KNOWN, at_preview(props)) == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda p: p["volumes"][0].__setitem__("volumeName", UNKNOWN), "volumes[].volumeName"),
        (lambda p: p.__setitem__("volumes", UNKNOWN), "volumes"),
        (lambda p: p.__setitem__("mounts", [{"type": "bind", "source": UNKNOWN, "target": "/x"}]), "mounts[].source"),
        (lambda p: p.__setitem__("privileged", UNKNOWN), "privileged"),
        (lambda p: p.__setitem__("securityOpts", [UNKNOWN]), "securityOpts[]"),
        (lambda p: p["ports"][0].__setitem__("ip", UNKNOWN), "ports[].ip"),
        (lambda p: p["ports"][0].__setitem__("external", UNKNOWN), "ports[].external"),
        (lambda p: p["networksAdvanced"][0].__setitem__("name", UNKNOWN), "networksAdvanced[].name"),
        (lambda p: p.__setitem__("networkMode", UNKNOWN), "networkMode"),
        (lambda p: p.__setitem__("uploads", [{"file": UNKNOWN, "content": "x"}]), "uploads[].file"),
    ],
)
def test_an_unknown_value_that_decides_safety_is_refused_saying_it_was_unknown(change: Any, path: str) -> None:
    assert check_resource(KNOWN, at_preview(mutated(change))) == [
        f"Container trade2026-dev-nats: {path} was unknown at preview, so no reviewer saw it; "
        "`up` would use whatever it becomes"
    ]


def test_unknown_values_of_volumes_images_pods_and_namespaces_are_refused() -> None:
    assert check_resource(KNOWN, at_preview({"name": UNKNOWN}), type_=IMAGE, name="img") == [
        "RemoteImage img: name was unknown at preview, so no reviewer saw it; `up` would use whatever it becomes"
    ]
    volume = {"name": "trade2026-dev-v", "driverOpts": {"device": UNKNOWN}}
    assert check_resource(KNOWN, at_preview(volume), type_=VOLUME) == [
        "Volume trade2026-dev-v: driverOpts.device was unknown at preview, so no reviewer saw it; "
        "`up` would use whatever it becomes"
    ]
    pod = hardened_statefulset()
    pod["spec"]["template"]["spec"]["volumes"][0]["hostPath"] = {"path": UNKNOWN}
    pod["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "PASSWORD", "value": UNKNOWN}]
    assert check_resource(KNOWN, at_preview(pod), type_=STATEFUL_SET) == [
        "StatefulSet nats: spec.template.spec.volumes[].hostPath.path was unknown at preview, so no reviewer saw it; "
        "`up` would use whatever it becomes"
    ]
    namespace = {"metadata": {"name": "trade2026-dev", "labels": UNKNOWN}}
    assert check_resource(KNOWN, at_preview(namespace), type_=NAMESPACE) == [
        "Namespace trade2026-dev: metadata.labels was unknown at preview, so no reviewer saw it; "
        "`up` would use whatever it becomes"
    ]


def test_rules_that_judge_values_skip_unknown_ones_and_leave_them_to_known_at_preview() -> None:
    props = at_preview(mutated(lambda p: p.__setitem__("volumes", [{"volumeName": UNKNOWN, "containerPath": "/x"}])))
    assert check_resource(BY_NAME["no-bind-mounts"], props) == []
    assert check_resource(BY_NAME["managed-mounts-only"], props) == []
    assert check_resource(DOCKER, props) == []
    assert len(check_resource(KNOWN, props)) == 1


def _leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for key, inner in value.items() for p in _leaf_paths(inner, (*path, key))] + ([path] if path else [])
    if isinstance(value, list):
        return [p for i, inner in enumerate(value) for p in _leaf_paths(inner, (*path, i))] + [path]
    return [path]


def _unknown_at(props: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    changed = copy.deepcopy(props)
    target: Any = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = UNKNOWN
    return changed


HOSTILE_CONTAINER = {
    **hardened_container(),
    "volumes": [{"volumeName": "/etc", "containerPath": "/x"}, {"fromContainer": "db"}, {"containerPath": "/a"}],
    "mounts": [{"type": "volume", "target": "/m", "volumeOptions": {"driverOptions": {"o": "bind", "device": "/srv"}}}],
    "uploads": [{"file": "/f", "source": "/home/ci/.ssh/id_rsa", "contentBase64": "YWRtaW4="}],
    "securityOpts": ["label=disable"],
    "capabilities": {"adds": ["SYS_ADMIN"]},
    "devices": [{"hostPath": "/dev/kmsg"}],
    "logOpts": {"syslog-address": "tcp://x"},
    "command": ["--requirepass", "admin"],
    "tmpfs": {"/data": ""},
    "pidMode": "container:x",
    "user": "root",
}


@pytest.mark.parametrize("props", [hardened_container(), HOSTILE_CONTAINER], ids=["hardened", "hostile"])
def test_no_container_rule_fails_on_a_value_unknown_at_preview_wherever_it_sits(props: dict[str, Any]) -> None:
    """A rule that reads an unknown value raises, and pulumi_policy turns that into an advisory
    "can't run policy" note instead of a verdict: every rule must step around unknowns and leave
    them to known-at-preview."""
    rules = [p for p in POLICIES if isinstance(p, ResourceValidationPolicy)]
    for path in _leaf_paths(props):
        changed = at_preview(_unknown_at(props, path))
        for rule in rules:
            check_resource(rule, changed)


@pytest.mark.parametrize("props", [hardened_statefulset()], ids=["hardened"])
def test_no_pod_rule_fails_on_a_value_unknown_at_preview_wherever_it_sits(props: dict[str, Any]) -> None:
    rules = [p for p in POLICIES if isinstance(p, ResourceValidationPolicy)]
    for path in _leaf_paths(props):
        changed = at_preview(_unknown_at(props, path))
        for rule in rules:
            check_resource(rule, changed, type_=STATEFUL_SET)


def _at_preview_stack(resources: list[PolicyResource]) -> list[PolicyResource]:
    for each in resources:
        each.props = at_preview(each.props)
    return resources


STACKS: list[Any] = [
    pytest.param(HOSTILE_CONTAINER, lambda props: stack_of(props), id="hostile container"),
    pytest.param(hardened_statefulset(), lambda props: kubernetes_stack(props), id="statefulset"),
    pytest.param(
        hardened_network_policy(),
        lambda props: kubernetes_stack(hardened_statefulset(), policies=(props,)),
        id="network policy",
    ),
]


@pytest.mark.parametrize(("props", "build"), STACKS)
def test_no_stack_rule_fails_on_a_value_unknown_at_preview_wherever_it_sits(props: dict[str, Any], build: Any) -> None:
    rules = [p for p in POLICIES if isinstance(p, StackValidationPolicy)]
    for path in _leaf_paths(props):
        resources = _at_preview_stack(build(_unknown_at(props, path)))
        for rule in rules:
            check_stack(rule, resources)
