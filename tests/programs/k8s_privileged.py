"""A workload that reaches into its node: a privileged container on the node's network namespace
with a host port. Each is a Pod Security Standards baseline control the Kubernetes rules enforce."""

import pulumi
import pulumi_kubernetes as k8s

namespace = f"trade2026-{pulumi.get_stack()}"
labels = {"app.kubernetes.io/name": "opa"}
probe = k8s.core.v1.ProbeArgs(http_get=k8s.core.v1.HTTPGetActionArgs(path="/health", port=8181))

k8s.core.v1.Namespace(
    "namespace",
    metadata=k8s.meta.v1.ObjectMetaArgs(
        name=namespace,
        labels={"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/audit": "restricted"},
    ),
)
k8s.networking.v1.NetworkPolicy(
    "default-deny-ingress",
    metadata=k8s.meta.v1.ObjectMetaArgs(name="default-deny-ingress", namespace=namespace),
    spec=k8s.networking.v1.NetworkPolicySpecArgs(
        pod_selector=k8s.meta.v1.LabelSelectorArgs(), policy_types=["Ingress"]
    ),
)
k8s.apps.v1.StatefulSet(
    "opa",
    metadata=k8s.meta.v1.ObjectMetaArgs(name="opa", namespace=namespace),
    spec=k8s.apps.v1.StatefulSetSpecArgs(
        service_name="opa",
        selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels),
        template=k8s.core.v1.PodTemplateSpecArgs(
            metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
            spec=k8s.core.v1.PodSpecArgs(
                host_network=True,
                security_context=k8s.core.v1.PodSecurityContextArgs(
                    seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault")
                ),
                containers=[
                    k8s.core.v1.ContainerArgs(
                        name="opa",
                        image="openpolicyagent/opa:1.4.2-static",
                        ports=[k8s.core.v1.ContainerPortArgs(container_port=8181, host_port=8181)],
                        readiness_probe=probe,
                        liveness_probe=probe,
                        resources=k8s.core.v1.ResourceRequirementsArgs(limits={"memory": "64Mi"}),
                        security_context=k8s.core.v1.SecurityContextArgs(
                            privileged=True, allow_privilege_escalation=False
                        ),
                    )
                ],
            ),
        ),
    ),
)
