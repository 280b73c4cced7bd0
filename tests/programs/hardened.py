"""Shared by the broken programs: one container hardened in every respect, so that each broken
program differs from it in exactly the way its name says."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_docker as docker


def hardened_container(key: str, image_ref: str = "nats:2.10.29-alpine", **overrides: Any) -> docker.Container:
    prefix = f"trade2026-{pulumi.get_stack()}-{key}"
    image = docker.RemoteImage(f"{key}-image", name=image_ref, keep_locally=True)
    volume = docker.Volume(f"{key}-data", name=f"{prefix}-data")
    network = docker.Network(f"{key}-net", name=f"{prefix}-net")
    args: dict[str, Any] = {
        "name": prefix,
        "image": image.image_id,
        "ports": [docker.ContainerPortArgs(internal=4222, ip="127.0.0.1")],
        "volumes": [docker.ContainerVolumeArgs(volume_name=volume.name, container_path="/data")],
        "networks_advanced": [docker.ContainerNetworksAdvancedArgs(name=network.name)],
        "healthcheck": docker.ContainerHealthcheckArgs(tests=["CMD", "true"], interval="10s"),
        "restart": "unless-stopped",
        "memory": 256,
        "security_opts": ["no-new-privileges:true"],
    }
    args.update(overrides)
    return docker.Container(key, **args)
