import pulumi

from .service import Service, ServiceArgs
from .spec import DataVolume, HttpProbe, Port, ServiceSpec


class Nats(Service):
    """NATS JetStream: the message bus for orders, market data and analytics events."""

    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trade2026:infra:Nats", name, self.declare(args), args, opts)

    @staticmethod
    def declare(args: ServiceArgs) -> ServiceSpec:
        return ServiceSpec(
            image="nats:2.10.29-alpine",
            ports=(
                Port("client", 4222, scheme="nats"),
                Port("monitoring", 8222, scheme="http"),
            ),
            volumes=(DataVolume("data", "/data"),),
            networks=("frontend", "lowlatency", "backend"),
            # js-enabled-only also fails while JetStream is off, which is the point of this server.
            healthcheck=HttpProbe("monitoring", "/healthz?js-enabled-only=true", tool="wget"),
            # A first argument starting with "-" makes the entrypoint skip the bundled config file,
            # so monitoring (-m) must be asked for here. Single node: no cluster port (6222) opens.
            command=("-js", "-sd", "/data", "-m", "8222"),
            memory_mb=args.memory(256),
        )
