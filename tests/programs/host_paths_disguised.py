"""Host files without a single `host_path`: a volume name that is a path (Docker binds it), an
overlay volume whose lower layer is the host's /etc, a mount whose inline volume driver binds a
host directory, an upload read from the CI machine's disk, and data written to RAM (tmpfs), where
a restart loses it."""

import os

import pulumi
import pulumi_docker as docker
from hardened import hardened_container

stack = pulumi.get_stack()
overlay = docker.Volume(
    "etc-view",
    name=f"trade2026-{stack}-etc-view",
    driver="local",
    driver_opts={"type": "overlay", "device": "overlay", "o": "lowerdir=/etc,upperdir=/tmp/u,workdir=/tmp/w"},
)
hardened_container(
    "valkey",
    image_ref="valkey/valkey:8.1.3-alpine",
    volumes=[
        docker.ContainerVolumeArgs(volume_name="/var/run/docker.sock", container_path="/run/docker.sock"),
        docker.ContainerVolumeArgs(volume_name=overlay.name, container_path="/config"),
    ],
    mounts=[
        docker.ContainerMountArgs(
            type="volume",
            target="/backup",
            volume_options=docker.ContainerMountVolumeOptionsArgs(
                driver_name="local", driver_options={"type": "none", "o": "bind", "device": "/srv/backups"}
            ),
        )
    ],
    uploads=[docker.ContainerUploadArgs(file="/root/.ssh/id_ed25519", source=os.path.expanduser("~/.ssh/id_ed25519"))],
    tmpfs={"/data": "rw,size=512m"},
)
