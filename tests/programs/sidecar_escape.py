"""A "metrics sidecar" that lives inside PostgreSQL's namespaces: it joins the database
container's network, process and IPC namespaces, takes all its volumes, runs in the host's cgroup
namespace, drops the SELinux label and the masked /proc paths, and joins the host's docker group."""

import pulumi
import pulumi_docker as docker
from hardened import hardened_container

postgres = hardened_container("postgres", image_ref="postgres:16.9-alpine")
target = postgres.name.apply(lambda name: f"container:{name}")
hardened_container(
    "exporter",
    image_ref="prometheuscommunity/postgres-exporter:0.17.1",
    ports=[],
    networks_advanced=[],
    volumes=[docker.ContainerVolumeArgs(from_container=postgres.name)],
    network_mode=f"container:trade2026-{pulumi.get_stack()}-postgres",
    pid_mode=target,
    ipc_mode=f"container:trade2026-{pulumi.get_stack()}-postgres",
    cgroupns_mode="host",
    security_opts=["no-new-privileges:true", "label=disable", "systempaths=unconfined"],
    group_adds=["docker"],
)
