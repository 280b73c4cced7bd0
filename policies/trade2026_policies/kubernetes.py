"""Kubernetes objects: the same promises as the Docker rules, in the Pod Security "restricted" terms.

Rules read the inputs pulumi-kubernetes sends (the API object itself: apiVersion, kind, metadata,
spec). A workload is any object that carries a pod template; rules look through it to the pod spec.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pulumi_policy import PolicyResource, Severity
from pulumi_policy.proxy import UnknownValueError
from pydantic import Field

from .framework import Anchor, RuleConfig, Subject, items, known, own, resource_rule, stack_rule
from .images import PinnedTags, pinning_problem
from .runtime import AllowedCapabilities, capability_name

NAMESPACE = "kubernetes:core/v1:Namespace"
SERVICE = "kubernetes:core/v1:Service"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
SECRET = "kubernetes:core/v1:Secret"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
POD = "kubernetes:core/v1:Pod"
STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
DAEMON_SET = "kubernetes:apps/v1:DaemonSet"
REPLICA_SET = "kubernetes:apps/v1:ReplicaSet"
JOB = "kubernetes:batch/v1:Job"
CRON_JOB = "kubernetes:batch/v1:CronJob"
REPLICATION_CONTROLLER = "kubernetes:core/v1:ReplicationController"

# Where each workload keeps its pod template.
_TEMPLATE_PATH: dict[str, tuple[str, ...]] = {
    POD: (),
    STATEFUL_SET: ("spec", "template"),
    DEPLOYMENT: ("spec", "template"),
    DAEMON_SET: ("spec", "template"),
    REPLICA_SET: ("spec", "template"),
    JOB: ("spec", "template"),
    CRON_JOB: ("spec", "jobTemplate", "spec", "template"),
    REPLICATION_CONTROLLER: ("spec", "template"),
}
WORKLOADS = tuple(_TEMPLATE_PATH)
NAMESPACED = (
    *WORKLOADS,
    SERVICE,
    NETWORK_POLICY,
    CONFIG_MAP,
    SECRET,
    "kubernetes:core/v1:PersistentVolumeClaim",
    "kubernetes:core/v1:ServiceAccount",
    "kubernetes:rbac.authorization.k8s.io/v1:Role",
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    "kubernetes:policy/v1:PodDisruptionBudget",
    "kubernetes:networking.k8s.io/v1:Ingress",
)


def pss(control: str, remediation: str) -> Anchor:
    """A control of the Pod Security Standards (baseline or restricted profile), by its title."""
    url = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"
    return Anchor("Kubernetes Pod Security Standards", control, url, remediation)


def cis_kubernetes(item: str, remediation: str) -> Anchor:
    return Anchor("CIS Kubernetes Benchmark", item, "https://www.cisecurity.org/benchmark/kubernetes", remediation)


# Volume sources that only carry read-only config into the pod; every other mount holds data.
_CONFIG_SOURCES = ("configMap", "secret", "projected", "downwardAPI")


def dig(props: Any, *path: str) -> Any:
    """props[path[0]][path[1]]...; None when any step is unset or not known until `pulumi up`."""
    for key in path:
        if props is None:
            return None
        props = known(props, key)
    return props


def kind_and_name(subject: Subject) -> str:
    """`StatefulSet nats`, as kubectl names objects."""
    name = dig(subject.props, "metadata", "name") or subject.urn.rsplit("::", 1)[-1]
    return f"{known(subject.props, 'kind') or subject.type.rsplit(':', 1)[-1]} {name}"


@dataclass(frozen=True)
class Pod:
    """The pod a workload runs: its template metadata and spec."""

    owner: str
    metadata: Mapping[str, Any]
    spec: Mapping[str, Any]

    @classmethod
    def of(cls, subject: Subject) -> Pod:
        template = dig(subject.props, *_TEMPLATE_PATH[subject.type])
        return cls(kind_and_name(subject), dig(template, "metadata") or {}, dig(template, "spec") or {})

    def containers(self, *, init: bool = True) -> Iterator[Mapping[str, Any]]:
        """The containers that run the pod; with `init`, also its init containers and the
        ephemeral ones a debugger attaches (as privileged as any other, when they are allowed in)."""
        yield from items(self.spec, "containers")
        if init:
            yield from items(self.spec, "initContainers")
            yield from items(self.spec, "ephemeralContainers")

    def at(self, container: Mapping[str, Any]) -> str:
        return f"{self.owner}: container {known(container, 'name', '?')}"


@resource_rule(
    "kubernetes-no-host-path-volumes",
    "Prohibits hostPath volumes; data belongs on PersistentVolumeClaims, never on a node's disk.",
    types=WORKLOADS,
    severity=Severity.CRITICAL,
    anchor=pss("HostPath Volumes", "Declare the path as a data volume; the target gives it a PersistentVolumeClaim."),
)
def no_host_path_volumes(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    pod = Pod.of(subject)
    for volume in items(pod.spec, "volumes"):
        path = dig(volume, "hostPath", "path")
        if dig(volume, "hostPath") is not None:
            yield f"{pod.owner}: volume {known(volume, 'name', '?')} is hostPath {path or '?'}"


def claim_names(subject: Subject, pod: Pod) -> set[str]:
    """Volumes backed by a PersistentVolumeClaim that outlives the pod."""
    names = {known(v, "name") for v in items(pod.spec, "volumes") if dig(v, "persistentVolumeClaim") is not None}
    if subject.type == STATEFUL_SET:
        spec = dig(subject.props, "spec") or {}
        names |= {dig(t, "metadata", "name") for t in items(spec, "volumeClaimTemplates")}
    return {name for name in names if name}


@resource_rule(
    "kubernetes-data-on-persistent-volumes",
    "Requires every mount that is not ConfigMap, Secret, projected or downward-API config to be a "
    "PersistentVolumeClaim (a StatefulSet volumeClaimTemplate or a persistentVolumeClaim volume).",
    types=WORKLOADS,
    severity=Severity.HIGH,
    anchor=own("Declare the path as a data volume in the data sheet, so it gets a volumeClaimTemplate."),
)
def data_on_persistent_volumes(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    pod = Pod.of(subject)
    config = {
        known(v, "name") for v in items(pod.spec, "volumes") if any(dig(v, src) is not None for src in _CONFIG_SOURCES)
    }
    claims = claim_names(subject, pod)
    for container in pod.containers():
        for mount in items(container, "volumeMounts"):
            name = known(mount, "name")
            if name is None or name in config or name in claims:
                continue
            # emptyDir, ephemeral and node-local volumes all vanish with the pod or its node.
            path = known(mount, "mountPath", "?")
            yield f"{pod.at(container)}: {path} is on volume {name}, not a PersistentVolumeClaim"


@resource_rule(
    "kubernetes-pinned-images",
    "Requires every container image pinned to an exact release tag or a digest.",
    types=WORKLOADS,
    config=PinnedTags,
    anchor=own("Pin the image to an exact release tag or a digest."),
)
def pinned_images(subject: Subject, config: PinnedTags) -> Iterator[str]:
    pod = Pod.of(subject)
    for container in pod.containers():
        image = known(container, "image")
        problem = pinning_problem(str(image), config) if image else None
        if problem:
            yield f"{pod.at(container)}: {problem}"


_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")


@resource_rule(
    "kubernetes-probes-required",
    "Requires a readiness and a liveness probe on every container, so traffic and restarts follow health.",
    types=WORKLOADS,
    severity=Severity.MEDIUM,
    anchor=own("Declare a probe in the service's data sheet that fails when the service cannot serve."),
)
def probes_required(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    pod = Pod.of(subject)
    for container in pod.containers(init=False):
        for probe in ("readinessProbe", "livenessProbe"):
            if not any(dig(container, probe, handler) is not None for handler in _HANDLERS):
                yield f"{pod.at(container)}: no {probe}"


# Ours, not the kubernetes client's parse_quantity: the pack installs only policies/requirements.txt,
# and that client is 15 packages (aiohttp among them) for a copy of apimachinery's grammar.
_QUANTITY = re.compile(r"(?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][0-9]+)?)(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?")
_SUFFIX: dict[str | None, float] = {
    None: 1.0,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
    **{suffix: float(1024 ** (power + 1)) for power, suffix in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))},
}


def mebibytes(quantity: Any) -> float | None:
    """A Kubernetes memory quantity ("256Mi", "1G", 268435456) in MiB; None when not a quantity."""
    match = _QUANTITY.fullmatch(str(quantity).strip())
    if match is None:
        return None
    return float(match["number"]) * _SUFFIX[match["suffix"]] / 2**20


def memory_limit(container: Mapping[str, Any]) -> float | None:
    limit = dig(container, "resources", "limits", "memory")
    return None if limit is None else mebibytes(limit)


@resource_rule(
    "kubernetes-memory-limits-required",
    "Requires a memory limit on every container, init containers included.",
    types=WORKLOADS,
    severity=Severity.MEDIUM,
    anchor=own("Set memoryMb for the service; the target renders it as the memory request and limit."),
)
def memory_limits_required(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    pod = Pod.of(subject)
    for container in pod.containers():
        limit = dig(container, "resources", "limits", "memory")
        if limit is None:
            yield f"{pod.at(container)}: no memory limit"
        elif not mebibytes(limit):
            yield f"{pod.at(container)}: memory limit {limit!r} is not a positive quantity"


class MemoryBudget(RuleConfig):
    budget_mb: int = Field(
        default=4096,
        ge=1,
        alias="budgetMb",
        description="Sum of pod memory limits times replicas, in MiB (the MB of Docker's memory limit).",
    )


def pod_memory(pod: Pod) -> float:
    """What the scheduler reserves for one pod: the larger of its containers' sum and its largest
    init container, which runs alone before them."""
    running = sum(memory_limit(c) or 0.0 for c in pod.containers(init=False))
    init = max((memory_limit(c) or 0.0 for c in items(pod.spec, "initContainers")), default=0.0)
    return max(running, init)


def replicas(subject: Subject) -> int:
    path = {JOB: ("spec", "parallelism"), CRON_JOB: ("spec", "jobTemplate", "spec", "parallelism")}.get(
        subject.type, ("spec", "replicas")
    )
    count = dig(subject.props, *path) if subject.type not in (POD, DAEMON_SET) else None
    # Unset means one; a DaemonSet runs once per node, and the budget counts one node's share.
    return 1 if count is None else int(count)


def workloads(resources: Sequence[PolicyResource]) -> Iterator[tuple[PolicyResource, Subject, Pod]]:
    for resource in resources:
        if resource.resource_type in WORKLOADS:
            subject = Subject.of(resource)
            yield resource, subject, Pod.of(subject)


@stack_rule(
    "kubernetes-stack-memory-budget",
    "Requires the stack's pod memory limits, times replicas, to add up to at most the budget.",
    severity=Severity.MEDIUM,
    config=MemoryBudget,
    anchor=own("Lower memoryMb of the largest services, or raise budgetMb for this environment."),
)
def stack_memory_budget(resources: Sequence[PolicyResource], config: MemoryBudget) -> Iterator[tuple[str, str]]:
    sizes = sorted(
        ((pod_memory(pod) * replicas(subject), pod.owner, r.urn) for r, subject, pod in workloads(resources)),
        key=lambda size: -size[0],
    )
    total = sum(size for size, _, _ in sizes)
    if total > config.budget_mb:
        biggest = ", ".join(f"{owner} {size:g} MiB" for size, owner, _ in sizes[:3])
        yield (
            sizes[0][2],
            f"memory limits add up to {total:g} MiB, over the {config.budget_mb} MiB budget (largest: {biggest})",
        )


def _security_context(container: Mapping[str, Any]) -> Mapping[str, Any]:
    return dig(container, "securityContext") or {}


@resource_rule(
    "kubernetes-no-privileged-containers",
    "Prohibits privileged containers.",
    types=WORKLOADS,
    severity=Severity.CRITICAL,
    anchor=pss("Privileged Containers", "Remove privileged: true; add the one capability the image needs instead."),
)
def no_privileged_containers(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    pod = Pod.of(subject)
    for container in pod.containers():
        if known(_security_context(container), "privileged"):
            yield f"{pod.at(container)}: runs privileged"


@resource_rule(
    "kubernetes-no-host-namespaces",
    "Prohibits sharing the node's network, PID or IPC namespace (hostNetwork, hostPID, hostIPC).",
    types=WORKLOADS,
    severity=Severity.HIGH,
    anchor=pss("Host Namespaces", "Remove hostNetwork, hostPID and hostIPC; reach the pod through its Service."),
)
def no_host_namespaces(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    pod = Pod.of(subject)
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if known(pod.spec, key):
            yield f"{pod.owner}: {key} is true"


def whole(value: Any) -> Any:
    """A port as written: the engine sends every number as a double (8181.0), the user wrote 8181."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


@resource_rule(
    "kubernetes-no-host-ports",
    "Prohibits hostPort on containers; pods are reached through cluster-internal Services.",
    types=WORKLOADS,
    severity=Severity.HIGH,
    anchor=pss("Host Ports", "Remove hostPort; reach the pod through its Service, or kubectl port-forward."),
)
def no_host_ports(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    pod = Pod.of(subject)
    for container in pod.containers():
        for port in items(container, "ports"):
            if known(port, "hostPort"):
                number = whole(known(port, "containerPort", "?"))
                yield f"{pod.at(container)}: port {number} is bound to node port {whole(port['hostPort'])}"


# What containerd and CRI-O grant a container unless told otherwise (the same set as Docker's).
RUNTIME_DEFAULT_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "NET_RAW",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)


@resource_rule(
    "kubernetes-no-added-capabilities",
    "Prohibits adding Linux capabilities beyond the container runtime's default set.",
    types=WORKLOADS,
    config=AllowedCapabilities,
    anchor=pss("Capabilities", "Drop ALL and add back only runtime-default capabilities the entrypoint needs."),
)
def no_added_capabilities(subject: Subject, config: AllowedCapabilities) -> Iterator[str]:
    pod = Pod.of(subject)
    allowed = {capability_name(c) for c in config.allowed_capabilities}
    for container in pod.containers():
        capabilities = dig(_security_context(container), "capabilities") or {}
        # drop ALL, then add back a few defaults: still fewer privileges than the runtime grants.
        drops_all = "ALL" in {capability_name(str(c)) for c in items(capabilities, "drop")}
        permitted = allowed | RUNTIME_DEFAULT_CAPABILITIES if drops_all else allowed
        for capability in items(capabilities, "add"):
            if capability_name(str(capability)) not in permitted:
                yield f"{pod.at(container)}: adds capability {capability}"


@resource_rule(
    "kubernetes-no-privilege-escalation",
    "Requires allowPrivilegeEscalation: false on every container, so setuid binaries cannot raise privileges.",
    types=WORKLOADS,
    severity=Severity.HIGH,
    anchor=pss("Privilege Escalation", "Set securityContext.allowPrivilegeEscalation: false on every container."),
)
def no_privilege_escalation(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    pod = Pod.of(subject)
    for container in pod.containers():
        # Unset means allowed: the kernel's no_new_privs flag is only set when asked for.
        if known(_security_context(container), "allowPrivilegeEscalation") is not False:
            yield f"{pod.at(container)}: allowPrivilegeEscalation is not false"


@resource_rule(
    "kubernetes-no-unconfined-seccomp",
    "Requires a seccomp profile (RuntimeDefault or Localhost) on every container; unset runs Unconfined.",
    types=WORKLOADS,
    severity=Severity.HIGH,
    anchor=pss("Seccomp", "Set the pod's securityContext.seccompProfile.type to RuntimeDefault."),
)
def no_unconfined_seccomp(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    pod = Pod.of(subject)
    pod_profile = dig(pod.spec, "securityContext", "seccompProfile", "type")
    for container in pod.containers():
        # A container's own profile overrides the pod's.
        profile = dig(container, "securityContext", "seccompProfile", "type") or pod_profile
        if profile is None:
            yield f"{pod.at(container)}: no seccomp profile, so the kubelet's default (Unconfined) applies"
        elif profile == "Unconfined":
            yield f"{pod.at(container)}: seccomp profile is Unconfined"


class ExposedServiceTypes(RuleConfig):
    allowed_types: list[Literal["NodePort", "LoadBalancer"]] = Field(
        default=[], alias="allowedTypes", description="Service types that may expose a port outside the cluster."
    )


@resource_rule(
    "kubernetes-cluster-internal-services",
    "Prohibits Services reachable from outside (NodePort, LoadBalancer, externalIPs) or leading out of the cluster.",
    types=(SERVICE,),
    severity=Severity.HIGH,
    config=ExposedServiceTypes,
    anchor=own("Use a ClusterIP Service and kubectl port-forward, or allow the type in this environment's config."),
)
def cluster_internal_services(subject: Subject, config: ExposedServiceTypes) -> Iterator[str]:
    type_ = dig(subject.props, "spec", "type")
    if type_ in ("NodePort", "LoadBalancer") and type_ not in config.allowed_types:
        yield f"{kind_and_name(subject)}: type {type_} exposes it outside the cluster"
    if dig(subject.props, "spec", "externalIPs"):
        yield f"{kind_and_name(subject)}: externalIPs expose it outside the cluster"
    if type_ == "ExternalName":
        # Clients of the Service's name are sent to a host outside the cluster (and outside its policies).
        target = dig(subject.props, "spec", "externalName")
        yield f"{kind_and_name(subject)}: type ExternalName sends its clients to {target}"


def selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Whether a LabelSelector matches `labels`; an empty selector selects everything. A label
    value not known until `up` matches nothing here (known-at-preview reports it)."""
    selector = selector or {}
    match_labels = known(selector, "matchLabels") or {}
    for key in match_labels:
        value = known(match_labels, key)
        if value is None or labels.get(key) != value:
            return False
    for expression in items(selector, "matchExpressions"):
        key, operator = known(expression, "key"), known(expression, "operator")
        values = list(items(expression, "values"))
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def known_labels(metadata: Mapping[str, Any]) -> dict[str, str]:
    """An object's labels whose values are known at preview."""
    labels = known(metadata, "labels") or {}
    return {str(key): str(known(labels, key)) for key in labels if known(labels, key) is not None}


def isolates_ingress(policy: Mapping[str, Any]) -> bool:
    spec = dig(policy, "spec") or {}
    # Without policyTypes a NetworkPolicy always restricts ingress (and egress only if it has rules).
    return dig(spec, "policyTypes") is None or "Ingress" in list(items(spec, "policyTypes"))


def _admits_everyone(peer: Mapping[str, Any]) -> bool:
    """Whether one `from` peer lets every source in: an empty peer, every namespace with no pod
    selector (or an empty one), or an address block of prefix length 0 (whatever it excepts)."""
    pods, namespaces, block = (dig(peer, key) for key in ("podSelector", "namespaceSelector", "ipBlock"))
    if block is not None:
        return str(known(block, "cidr", "")).endswith("/0")
    if namespaces is not None:
        return not _selects_something(namespaces) and not _selects_something(pods)
    return pods is None


def _selects_something(selector: Mapping[str, Any] | None) -> bool:
    """Whether a LabelSelector narrows at all; an empty one selects everything."""
    if not selector:
        return False
    return bool(known(selector, "matchLabels") or known(selector, "matchExpressions"))


def allow_all_rule(policy: Mapping[str, Any]) -> int | None:
    """The index of the first ingress rule that admits every source (no `from`, an empty one, or
    a peer that admits everyone), when the policy restricts ingress at all; None otherwise."""
    if not isolates_ingress(policy):
        return None
    for index, rule in enumerate(items(dig(policy, "spec") or {}, "ingress")):
        peers = list(items(rule, "from"))
        if not peers or any(_admits_everyone(peer) for peer in peers):
            return index
    return None


@stack_rule(
    "kubernetes-network-policy-per-workload",
    "Requires each workload's pods to be selected by an ingress NetworkPolicy, and none to admit them from anywhere.",
    severity=Severity.HIGH,
    anchor=cis_kubernetes(
        "Ensure that all Namespaces have Network Policies defined",
        "Label the pod with its networks; the target's NetworkPolicies select it by them and admit only those.",
    ),
)
def network_policy_per_workload(resources: Sequence[PolicyResource], _config: RuleConfig) -> Iterator[tuple[str, str]]:
    # (namespace, pod selector, name, index of a rule that admits everyone) of each ingress policy.
    policies = [
        (
            dig(p.props, "metadata", "namespace"),
            dig(p.props, "spec", "podSelector"),
            dig(p.props, "metadata", "name") or p.name,
            allow_all_rule(p.props),
        )
        for p in resources
        if p.resource_type == NETWORK_POLICY and isolates_ingress(p.props)
    ]
    for resource, subject, pod in workloads(resources):
        namespace = dig(subject.props, "metadata", "namespace")
        labels = known_labels(pod.metadata)
        selecting = [(name, rule) for ns, sel, name, rule in policies if ns == namespace and selects(sel, labels)]
        if not selecting:
            yield resource.urn, f"{pod.owner}: no ingress NetworkPolicy selects its pods; any pod can reach them"
        # Policies add up: one rule that admits every source opens the pods, whatever the others say.
        for name, rule in selecting:
            if rule is not None:
                yield resource.urn, f"{pod.owner}: NetworkPolicy {name} ingress rule {rule} admits every source"


class StackNamespace(RuleConfig):
    namespace: str = Field(
        default="trade2026-{stack}",
        description="The one namespace of a stack; {stack} is replaced by the stack name.",
    )


@resource_rule(
    "kubernetes-stack-namespace",
    "Requires namespaced objects to live in the stack's own namespace, and only that namespace to be created.",
    types=(NAMESPACE, *NAMESPACED),
    severity=Severity.MEDIUM,
    config=StackNamespace,
    anchor=cis_kubernetes(
        "The default namespace should not be used",
        "Set metadata.namespace to the stack's namespace, trade2026-<stack> or trade2026:kubernetes.namespace.",
    ),
)
def stack_namespace(subject: Subject, config: StackNamespace) -> Iterator[str]:
    expected = config.namespace.replace("{stack}", subject.stack)
    if subject.type == NAMESPACE:
        name = dig(subject.props, "metadata", "name")
        if name != expected:
            yield f"{kind_and_name(subject)}: is not the stack's namespace {expected}"
        return
    try:
        namespace = (subject.props.get("metadata") or {}).get("namespace")
    except UnknownValueError:
        return  # computed from the Namespace resource; known at `pulumi up`
    if namespace is None:
        yield f"{kind_and_name(subject)}: no metadata.namespace (the provider's default applies); expected {expected}"
    elif namespace != expected:
        yield f"{kind_and_name(subject)}: in namespace {namespace}, not the stack's namespace {expected}"


_SELINUX_TYPES = {"container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
_PROFILES = {"RuntimeDefault", "Localhost"}
# Annotations that set an AppArmor or seccomp profile (before the securityContext fields existed);
# kubelets still honour them.
_PROFILE_ANNOTATIONS = re.compile(
    r"container\.apparmor\.security\.beta\.kubernetes\.io/.+|(container\.)?seccomp\.security\.alpha\.kubernetes\.io/.+"
)
_ANNOTATED_PROFILES = re.compile(r"runtime/default|docker/default|localhost/.+")


def relaxations(context: Mapping[str, Any]) -> Iterator[str]:
    """What a pod's or a container's securityContext relaxes, against the Pod Security Standards."""
    selinux = dig(context, "seLinuxOptions") or {}
    for key in ("user", "role"):
        if known(selinux, key):
            yield f"seLinuxOptions.{key} is set"
    if known(selinux, "type") and known(selinux, "type") not in _SELINUX_TYPES:
        yield f"seLinuxOptions.type is {selinux['type']}"
    apparmor = dig(context, "appArmorProfile", "type")
    if apparmor is not None and apparmor not in _PROFILES:
        yield f"appArmorProfile is {apparmor}"
    if known(context, "procMount") not in (None, "Default"):
        yield f"procMount is {context['procMount']}, so /proc is unmasked"
    if dig(context, "windowsOptions", "hostProcess"):
        yield "windowsOptions.hostProcess runs it as a process of the Windows node"
    if known(context, "runAsUser") == 0:
        yield "runAsUser is 0 (root)"
    if known(context, "runAsNonRoot") is False:
        yield "runAsNonRoot is false"


@resource_rule(
    "kubernetes-no-security-relaxations",
    "Prohibits SELinux, AppArmor, /proc, Windows host-process and root relaxations of pods and containers.",
    types=WORKLOADS,
    severity=Severity.HIGH,
    anchor=pss(
        "SELinux; AppArmor; /proc Mount Type; HostProcess; Running as Non-root user",
        "Remove the setting; the runtime's default SELinux type, AppArmor profile and masked /proc apply.",
    ),
)
def no_security_relaxations(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    pod = Pod.of(subject)
    for problem in relaxations(dig(pod.spec, "securityContext") or {}):
        yield f"{pod.owner}: pod {problem}"
    for container in pod.containers():
        for problem in relaxations(_security_context(container)):
            yield f"{pod.at(container)}: {problem}"
    annotations = known(pod.metadata, "annotations") or {}
    for key in annotations:
        value = str(known(annotations, key, ""))
        if _PROFILE_ANNOTATIONS.fullmatch(str(key)) and not _ANNOTATED_PROFILES.fullmatch(value):
            yield f"{pod.owner}: annotation {key} is {value}"


def _device_resource(name: str) -> bool:
    """A resource name that is a device (nvidia.com/gpu, a device plugin's), not cpu or memory."""
    return name not in ("cpu", "memory", "ephemeral-storage") and not name.startswith("hugepages-")


@resource_rule(
    "kubernetes-no-host-devices",
    "Prohibits node devices in pods: GPUs and device-plugin resources, resource claims and raw block devices.",
    types=WORKLOADS,
    severity=Severity.HIGH,
    anchor=own("Remove the device: the services need cpu and memory only."),
)
def no_host_devices(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    pod = Pod.of(subject)
    owners: list[tuple[str, Mapping[str, Any]]] = [(pod.owner, pod.spec)]
    owners += [(pod.at(c), c) for c in pod.containers()]
    for where, owner in owners:
        resources = dig(owner, "resources") or {}
        names = {str(n) for key in ("limits", "requests") for n in (known(resources, key) or {})}
        for name in sorted(filter(_device_resource, names)):
            yield f"{where}: requests device resource {name}"
        if known(resources, "claims") or known(owner, "resourceClaims"):
            yield f"{where}: claims devices through dynamic resource allocation"
        for device in items(owner, "volumeDevices"):
            yield f"{where}: raw block device {known(device, 'devicePath', '?')}"


_LEVELS = ("privileged", "baseline", "restricted")
_MODES = ("enforce", "audit", "warn")


class MinimumLevel(RuleConfig):
    minimum_level: Literal["privileged", "baseline", "restricted"] = Field(
        default="baseline",
        alias="minimumLevel",
        description="The least strict Pod Security level a namespace may enforce, audit or warn at.",
    )


@resource_rule(
    "kubernetes-pod-security-labels",
    "Requires the namespace to enforce Pod Security at the minimum level or stricter, with no label relaxing it.",
    types=(NAMESPACE,),
    severity=Severity.HIGH,
    config=MinimumLevel,
    anchor=pss(
        "Pod Security Admission labels",
        "Label the namespace pod-security.kubernetes.io/enforce: baseline (or restricted), as the target does.",
    ),
)
def pod_security_labels(subject: Subject, config: MinimumLevel) -> Iterator[str]:
    labels = dig(subject.props, "metadata", "labels") or {}
    floor = _LEVELS.index(config.minimum_level)
    owner = kind_and_name(subject)
    if known(labels, "pod-security.kubernetes.io/enforce") is None:
        # Without the label the cluster's default applies, which is privileged unless configured.
        yield f"{owner}: no pod-security.kubernetes.io/enforce label, so the cluster default (privileged) applies"
    for mode in _MODES:
        level = known(labels, f"pod-security.kubernetes.io/{mode}")
        if level is not None and level not in _LEVELS:
            yield f"{owner}: pod-security.kubernetes.io/{mode} is {level}, not a Pod Security level"
        elif level is not None and _LEVELS.index(level) < floor:
            yield f"{owner}: pod-security.kubernetes.io/{mode} is {level}, below {config.minimum_level}"
        version = known(labels, f"pod-security.kubernetes.io/{mode}-version")
        # An older version of a level checks less than the current one.
        if version not in (None, "latest"):
            yield f"{owner}: pod-security.kubernetes.io/{mode}-version is {version}, not latest"


POLICIES = [
    no_host_path_volumes,
    data_on_persistent_volumes,
    pinned_images,
    probes_required,
    memory_limits_required,
    stack_memory_budget,
    no_privileged_containers,
    no_host_namespaces,
    no_host_ports,
    no_added_capabilities,
    no_privilege_escalation,
    no_unconfined_seccomp,
    cluster_internal_services,
    network_policy_per_workload,
    stack_namespace,
    no_security_relaxations,
    no_host_devices,
    pod_security_labels,
]
