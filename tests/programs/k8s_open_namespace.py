"""A namespace that admits anything: Pod Security set to privileged (and audit and warn
silenced), and a NetworkPolicy that seems to restrict ingress but whose rules let every pod of
every namespace, and every address, in. A reviewer skimming for "NetworkPolicy: yes" sees one."""

import pulumi
import pulumi_kubernetes as k8s

namespace = f"trade2026-{pulumi.get_stack()}"
labels = {"app.kubernetes.io/name": "nats"}
probe = k8s.core.v1.ProbeArgs(http_get=k8s.core.v1.HTTPGetActionArgs(path="/healthz", port=8222))

k8s.core.v1.Namespace(
    "namespace",
    metadata=k8s.meta.v1.ObjectMetaArgs(
        name=namespace,
        labels={
            "pod-security.kubernetes.io/enforce": "privileged",
            "pod-security.kubernetes.io/audit": "privileged",
            "pod-security.kubernetes.io/warn": "privileged",
        },
    ),
)
k8s.networking.v1.NetworkPolicy(
    "nats-ingress",
    metadata=k8s.meta.v1.ObjectMetaArgs(name="nats-ingress", namespace=namespace),
    spec=k8s.networking.v1.NetworkPolicySpecArgs(
        pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels),
        policy_types=["Ingress"],
        ingress=[
            k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                from_=[
                    k8s.networking.v1.NetworkPolicyPeerArgs(namespace_selector=k8s.meta.v1.LabelSelectorArgs()),
                    k8s.networking.v1.NetworkPolicyPeerArgs(
                        ip_block=k8s.networking.v1.IPBlockArgs(cidr="0.0.0.0/0", except_=["169.254.169.254/32"])
                    ),
                ]
            )
        ],
    ),
)
k8s.apps.v1.StatefulSet(
    "nats",
    metadata=k8s.meta.v1.ObjectMetaArgs(name="nats", namespace=namespace),
    spec=k8s.apps.v1.StatefulSetSpecArgs(
        service_name="nats",
        selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels),
        template=k8s.core.v1.PodTemplateSpecArgs(
            metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
            spec=k8s.core.v1.PodSpecArgs(
                security_context=k8s.core.v1.PodSecurityContextArgs(
                    seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault")
                ),
                containers=[
                    k8s.core.v1.ContainerArgs(
                        name="nats",
                        image="nats:2.10.29-alpine",
                        readiness_probe=probe,
                        liveness_probe=probe,
                        resources=k8s.core.v1.ResourceRequirementsArgs(limits={"memory": "256Mi"}),
                        security_context=k8s.core.v1.SecurityContextArgs(allow_privilege_escalation=False),
                    )
                ],
            ),
        ),
    ),
)
