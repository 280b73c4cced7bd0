from .service import Service
from .spec import DataVolume, HttpProbe, Port, ServiceSpec


class Nats(Service):
    """NATS JetStream: the message bus for orders, market data and analytics events."""

    key = "nats"

    def declare(self) -> ServiceSpec:
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
            memory_mb=self.memory(256),
        )
