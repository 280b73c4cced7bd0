"""Cluster objects outside what the stack is made of: cluster-admin for the namespace's default
service account, a Helm release from a chart repository, a PersistentVolume on a node's disk, an
Ingress opening a service to the world, a Deployment patch that swaps another team's image, a
ReplicationController (a workload kind the pod rules were never told about) and an autoscaler."""

import pulumi
import pulumi_kubernetes as k8s

namespace = f"trade2026-{pulumi.get_stack()}"
meta = k8s.meta.v1.ObjectMetaArgs

k8s.rbac.v1.ClusterRoleBinding(
    "ops",
    metadata=meta(name=f"{namespace}-ops"),
    role_ref=k8s.rbac.v1.RoleRefArgs(api_group="rbac.authorization.k8s.io", kind="ClusterRole", name="cluster-admin"),
    subjects=[k8s.rbac.v1.SubjectArgs(kind="ServiceAccount", name="default", namespace=namespace)],
)
k8s.helm.v3.Release(
    "monitoring",
    chart="kube-prometheus-stack",
    version="65.1.1",
    namespace=namespace,
    repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo="https://charts.example.net"),
)
k8s.core.v1.PersistentVolume(
    "scratch",
    metadata=meta(name=f"{namespace}-scratch"),
    spec=k8s.core.v1.PersistentVolumeSpecArgs(
        capacity={"storage": "10Gi"},
        access_modes=["ReadWriteOnce"],
        host_path=k8s.core.v1.HostPathVolumeSourceArgs(path="/"),
    ),
)
k8s.networking.v1.Ingress(
    "console",
    metadata=meta(name="console", namespace=namespace),
    spec=k8s.networking.v1.IngressSpecArgs(
        default_backend=k8s.networking.v1.IngressBackendArgs(
            service=k8s.networking.v1.IngressServiceBackendArgs(
                name="questdb", port=k8s.networking.v1.ServiceBackendPortArgs(number=9000)
            )
        )
    ),
)
k8s.apps.v1.DeploymentPatch(
    "coredns",
    metadata=k8s.meta.v1.ObjectMetaPatchArgs(name="coredns", namespace="kube-system"),
    spec=k8s.apps.v1.DeploymentSpecPatchArgs(
        template=k8s.core.v1.PodTemplateSpecPatchArgs(
            spec=k8s.core.v1.PodSpecPatchArgs(
                containers=[k8s.core.v1.ContainerPatchArgs(name="coredns", image="registry.example.net/dns:1.11.3")]
            )
        )
    ),
)
k8s.core.v1.ReplicationController(
    "shell",
    metadata=meta(name="shell", namespace=namespace),
    spec=k8s.core.v1.ReplicationControllerSpecArgs(
        replicas=1,
        selector={"app": "shell"},
        template=k8s.core.v1.PodTemplateSpecArgs(
            metadata=meta(labels={"app": "shell"}),
            spec=k8s.core.v1.PodSpecArgs(
                host_pid=True,
                containers=[
                    k8s.core.v1.ContainerArgs(
                        name="shell",
                        image="alpine:3.20.3",
                        security_context=k8s.core.v1.SecurityContextArgs(privileged=True),
                    )
                ],
            ),
        ),
    ),
)
k8s.autoscaling.v2.HorizontalPodAutoscaler(
    "questdb",
    metadata=meta(name="questdb", namespace=namespace),
    spec=k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
        max_replicas=50,
        scale_target_ref=k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
            api_version="apps/v1", kind="StatefulSet", name="questdb"
        ),
    ),
)
