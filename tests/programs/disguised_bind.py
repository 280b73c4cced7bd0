"""A volume that is a bind mount of /etc in disguise: the local driver told to bind a host path."""

import pulumi
import pulumi_docker as docker
from hardened import hardened_container

etc = docker.Volume(
    "etc",
    name=f"trade2026-{pulumi.get_stack()}-etc",
    driver="local",
    driver_opts={"type": "none", "o": "bind", "device": "/etc"},
)
hardened_container("nats", volumes=[docker.ContainerVolumeArgs(volume_name=etc.name, container_path="/data")])
