"""Values that preview cannot show: the mount, the privilege and the published address are
computed from other resources' outputs, so `pulumi preview` sees them as unknown and a rule that
skips unknown values passes a container that `pulumi up` then creates with the Docker socket
mounted, privileged, on every interface."""

import pulumi_docker as docker
from hardened import hardened_container

image = docker.RemoteImage("probe-image", name="alpine:3.20.3", keep_locally=True)
hardened_container(
    "tools",
    image_ref="alpine:3.20.3",
    volumes=[
        docker.ContainerVolumeArgs(
            volume_name=image.image_id.apply(lambda _: "/var/run/docker.sock"), container_path="/sock"
        )
    ],
    privileged=image.image_id.apply(lambda _: True),
    ports=[docker.ContainerPortArgs(internal=8080, ip=image.image_id.apply(lambda _: "0.0.0.0"))],
)
