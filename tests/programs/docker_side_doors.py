"""Root on the Docker host without one suspicious container: a volume plugin granted every
permission it asks for (plugins run as root on the host), a swarm service that mounts the Docker
socket, a build whose context is the whole host filesystem (every file in it ends up in the image
and its push), and a tag that makes the stack's pinned NATS reference name another image."""

import pulumi
import pulumi_docker as docker
from hardened import hardened_container

docker.Plugin("sshfs", name="vieux/sshfs:latest", grant_all_permissions=True, enabled=True)

docker.Service(
    "agent",
    name=f"trade2026-{pulumi.get_stack()}-agent",
    task_spec=docker.ServiceTaskSpecArgs(
        container_spec=docker.ServiceTaskSpecContainerSpecArgs(
            image="portainer/agent:2.21.4",
            mounts=[
                docker.ServiceTaskSpecContainerSpecMountArgs(
                    type="bind", source="/var/run/docker.sock", target="/var/run/docker.sock"
                )
            ],
        )
    ),
)

docker.Image(
    "backup",
    image_name="registry.example.net/backup/host:1.0.0",
    build=docker.DockerBuildArgs(context="/", dockerfile="/tmp/Dockerfile"),
)

docker.Tag("nats-pin", source_image="registry.example.net/tools/nats-shell:1.0.0", target_image="nats:2.10.29-alpine")

hardened_container("nats")
