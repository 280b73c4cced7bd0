"""Allowed fields: every input outside a short list is a violation, and every value that decides
safety must be known at preview.

Each table below lists the fields a resource may set, written out from what the program renders
and from the provider's schema (tests/policies/test_fields.py enumerates pulumi-docker's and
pulumi-kubernetes' inputs, so a field a new provider release adds cannot slip through unjudged).
A field's entry is either HARMLESS, the name of the rule that judges its value (a field judged by
a rule is allowed here and refused there when its value is unsafe), or a nested table for an
object or a list of objects. A field outside the tables is refused here, with the reason from
FORBIDDEN where there is one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Union

from pulumi_policy import Severity
from pulumi_policy.proxy import UnknownValueError
from pydantic import Field

from .framework import CONTAINER, IMAGE, NETWORK, VOLUME, RuleConfig, Subject, own, resource_rule, unknown_paths
from .kubernetes import NAMESPACE, NETWORK_POLICY, SERVICE, WORKLOADS, Pod, kind_and_name, pss

HARMLESS = "harmless"
Table = Mapping[str, Union[str, "Table"]]

_LABELS: Table = {"label": HARMLESS, "value": HARMLESS}
_HOST_DEVICES = "no-host-devices"
_NAMESPACES = "no-host-namespaces"
_MOUNTS = "managed-mounts-only"
_CREDENTIALS = "no-default-credentials"

CONTAINER_FIELDS: Table = {
    "attach": HARMLESS,
    "capabilities": {"adds": "no-added-capabilities", "drops": HARMLESS},
    "cgroupParent": "no-cgroup-parent",
    "cgroupnsMode": _NAMESPACES,
    "command": _CREDENTIALS,
    "containerReadRefreshTimeoutMilliseconds": HARMLESS,
    "cpuPeriod": HARMLESS,
    "cpuQuota": HARMLESS,
    "cpuSet": HARMLESS,
    "cpuShares": HARMLESS,
    "cpus": HARMLESS,
    "destroyGraceSeconds": HARMLESS,
    "deviceCgroupRules": _HOST_DEVICES,
    "deviceReadBps": _HOST_DEVICES,
    "deviceReadIops": _HOST_DEVICES,
    "deviceRequests": _HOST_DEVICES,
    "deviceWriteBps": _HOST_DEVICES,
    "deviceWriteIops": _HOST_DEVICES,
    "devices": _HOST_DEVICES,
    "domainname": HARMLESS,
    "envs": _CREDENTIALS,
    "gpus": _HOST_DEVICES,
    "healthcheck": {
        "tests": "healthcheck-required",
        "interval": HARMLESS,
        "timeout": HARMLESS,
        "startPeriod": HARMLESS,
        "startInterval": HARMLESS,
        "retries": HARMLESS,
    },
    "hostname": HARMLESS,
    "image": "images-from-stack",
    "init": HARMLESS,
    "ipcMode": _NAMESPACES,
    "labels": _LABELS,
    "logDriver": "local-log-driver",
    "logOpts": "local-log-driver",
    "logs": HARMLESS,
    "maxRetryCount": "restart-policy-set",
    "memory": "memory-limit-required",
    "memoryReservation": HARMLESS,
    "memorySwap": HARMLESS,
    "mounts": {
        "target": HARMLESS,
        "type": _MOUNTS,
        "source": "stack-managed-volumes",
        "readOnly": HARMLESS,
        "bindOptions": "no-bind-mounts",
        "tmpfsOptions": _MOUNTS,
        "volumeOptions": {
            "driverName": _MOUNTS,
            "driverOptions": _MOUNTS,
            "labels": _LABELS,
            "noCopy": HARMLESS,
            "subpath": HARMLESS,
        },
    },
    "mustRun": HARMLESS,
    "name": "stack-scoped-names",
    "networkMode": _NAMESPACES,
    "networksAdvanced": {"name": "stack-managed-networks", "aliases": HARMLESS},
    "pidMode": _NAMESPACES,
    "platform": HARMLESS,
    "ports": {
        "internal": "no-privileged-container-ports",
        "external": "no-privileged-host-ports",
        "ip": "loopback-port-bindings",
        "protocol": HARMLESS,
    },
    "privileged": "no-privileged-containers",
    "publishAllPorts": "loopback-port-bindings",
    "readOnly": HARMLESS,
    "removeVolumes": HARMLESS,
    "restart": "restart-policy-set",
    "rm": HARMLESS,
    "securityOpts": "no-unconfined-profiles",
    "shmSize": HARMLESS,
    "start": HARMLESS,
    "stdinOpen": HARMLESS,
    "stopSignal": HARMLESS,
    "stopTimeout": HARMLESS,
    "tmpfs": _MOUNTS,
    "tty": HARMLESS,
    "ulimits": {"name": HARMLESS, "soft": HARMLESS, "hard": HARMLESS},
    "uploads": {
        "file": HARMLESS,
        "content": _CREDENTIALS,
        "contentBase64": _CREDENTIALS,
        "executable": HARMLESS,
        "owner": HARMLESS,
        "group": HARMLESS,
        "permissions": HARMLESS,
        "source": "no-host-file-uploads",
        "sourceHash": "no-host-file-uploads",
    },
    "user": "no-root-user",
    "usernsMode": _NAMESPACES,
    "volumes": {
        "volumeName": "stack-managed-volumes",
        "containerPath": HARMLESS,
        "readOnly": HARMLESS,
        "hostPath": "no-bind-mounts",
        "fromContainer": _MOUNTS,
        "selinuxRelabel": HARMLESS,
    },
    "wait": HARMLESS,
    "waitTimeout": HARMLESS,
    "workingDir": HARMLESS,
}

VOLUME_FIELDS: Table = {
    "name": "stack-scoped-names",
    "labels": _LABELS,
    "driver": "local-volume-driver",
    "driverOpts": "local-volume-driver",
}

NETWORK_FIELDS: Table = {
    "name": "stack-scoped-names",
    "labels": _LABELS,
    "driver": "bridge-networks",
    "ipamDriver": "bridge-networks",
    "internal": HARMLESS,
    "ipv6": HARMLESS,
}

IMAGE_FIELDS: Table = {
    "name": "pinned-image-tags",
    "keepLocally": HARMLESS,
    "forceRemove": HARMLESS,
    "platform": HARMLESS,
    "pullTriggers": HARMLESS,
    "triggers": HARMLESS,
}

DOCKER_FIELDS: dict[str, Table] = {
    CONTAINER: CONTAINER_FIELDS,
    VOLUME: VOLUME_FIELDS,
    NETWORK: NETWORK_FIELDS,
    IMAGE: IMAGE_FIELDS,
}

_RELAXATIONS = "kubernetes-no-security-relaxations"
_K8S_DEVICES = "kubernetes-no-host-devices"
_RESOURCES: Table = {"limits": _K8S_DEVICES, "requests": _K8S_DEVICES, "claims": _K8S_DEVICES}
_PROBES = "kubernetes-probes-required"

KUBERNETES_CONTAINER_FIELDS: Table = {
    "name": HARMLESS,
    "image": "kubernetes-pinned-images",
    "imagePullPolicy": HARMLESS,
    "args": _CREDENTIALS,
    "env": {"name": HARMLESS, "value": _CREDENTIALS, "valueFrom": HARMLESS},
    "envFrom": HARMLESS,
    "ports": {
        "containerPort": HARMLESS,
        "name": HARMLESS,
        "protocol": HARMLESS,
        "hostPort": "kubernetes-no-host-ports",
        "hostIP": "kubernetes-no-host-ports",
    },
    "livenessProbe": _PROBES,
    "readinessProbe": _PROBES,
    "startupProbe": HARMLESS,
    "lifecycle": HARMLESS,
    "resources": _RESOURCES,
    "resizePolicy": HARMLESS,
    "restartPolicy": HARMLESS,
    "securityContext": {
        "allowPrivilegeEscalation": "kubernetes-no-privilege-escalation",
        "capabilities": {"add": "kubernetes-no-added-capabilities", "drop": HARMLESS},
        "privileged": "kubernetes-no-privileged-containers",
        "readOnlyRootFilesystem": HARMLESS,
        "runAsGroup": HARMLESS,
        "runAsNonRoot": _RELAXATIONS,
        "runAsUser": _RELAXATIONS,
        "seccompProfile": "kubernetes-no-unconfined-seccomp",
        "seLinuxOptions": _RELAXATIONS,
        "appArmorProfile": _RELAXATIONS,
        "procMount": _RELAXATIONS,
        "windowsOptions": _RELAXATIONS,
    },
    "stdin": HARMLESS,
    "stdinOnce": HARMLESS,
    "terminationMessagePath": HARMLESS,
    "terminationMessagePolicy": HARMLESS,
    "tty": HARMLESS,
    "volumeDevices": _K8S_DEVICES,
    "volumeMounts": {
        "name": "kubernetes-data-on-persistent-volumes",
        "mountPath": HARMLESS,
        "readOnly": HARMLESS,
        "recursiveReadOnly": HARMLESS,
        "subPath": HARMLESS,
        "subPathExpr": HARMLESS,
    },
    "workingDir": HARMLESS,
}

POD_SPEC_FIELDS: Table = {
    "activeDeadlineSeconds": HARMLESS,
    "affinity": HARMLESS,
    "automountServiceAccountToken": HARMLESS,
    "containers": KUBERNETES_CONTAINER_FIELDS,
    "dnsPolicy": HARMLESS,
    "enableServiceLinks": HARMLESS,
    "ephemeralContainers": KUBERNETES_CONTAINER_FIELDS,
    "hostIPC": "kubernetes-no-host-namespaces",
    "hostNetwork": "kubernetes-no-host-namespaces",
    "hostPID": "kubernetes-no-host-namespaces",
    "hostUsers": HARMLESS,
    "hostname": HARMLESS,
    "imagePullSecrets": HARMLESS,
    "initContainers": KUBERNETES_CONTAINER_FIELDS,
    "nodeSelector": HARMLESS,
    "os": HARMLESS,
    "preemptionPolicy": HARMLESS,
    "readinessGates": HARMLESS,
    "resourceClaims": _K8S_DEVICES,
    "resources": _RESOURCES,
    "restartPolicy": HARMLESS,
    "schedulingGates": HARMLESS,
    "securityContext": {
        "fsGroup": HARMLESS,
        "fsGroupChangePolicy": HARMLESS,
        "runAsGroup": HARMLESS,
        "runAsNonRoot": _RELAXATIONS,
        "runAsUser": _RELAXATIONS,
        "seccompProfile": "kubernetes-no-unconfined-seccomp",
        "seLinuxChangePolicy": HARMLESS,
        "seLinuxOptions": _RELAXATIONS,
        "appArmorProfile": _RELAXATIONS,
        "supplementalGroups": HARMLESS,
        "supplementalGroupsPolicy": HARMLESS,
        "windowsOptions": _RELAXATIONS,
    },
    "setHostnameAsFQDN": HARMLESS,
    "subdomain": HARMLESS,
    "terminationGracePeriodSeconds": HARMLESS,
    "topologySpreadConstraints": HARMLESS,
    # The volume types of the Pod Security Standards' restricted profile, less inline CSI (FORBIDDEN).
    "volumes": {
        "name": HARMLESS,
        "configMap": HARMLESS,
        "secret": HARMLESS,
        "projected": HARMLESS,
        "downwardAPI": HARMLESS,
        "persistentVolumeClaim": HARMLESS,
        "emptyDir": "kubernetes-data-on-persistent-volumes",
        "ephemeral": "kubernetes-data-on-persistent-volumes",
        "hostPath": "kubernetes-no-host-path-volumes",
    },
}

# Why the fields no rule can approve are refused; a field outside every table and this list gets
# the generic message.
FORBIDDEN: dict[str, str] = {
    "dns": "sends the container's name lookups to servers of its own choosing",
    "dnsOpts": "changes how the container resolves names",
    "dnsSearches": "changes how the container resolves names",
    "entrypoints": "replaces the image's reviewed entrypoint (which steps down from root in several images)",
    "groupAdds": "adds host groups (docker, disk) to the container's user",
    "hosts": "redirects names such as the stack's services or a registry to addresses of its own choosing",
    "runtime": "runs the container under another OCI runtime than the reviewed default",
    "storageOpts": "sets storage-driver options for the container's filesystem",
    "sysctls": "changes kernel settings for the container's namespaces",
    "networksAdvanced.ipv4Address": "pins an address on a stack network, where services find each other by alias",
    "networksAdvanced.ipv6Address": "pins an address on a stack network, where services find each other by alias",
    "networksAdvanced.macAddress": "pins a MAC address on a stack network",
    "networksAdvanced.linkLocalIps": "adds link-local addresses on a stack network",
    "networksAdvanced.driverOpts": "sets network driver options for the container's endpoint",
    "networksAdvanced.gwPriority": "chooses the container's default gateway",
    "cluster": "makes the volume a Swarm cluster volume, served by a CSI plugin",
    "attachable": "lets containers outside the stack attach to the network",
    "ingress": "makes the network Swarm's routing mesh, published on every node",
    "ipamConfigs": "chooses subnets and gateways, which can shadow the host's own networks",
    "ipamOptions": "sets address-management options",
    "options": "sets bridge driver options (such as the host address ports bind to by default)",
    "build": "builds an image from a directory of the machine running Pulumi, with a Dockerfile nobody reviewed",
    "command": "replaces the image's reviewed entrypoint (which steps down from root in several images)",
    "shareProcessNamespace": "lets each container of the pod see, signal and read the files of the others' processes",
    "hostAliases": "redirects names such as the stack's services or a registry to addresses of its own choosing",
    "nodeName": "places the pod on a node of its choosing, past the scheduler",
    "runtimeClassName": "runs the pod under another runtime than the cluster's reviewed default",
    "serviceAccountName": "runs the pod with another service account's API rights",
    "serviceAccount": "runs the pod with another service account's API rights",
    "priorityClassName": "lets the pod evict other pods (system priority classes)",
    "schedulerName": "hands the pod to another scheduler",
    "tolerations": "lets the pod onto tainted nodes, such as the control plane",
    "dnsConfig": "sends the pod's name lookups to servers of its own choosing",
    "overhead": "sets the runtime class overhead by hand",
    "priority": "sets the pod's scheduling priority by hand",
    "targetContainerName": "joins another container's process namespace",
    "securityContext.sysctls": "changes kernel settings for the pod's namespaces",
    "volumeMounts.mountPropagation": "propagates mounts between the container and the node",
    "volumes.csi": "mounts whatever its CSI driver provides (a host-path driver mounts the node's disk)",
    "volumes.nfs": "mounts a share of another host",
    "volumes.gitRepo": "has the kubelet run git on the node to fill the volume",
    "volumes.flexVolume": "runs a driver binary on the node to mount the volume",
    "volumes.iscsi": "attaches a disk of another host to the node",
    "volumes.image": "mounts an image no pinned-image rule judges",
}


def outside(props: Any, table: Table, path: str = "") -> Iterator[str]:
    """The dotted path (indexes left out) of every field of `props` that `table` does not list.
    Values not known until `up` are not entered here: `known-at-preview` reports those."""
    if not isinstance(props, Mapping):
        return
    for key in props:
        where = f"{path}.{key}" if path else str(key)
        if key not in table:
            yield where
            continue
        inner = table[key]
        if isinstance(inner, str):
            continue
        try:
            value = props[key]
        except UnknownValueError:
            continue
        entries = value if isinstance(value, Sequence) and not isinstance(value, str) else [value]
        for index in range(len(entries)):
            try:
                entry = entries[index]
            except UnknownValueError:
                continue
            yield from outside(entry, inner, where)


def _refusal(path: str) -> str:
    # Reasons are filed by the field's name, under the object it belongs to where that matters.
    parts = path.split(".")
    reason = FORBIDDEN.get(".".join(parts[-2:])) if len(parts) > 1 else None
    reason = reason or FORBIDDEN.get(parts[-1])
    return f"field {path} is not allowed" + (f": it {reason}" if reason else " (no rule here judges it)")


class AllowedFields(RuleConfig):
    allowed_fields: list[str] = Field(
        default=[],
        alias="allowedFields",
        description="Further fields (dotted paths: networksAdvanced.ipv4Address) allowed here once reviewed.",
    )


@resource_rule(
    "docker-allowed-fields",
    "Prohibits Docker container, volume, network and image fields outside the allowed set.",
    types=tuple(DOCKER_FIELDS),
    severity=Severity.HIGH,
    config=AllowedFields,
    anchor=own("Remove the field, or review it and add its path to allowedFields in this environment's config."),
)
def docker_allowed_fields(subject: Subject, config: AllowedFields) -> Iterator[str]:
    for path in outside(subject.props, DOCKER_FIELDS[subject.type]):
        if path not in config.allowed_fields:
            yield f"{subject.type.rsplit(':', 1)[-1].lower()} {subject.label}: {_refusal(path)}"


@resource_rule(
    "kubernetes-pod-allowed-fields",
    "Prohibits pod, container, security-context and volume fields outside the allowed set, in every pod template.",
    types=WORKLOADS,
    severity=Severity.HIGH,
    config=AllowedFields,
    anchor=pss(
        "Restricted profile (allowed fields)",
        "Remove the field, or review it and add its path to allowedFields in this environment's config.",
    ),
)
def kubernetes_pod_allowed_fields(subject: Subject, config: AllowedFields) -> Iterator[str]:
    pod = Pod.of(subject)
    for path in outside(pod.spec, POD_SPEC_FIELDS):
        if path not in config.allowed_fields:
            yield f"{pod.owner}: {_refusal(path)}"


# Values that may stay unknown at preview, because `pulumi up` judges them once known (the pack
# runs again on each resource before `up` creates it) and the program's own previews have them:
# generated credentials in env and uploaded files, and the RemoteImage's id as a container's image
# (images-from-stack requires that dependency). Paths are written with [] for any index; a
# workload's are the ending of the path, wherever its pod template sits.
MAY_BE_UNKNOWN: dict[str, tuple[str, ...]] = {
    CONTAINER: ("image", "envs[]", "uploads[].content", "uploads[].contentBase64"),
    **{workload: ("containers[].env[].value", "initContainers[].env[].value") for workload in WORKLOADS},
}
SAFETY_TYPES = (CONTAINER, VOLUME, NETWORK, IMAGE, NAMESPACE, NETWORK_POLICY, SERVICE, *WORKLOADS)


def _pattern(path: str) -> str:
    """`volumes[3].volumeName` as volumes[].volumeName."""
    return re.sub(r"\[[0-9]+\]", "[]", path)


@resource_rule(
    "known-at-preview",
    "Requires the values that decide safety (mounts, images, privileges, ports, pod specs) to be known at preview.",
    types=SAFETY_TYPES,
    severity=Severity.HIGH,
    anchor=own(
        "Give the value as a literal or from a resource's input (a name), not from a value the provider computes; "
        "a value unknown at preview is one no reviewer of the preview saw."
    ),
)
def known_at_preview(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    exempt = MAY_BE_UNKNOWN.get(subject.type, ())
    kubernetes = subject.type.startswith("kubernetes:")
    where = kind_and_name(subject) if kubernetes else f"{subject.type.rsplit(':', 1)[-1]} {subject.label}"
    for path in dict.fromkeys(map(_pattern, unknown_paths(subject.props))):
        if not any(path == e or path.endswith("." + e) for e in exempt):
            yield f"{where}: {path} was unknown at preview, so no reviewer saw it; `up` would use whatever it becomes"
