"""A service using the parts of the data-sheet vocabulary the eight services do not: a fixed file
marked secret, and a file that is not secret at all."""

import pulumi

from components import DockerTarget, Service, ServiceArgs, StackSettings
from components.spec import CommandProbe, Port, ServiceSpec, Upload


class Edge(Service):
    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trade2026:test:Edge", name, self.declare(args), args, opts)

    @staticmethod
    def declare(args: ServiceArgs) -> ServiceSpec:
        return ServiceSpec(
            image="nats:2.10.29-alpine",
            ports=(Port("client", 4222),),
            volumes=(),
            networks=("backend",),
            healthcheck=CommandProbe("client", "true"),
            uploads=(Upload("/etc/licence.key", "fixed licence text", secret=True), Upload("/etc/motd", "hello")),
        )


Edge("edge", ServiceArgs(DockerTarget.for_stack(StackSettings())))
