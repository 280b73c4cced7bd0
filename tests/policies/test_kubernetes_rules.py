"""Every Kubernetes rule with a passing and a failing case: one hardened StatefulSet, Service and
NetworkPolicy of stack dev, one mutation per failure."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest
from harness import check_resource, check_stack, resource
from pulumi_policy import Policy, PolicyResource, StackValidationPolicy
from trade2026_policies import POLICIES
from trade2026_policies.kubernetes import (
    CRON_JOB,
    DEPLOYMENT,
    NAMESPACE,
    NETWORK_POLICY,
    POD,
    SERVICE,
    STATEFUL_SET,
    mebibytes,
)

BY_NAME = {policy.name: policy for policy in POLICIES}
KUBERNETES = [policy for policy in POLICIES if policy.name.startswith("kubernetes-")]
LABELS = {"app.kubernetes.io/name": "nats", "app.kubernetes.io/instance": "trade2026-dev"}


def hardened_statefulset() -> dict[str, Any]:
    """Passes every policy: the shape the Kubernetes target renders for NATS."""
    container = {
        "name": "nats",
        "image": "nats:2.10.29-alpine",
        "args": ["-js", "-sd", "/data", "-m", "8222"],
        "ports": [{"name": "client", "containerPort": 4222}, {"name": "monitoring", "containerPort": 8222}],
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": "monitoring"}, "periodSeconds": 10},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": "monitoring"}, "periodSeconds": 10},
        "resources": {"requests": {"memory": "256Mi"}, "limits": {"memory": "256Mi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [
            {"name": "data", "mountPath": "/data"},
            {"name": "uploads", "mountPath": "/etc/nats/extra.conf", "subPath": "extra.conf", "readOnly": True},
        ],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "nats", "namespace": "trade2026-dev", "labels": LABELS},
        "spec": {
            "serviceName": "nats-headless",
            "replicas": 1,
            "selector": {"matchLabels": LABELS},
            "template": {
                "metadata": {"labels": {**LABELS, "trade2026.io/backend": "true"}},
                "spec": {
                    "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [container],
                    "volumes": [{"name": "uploads", "configMap": {"name": "nats-uploads"}}],
                },
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
                }
            ],
        },
    }


def hardened_service() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "nats", "namespace": "trade2026-dev"},
        "spec": {"type": "ClusterIP", "selector": LABELS, "ports": [{"name": "client", "port": 4222}]},
    }


def hardened_network_policy() -> dict[str, Any]:
    """Pods on the backend network accept traffic only from other backend pods."""
    backend = {"matchLabels": {"trade2026.io/backend": "true"}}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "backend", "namespace": "trade2026-dev"},
        "spec": {"podSelector": backend, "policyTypes": ["Ingress"], "ingress": [{"from": [{"podSelector": backend}]}]},
    }


def hardened_namespace() -> dict[str, Any]:
    """Enforces baseline and audits restricted, as the target labels the stack's namespace."""
    labels = {"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/audit": "restricted"}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "trade2026-dev", "labels": labels}}


HAPPY = {
    STATEFUL_SET: hardened_statefulset,
    SERVICE: hardened_service,
    NETWORK_POLICY: hardened_network_policy,
    NAMESPACE: hardened_namespace,
}


def stack_of(*workloads: dict[str, Any], policies: tuple[dict[str, Any], ...] | None = None) -> list[PolicyResource]:
    chosen = (hardened_network_policy(),) if policies is None else policies
    return [
        resource(NAMESPACE, hardened_namespace(), name="namespace"),
        *(resource(NETWORK_POLICY, p, name=f"netpol-{i}") for i, p in enumerate(chosen)),
        *(resource(STATEFUL_SET, w, name=f"workload-{i}") for i, w in enumerate(workloads)),
        resource(SERVICE, hardened_service(), name="service"),
    ]


@pytest.mark.parametrize("policy", KUBERNETES, ids=lambda p: p.name)
def test_hardened_kubernetes_objects_pass_every_policy(policy: Policy) -> None:
    if isinstance(policy, StackValidationPolicy):
        assert check_stack(policy, stack_of(hardened_statefulset())) == []
    else:
        for type_, props in HAPPY.items():
            assert check_resource(policy, props(), type_=type_) == [], type_


def test_every_kubernetes_rule_is_registered_in_the_pack() -> None:
    assert [p.name for p in KUBERNETES] == [
        "kubernetes-pod-allowed-fields",
        "kubernetes-no-host-path-volumes",
        "kubernetes-data-on-persistent-volumes",
        "kubernetes-pinned-images",
        "kubernetes-probes-required",
        "kubernetes-memory-limits-required",
        "kubernetes-stack-memory-budget",
        "kubernetes-no-privileged-containers",
        "kubernetes-no-host-namespaces",
        "kubernetes-no-host-ports",
        "kubernetes-no-added-capabilities",
        "kubernetes-no-privilege-escalation",
        "kubernetes-no-unconfined-seccomp",
        "kubernetes-cluster-internal-services",
        "kubernetes-network-policy-per-workload",
        "kubernetes-stack-namespace",
        "kubernetes-no-security-relaxations",
        "kubernetes-no-host-devices",
        "kubernetes-pod-security-labels",
    ]


Change = Callable[[dict[str, Any]], None]


def pod(props: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = props["spec"]["template"]["spec"]
    return spec


def container(props: dict[str, Any]) -> dict[str, Any]:
    first: dict[str, Any] = pod(props)["containers"][0]
    return first


def in_container(key: str, value: Any) -> Change:
    return lambda props: container(props).__setitem__(key, value)


def in_pod(key: str, value: Any) -> Change:
    return lambda props: pod(props).__setitem__(key, value)


def in_security_context(key: str, value: Any) -> Change:
    return lambda props: container(props)["securityContext"].__setitem__(key, value)


def drop_claims(props: dict[str, Any]) -> None:
    del props["spec"]["volumeClaimTemplates"]
    pod(props)["volumes"].append({"name": "data", "emptyDir": {}})


def add_init_container(props: dict[str, Any]) -> None:
    pod(props)["initContainers"] = [
        {
            "name": "chown",
            "image": "busybox:1.37.0",
            "securityContext": {"allowPrivilegeEscalation": False},
            "resources": {"limits": {"memory": "32Mi"}},
            "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}],
        }
    ]
    pod(props)["volumes"].append({"name": "scratch", "emptyDir": {}})


STATEFULSET_FAILURES: list[tuple[str, Change, list[str]]] = [
    (
        "kubernetes-no-host-path-volumes",
        lambda props: pod(props)["volumes"].append({"name": "host", "hostPath": {"path": "/srv/nats"}}),
        ["StatefulSet nats: volume host is hostPath /srv/nats"],
    ),
    (
        "kubernetes-data-on-persistent-volumes",
        drop_claims,
        ["StatefulSet nats: container nats: /data is on volume data, not a PersistentVolumeClaim"],
    ),
    (
        "kubernetes-data-on-persistent-volumes",
        add_init_container,
        ["StatefulSet nats: container chown: /scratch is on volume scratch, not a PersistentVolumeClaim"],
    ),
    (
        "kubernetes-pinned-images",
        in_container("image", "nats:latest"),
        ["StatefulSet nats: container nats: image nats:latest floats with every release"],
    ),
    (
        "kubernetes-pinned-images",
        in_container("image", "nats:2.10-alpine"),
        [
            "StatefulSet nats: container nats: image nats:2.10-alpine is not an exact release "
            "(needs 3 version parts, or a sha256 digest)"
        ],
    ),
    (
        "kubernetes-probes-required",
        lambda props: container(props).pop("readinessProbe"),
        ["StatefulSet nats: container nats: no readinessProbe"],
    ),
    (
        "kubernetes-probes-required",
        in_container("livenessProbe", {"periodSeconds": 10}),
        ["StatefulSet nats: container nats: no livenessProbe"],
    ),
    (
        "kubernetes-memory-limits-required",
        in_container("resources", {"requests": {"memory": "256Mi"}}),
        ["StatefulSet nats: container nats: no memory limit"],
    ),
    (
        "kubernetes-memory-limits-required",
        in_container("resources", {"limits": {"memory": "lots"}}),
        ["StatefulSet nats: container nats: memory limit 'lots' is not a positive quantity"],
    ),
    (
        "kubernetes-no-privileged-containers",
        in_security_context("privileged", True),
        ["StatefulSet nats: container nats: runs privileged"],
    ),
    ("kubernetes-no-host-namespaces", in_pod("hostNetwork", True), ["StatefulSet nats: hostNetwork is true"]),
    ("kubernetes-no-host-namespaces", in_pod("hostPID", True), ["StatefulSet nats: hostPID is true"]),
    ("kubernetes-no-host-namespaces", in_pod("hostIPC", True), ["StatefulSet nats: hostIPC is true"]),
    (
        "kubernetes-no-host-ports",
        in_container("ports", [{"containerPort": 4222, "hostPort": 4222}]),
        ["StatefulSet nats: container nats: port 4222 is bound to node port 4222"],
    ),
    (
        # As the real engine sends them: every number a double.
        "kubernetes-no-host-ports",
        in_container("ports", [{"containerPort": 4222.0, "hostPort": 4222.0}]),
        ["StatefulSet nats: container nats: port 4222 is bound to node port 4222"],
    ),
    (
        "kubernetes-no-added-capabilities",
        in_security_context("capabilities", {"drop": ["ALL"], "add": ["SYS_ADMIN"]}),
        ["StatefulSet nats: container nats: adds capability SYS_ADMIN"],
    ),
    (
        "kubernetes-no-added-capabilities",
        in_security_context("capabilities", {"add": ["CHOWN"]}),
        ["StatefulSet nats: container nats: adds capability CHOWN"],
    ),
    (
        "kubernetes-no-privilege-escalation",
        lambda props: container(props)["securityContext"].pop("allowPrivilegeEscalation"),
        ["StatefulSet nats: container nats: allowPrivilegeEscalation is not false"],
    ),
    (
        "kubernetes-no-privilege-escalation",
        in_security_context("allowPrivilegeEscalation", True),
        ["StatefulSet nats: container nats: allowPrivilegeEscalation is not false"],
    ),
    (
        "kubernetes-no-unconfined-seccomp",
        in_pod("securityContext", {}),
        ["StatefulSet nats: container nats: no seccomp profile, so the kubelet's default (Unconfined) applies"],
    ),
    (
        "kubernetes-no-unconfined-seccomp",
        in_security_context("seccompProfile", {"type": "Unconfined"}),
        ["StatefulSet nats: container nats: seccomp profile is Unconfined"],
    ),
    (
        "kubernetes-stack-namespace",
        lambda props: props["metadata"].pop("namespace"),
        ["StatefulSet nats: no metadata.namespace (the provider's default applies); expected trade2026-dev"],
    ),
    (
        "kubernetes-stack-namespace",
        lambda props: props["metadata"].__setitem__("namespace", "default"),
        ["StatefulSet nats: in namespace default, not the stack's namespace trade2026-dev"],
    ),
]


def mutated(change: Change, fixture: Callable[[], dict[str, Any]] = hardened_statefulset) -> dict[str, Any]:
    props = copy.deepcopy(fixture())
    change(props)
    return props


@pytest.mark.parametrize(("name", "change", "expected"), STATEFULSET_FAILURES, ids=[c[0] for c in STATEFULSET_FAILURES])
def test_one_mutation_of_the_hardened_statefulset_violates_exactly_its_policy(
    name: str, change: Change, expected: list[str]
) -> None:
    props = mutated(change)
    assert check_resource(BY_NAME[name], props, type_=STATEFUL_SET) == expected
    others = [p for p in KUBERNETES if p.name != name and not isinstance(p, StackValidationPolicy)]
    assert {p.name: check_resource(p, props, type_=STATEFUL_SET) for p in others} == {p.name: [] for p in others}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda props: props["spec"].__setitem__("type", "NodePort"),
            ["Service nats: type NodePort exposes it outside the cluster"],
        ),
        (
            lambda props: props["spec"].__setitem__("type", "LoadBalancer"),
            ["Service nats: type LoadBalancer exposes it outside the cluster"],
        ),
        (
            lambda props: props["spec"].__setitem__("externalIPs", ["203.0.113.7"]),
            ["Service nats: externalIPs expose it outside the cluster"],
        ),
    ],
    ids=["node-port", "load-balancer", "external-ips"],
)
def test_a_service_reachable_from_outside_the_cluster_is_refused(change: Change, expected: list[str]) -> None:
    props = mutated(change, hardened_service)
    assert check_resource(BY_NAME["kubernetes-cluster-internal-services"], props, type_=SERVICE) == expected


def test_policy_config_allows_a_named_service_type() -> None:
    props = mutated(lambda p: p["spec"].__setitem__("type", "LoadBalancer"), hardened_service)
    policy = BY_NAME["kubernetes-cluster-internal-services"]
    assert check_resource(policy, props, type_=SERVICE, config={"allowedTypes": ["LoadBalancer"]}) == []
    assert check_resource(policy, props, type_=SERVICE, config={"allowedTypes": ["NodePort"]}) == [
        "Service nats: type LoadBalancer exposes it outside the cluster"
    ]
    with pytest.raises(ValueError, match=re.escape("allowedTypes.0: Input should be 'NodePort' or 'LoadBalancer'")):
        check_resource(policy, props, type_=SERVICE, config={"allowedTypes": ["ExternalName"]})


def test_only_the_stacks_namespace_may_be_created_and_an_override_is_configured() -> None:
    policy = BY_NAME["kubernetes-stack-namespace"]
    other = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}}
    assert check_resource(policy, other, type_=NAMESPACE) == [
        "Namespace kube-system: is not the stack's namespace trade2026-dev"
    ]
    override = {"namespace": "trading-blue"}
    moved = mutated(lambda p: p["metadata"].__setitem__("namespace", "trading-blue"))
    assert check_resource(policy, moved, type_=STATEFUL_SET, config=override) == []
    assert check_resource(policy, hardened_namespace(), type_=NAMESPACE, config=override) == [
        "Namespace trade2026-dev: is not the stack's namespace trading-blue"
    ]
    on_prod = mutated(lambda p: p["metadata"].__setitem__("namespace", "trade2026-prod"), hardened_service)
    assert check_resource(policy, on_prod, type_=SERVICE, stack="prod") == []


def test_dropping_all_and_adding_back_runtime_defaults_is_not_an_addition() -> None:
    props = mutated(in_security_context("capabilities", {"drop": ["ALL"], "add": ["CHOWN", "SETUID", "SETGID"]}))
    assert check_resource(BY_NAME["kubernetes-no-added-capabilities"], props, type_=STATEFUL_SET) == []
    second = copy.deepcopy(container(props))
    second["name"] = "sidecar"
    second["securityContext"]["capabilities"] = {"add": ["CHOWN"]}
    pod(props)["containers"].append(second)
    assert check_resource(BY_NAME["kubernetes-no-added-capabilities"], props, type_=STATEFUL_SET) == [
        "StatefulSet nats: container sidecar: adds capability CHOWN"
    ]


def test_capabilities_named_in_config_may_be_added() -> None:
    props = mutated(in_security_context("capabilities", {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}))
    policy = BY_NAME["kubernetes-no-added-capabilities"]
    config = {"allowedCapabilities": ["CAP_NET_BIND_SERVICE"]}
    assert check_resource(policy, props, type_=STATEFUL_SET, config=config) == []


def test_rules_look_through_every_kind_of_pod_template() -> None:
    template = hardened_statefulset()["spec"]["template"]
    bare = copy.deepcopy(template["spec"])
    bare["containers"][0]["securityContext"]["privileged"] = True
    policy = BY_NAME["kubernetes-no-privileged-containers"]
    a_pod = {"kind": "Pod", "metadata": {"name": "debug"}, "spec": bare}
    deployment = {"kind": "Deployment", "metadata": {"name": "api"}, "spec": {"template": {"spec": bare}}}
    cron = {
        "kind": "CronJob",
        "metadata": {"name": "backup"},
        "spec": {"jobTemplate": {"spec": {"template": {"spec": bare}}}},
    }
    assert check_resource(policy, a_pod, type_=POD) == ["Pod debug: container nats: runs privileged"]
    assert check_resource(policy, deployment, type_=DEPLOYMENT) == ["Deployment api: container nats: runs privileged"]
    assert check_resource(policy, cron, type_=CRON_JOB) == ["CronJob backup: container nats: runs privileged"]


def test_a_persistent_volume_claim_volume_holds_data_outside_a_statefulset() -> None:
    spec = copy.deepcopy(hardened_statefulset()["spec"]["template"]["spec"])
    spec["volumes"].append({"name": "data", "persistentVolumeClaim": {"claimName": "nats-data"}})
    deployment = {"kind": "Deployment", "metadata": {"name": "nats"}, "spec": {"template": {"spec": spec}}}
    assert check_resource(BY_NAME["kubernetes-data-on-persistent-volumes"], deployment, type_=DEPLOYMENT) == []
    # volumeClaimTemplates mean nothing to a Deployment: the API server drops them.
    deployment["spec"]["volumeClaimTemplates"] = hardened_statefulset()["spec"]["volumeClaimTemplates"]
    spec["volumes"].pop()
    assert check_resource(BY_NAME["kubernetes-data-on-persistent-volumes"], deployment, type_=DEPLOYMENT) == [
        "Deployment nats: container nats: /data is on volume data, not a PersistentVolumeClaim"
    ]


@pytest.mark.parametrize(
    ("quantity", "mib"),
    [("256Mi", 256.0), ("1Gi", 1024.0), ("1G", 953.67431640625), ("268435456", 256.0), ("0.5Gi", 512.0)],
)
def test_memory_quantities_are_read_in_mebibytes(quantity: str, mib: float) -> None:
    assert mebibytes(quantity) == pytest.approx(mib)


# Stack policies ---------------------------------------------------------------------------------


def named(name: str, memory: str = "256Mi", replicas: int = 1) -> dict[str, Any]:
    props = hardened_statefulset()
    props["metadata"]["name"] = name
    props["spec"]["replicas"] = replicas
    container(props)["resources"] = {"limits": {"memory": memory}}
    return props


def test_stack_memory_budget_counts_replicas_and_names_the_largest_consumers() -> None:
    policy = BY_NAME["kubernetes-stack-memory-budget"]
    found = check_stack(policy, stack_of(named("a", "1Gi", replicas=3), named("b", "512Mi"), named("c", "600M")))
    assert [m for _, m in found] == [
        "memory limits add up to 4156.2 MiB, over the 4096 MiB budget "
        "(largest: StatefulSet a 3072 MiB, StatefulSet c 572.205 MiB, StatefulSet b 512 MiB)"
    ]
    assert found[0][0].endswith("::workload-0")
    assert check_stack(policy, stack_of(named("a", "1Gi", replicas=3), named("b", "512Mi"))) == []
    assert check_stack(policy, stack_of(named("a", "1Gi", replicas=3), named("b", "512Mi")), {"budgetMb": 3000}) != []


def test_an_init_container_counts_only_when_larger_than_the_running_containers() -> None:
    policy = BY_NAME["kubernetes-stack-memory-budget"]
    props = named("a", "1Gi")
    pod(props)["initContainers"] = [{"name": "warm", "resources": {"limits": {"memory": "3Gi"}}}]
    config = {"budgetMb": 2048}
    assert [m for _, m in check_stack(policy, stack_of(props), config)] == [
        "memory limits add up to 3072 MiB, over the 2048 MiB budget (largest: StatefulSet a 3072 MiB)"
    ]
    pod(props)["initContainers"][0]["resources"]["limits"]["memory"] = "64Mi"
    assert check_stack(policy, stack_of(props), config) == []


def test_a_workload_no_ingress_network_policy_selects_is_reported() -> None:
    policy = BY_NAME["kubernetes-network-policy-per-workload"]
    frontend = hardened_network_policy()
    frontend["spec"]["podSelector"] = {"matchLabels": {"trade2026.io/frontend": "true"}}
    found = check_stack(policy, stack_of(hardened_statefulset(), policies=(frontend,)))
    assert found == [
        (
            "urn:pulumi:dev::trade2026::trade2026:infra:Nats$kubernetes:apps/v1:StatefulSet::workload-0",
            "StatefulSet nats: no ingress NetworkPolicy selects its pods; any pod can reach them",
        )
    ]


@pytest.mark.parametrize(
    ("change", "selected"),
    [
        (lambda p: p["spec"].__setitem__("podSelector", {}), True),
        (lambda p: p["metadata"].__setitem__("namespace", "other"), False),
        (lambda p: p["spec"].__setitem__("policyTypes", ["Egress"]), False),
        (lambda p: p["spec"].pop("policyTypes"), True),
        (
            lambda p: p["spec"].__setitem__(
                "podSelector", {"matchExpressions": [{"key": "trade2026.io/backend", "operator": "Exists"}]}
            ),
            True,
        ),
        (
            lambda p: p["spec"].__setitem__(
                "podSelector",
                {"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "NotIn", "values": ["nats"]}]},
            ),
            False,
        ),
        (
            lambda p: p["spec"].__setitem__(
                "podSelector",
                {"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "In", "values": ["nats", "x"]}]},
            ),
            True,
        ),
        (
            lambda p: p["spec"].__setitem__(
                "podSelector", {"matchExpressions": [{"key": "trade2026.io/backend", "operator": "DoesNotExist"}]}
            ),
            False,
        ),
    ],
    ids=["empty-selector", "other-namespace", "egress-only", "types-unset", "exists", "not-in", "in", "does-not-exist"],
)
def test_network_policy_selection_follows_the_label_selector_rules(change: Change, selected: bool) -> None:
    policy = BY_NAME["kubernetes-network-policy-per-workload"]
    found = check_stack(policy, stack_of(hardened_statefulset(), policies=(mutated(change, hardened_network_policy),)))
    assert (found == []) is selected
