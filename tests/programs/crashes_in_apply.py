"""A program with a bug in an apply: the error surfaces while the SDK prepares a resource's inputs."""

import pulumi_docker as docker

network = docker.Network("backend", name="trade2026-dev-backend")


def volume_name(network_name: str) -> str:
    raise ValueError(f"cannot name a volume after {network_name}")


docker.Volume("data", name=network.name.apply(volume_name))
