import pulumi

from .ready import JetStreamStream
from .service import Service, ServiceArgs
from .spec import CommandProbe, DataVolume, Port, ServiceSpec

DAY = 24 * 3600
GIB = 1 << 30


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
            # /healthz alone answers 200 with JetStream off: nats-server consults js-enabled-only only
            # when JetStream is in its config. So /jsz must also report a store directory, which it
            # leaves out while JetStream is off ("disabled": true). busybox wget and grep are in the
            # image; a server that is down gives grep no input, so the pipe fails too.
            healthcheck=CommandProbe(
                "monitoring",
                "wget -q -O /dev/null 'http://127.0.0.1:8222/healthz?js-enabled-only=true'"
                " && wget -q -O - http://127.0.0.1:8222/jsz | grep -q '\"store_dir\"'",
            ),
            # A first argument starting with "-" makes the entrypoint skip the bundled config file,
            # so monitoring (-m) must be asked for here. Single node: no cluster port (6222) opens.
            command=("-js", "-sd", "/data", "-m", "8222"),
            memory_mb=args.memory(256),
            # Subjects follow {domain}.{service}.{action}.{entity}. A stream is a replay buffer, not
            # the system of record (QuestDB and ClickHouse are): bounded by age, and by size so the
            # three together never hold more than 5 GiB of the data volume; the oldest go first.
            ready=(
                JetStreamStream(
                    "ORDERS",
                    ("trading.order.>",),
                    "Order flow, kept for replay and audit",
                    max_age_seconds=7 * DAY,
                    max_bytes=2 * GIB,
                ),
                JetStreamStream(
                    "MARKETDATA",
                    ("marketdata.>",),
                    "Market data snapshots; high volume, short-lived",
                    max_age_seconds=1 * DAY,
                    max_bytes=2 * GIB,
                ),
                JetStreamStream(
                    "ANALYTICS",
                    ("analytics.>",),
                    "Analytics events, durable for replay by the analytics service",
                    max_age_seconds=7 * DAY,
                    max_bytes=1 * GIB,
                ),
            ),
        )
