"""A StatefulSet whose pod keeps every baseline control the pack knew about (no privileged, no
host namespaces, no hostPath, seccomp RuntimeDefault) and still reaches the node: SELinux type
spc_t, AppArmor unconfined by annotation, an unmasked /proc, root, a shared process namespace,
a node's GPU, a raw block device, an NFS share of another host, a git checkout run by the
kubelet, a host alias, a Windows host process and a kernel setting."""

import pulumi
import pulumi_kubernetes as k8s

namespace = f"trade2026-{pulumi.get_stack()}"
labels = {"app.kubernetes.io/name": "worker"}
probe = k8s.core.v1.ProbeArgs(tcp_socket=k8s.core.v1.TCPSocketActionArgs(port=8080))

k8s.core.v1.Namespace("namespace", metadata=k8s.meta.v1.ObjectMetaArgs(name=namespace))
k8s.networking.v1.NetworkPolicy(
    "default-deny-ingress",
    metadata=k8s.meta.v1.ObjectMetaArgs(name="default-deny-ingress", namespace=namespace),
    spec=k8s.networking.v1.NetworkPolicySpecArgs(
        pod_selector=k8s.meta.v1.LabelSelectorArgs(), policy_types=["Ingress"]
    ),
)
k8s.apps.v1.StatefulSet(
    "worker",
    metadata=k8s.meta.v1.ObjectMetaArgs(name="worker", namespace=namespace),
    spec=k8s.apps.v1.StatefulSetSpecArgs(
        service_name="worker",
        selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels),
        template=k8s.core.v1.PodTemplateSpecArgs(
            metadata=k8s.meta.v1.ObjectMetaArgs(
                labels=labels, annotations={"container.apparmor.security.beta.kubernetes.io/worker": "unconfined"}
            ),
            spec=k8s.core.v1.PodSpecArgs(
                share_process_namespace=True,
                host_aliases=[k8s.core.v1.HostAliasArgs(ip="10.66.0.9", hostnames=["registry-1.docker.io"])],
                security_context=k8s.core.v1.PodSecurityContextArgs(
                    seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
                    se_linux_options=k8s.core.v1.SELinuxOptionsArgs(type="spc_t"),
                    sysctls=[k8s.core.v1.SysctlArgs(name="kernel.core_pattern", value="|/tmp/x")],
                    run_as_user=0,
                ),
                containers=[
                    k8s.core.v1.ContainerArgs(
                        name="worker",
                        image="nvidia/cuda:12.6.3-base-ubuntu24.04",
                        readiness_probe=probe,
                        liveness_probe=probe,
                        resources=k8s.core.v1.ResourceRequirementsArgs(limits={"memory": "1Gi", "nvidia.com/gpu": "1"}),
                        security_context=k8s.core.v1.SecurityContextArgs(
                            allow_privilege_escalation=False,
                            proc_mount="Unmasked",
                            run_as_non_root=False,
                            windows_options=k8s.core.v1.WindowsSecurityContextOptionsArgs(host_process=True),
                        ),
                        volume_devices=[k8s.core.v1.VolumeDeviceArgs(name="disk", device_path="/dev/xvdb")],
                        volume_mounts=[
                            k8s.core.v1.VolumeMountArgs(name="share", mount_path="/share"),
                            k8s.core.v1.VolumeMountArgs(name="tools", mount_path="/tools"),
                        ],
                    )
                ],
                volumes=[
                    k8s.core.v1.VolumeArgs(
                        name="share", nfs=k8s.core.v1.NFSVolumeSourceArgs(server="10.0.0.2", path="/")
                    ),
                    k8s.core.v1.VolumeArgs(
                        name="tools",
                        git_repo=k8s.core.v1.GitRepoVolumeSourceArgs(repository="https://git.example.net/t"),
                    ),
                ],
            ),
        ),
        volume_claim_templates=[
            k8s.core.v1.PersistentVolumeClaimArgs(
                metadata=k8s.meta.v1.ObjectMetaArgs(name="disk"),
                spec=k8s.core.v1.PersistentVolumeClaimSpecArgs(
                    access_modes=["ReadWriteOnce"],
                    volume_mode="Block",
                    resources=k8s.core.v1.VolumeResourceRequirementsArgs(requests={"storage": "10Gi"}),
                ),
            )
        ],
    ),
)
