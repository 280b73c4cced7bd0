"""NATS JetStream: the message bus for orders, market data and analytics events."""

from .catalog import ServiceSettings, Sheet
from .ready import JetStreamStream
from .roundtrips import Check, Credentials, Endpoints, nats_round_trip
from .spec import CommandProbe, DataVolume, Port, ServiceSpec

DAY = 24 * 3600
GIB = 1 << 30


def spec(overrides: ServiceSettings) -> ServiceSpec:
    return ServiceSpec(
        image="nats:2.10.29-alpine",
        ports=(
            Port("client", 4222, scheme="nats", slot=0),
            Port("monitoring", 8222, scheme="http", slot=1),
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
        memory_mb=overrides.memory(256),
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


def variables(endpoints: Endpoints, _: Credentials) -> dict[str, str]:
    return {"NATS_URL": endpoints["client"]}


SHEET = Sheet(
    kind="nats",
    component="Nats",
    settings=ServiceSettings,
    spec=spec,
    variables=variables,
    check=Check("JetStream publish/read", nats_round_trip, {"client": ("nats", "tls")}),
    memory_floor_mb=64,
)
