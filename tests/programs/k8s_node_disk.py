"""A StatefulSet that keeps its data on the node's disk and a Service open on every node: two
mistakes the Kubernetes rules exist for, on an otherwise hardened workload."""

import pulumi
import pulumi_kubernetes as k8s

namespace = f"trade2026-{pulumi.get_stack()}"
labels = {"app.kubernetes.io/name": "nats"}
probe = k8s.core.v1.ProbeArgs(http_get=k8s.core.v1.HTTPGetActionArgs(path="/healthz", port=8222))

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
                        volume_mounts=[k8s.core.v1.VolumeMountArgs(name="data", mount_path="/data")],
                    )
                ],
                volumes=[
                    k8s.core.v1.VolumeArgs(
                        name="data", host_path=k8s.core.v1.HostPathVolumeSourceArgs(path="/srv/nats")
                    )
                ],
            ),
        ),
    ),
)
k8s.core.v1.Service(
    "nats",
    metadata=k8s.meta.v1.ObjectMetaArgs(name="nats", namespace=namespace),
    spec=k8s.core.v1.ServiceSpecArgs(
        type="NodePort", selector=labels, ports=[k8s.core.v1.ServicePortArgs(name="client", port=4222)]
    ),
)
