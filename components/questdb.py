"""QuestDB: hot time-series store for orders, ticks and fills (ILP in, SQL out)."""

from urllib.parse import urlsplit

from .catalog import ServiceSettings, Sheet
from .connections import with_login
from .ready import Column, QuestDBTable
from .roundtrips import Check, Credentials, Endpoints, questdb_round_trip
from .spec import Credential, DataVolume, HttpProbe, Port, SecretRef, ServiceSpec

# Appendix A's tables, column for column: ILP would otherwise create them on first write with
# guessed types (strings for the ids) and the default partitioning.
TABLES = (
    QuestDBTable(
        "orders",
        (
            Column("timestamp", "TIMESTAMP"),
            Column("order_id", "SYMBOL"),
            Column("symbol", "SYMBOL"),
            Column("side", "SYMBOL"),
            Column("price", "DOUBLE"),
            Column("quantity", "DOUBLE"),
            Column("status", "SYMBOL"),
        ),
        timestamp="timestamp",
        partition_by="DAY",
    ),
    QuestDBTable(
        "ticks",
        (
            Column("timestamp", "TIMESTAMP"),
            Column("symbol", "SYMBOL"),
            Column("price", "DOUBLE"),
            Column("volume", "DOUBLE"),
            Column("exchange", "SYMBOL"),
        ),
        timestamp="timestamp",
        partition_by="HOUR",
    ),
    QuestDBTable(
        "fills",
        (
            Column("timestamp", "TIMESTAMP"),
            Column("fill_id", "SYMBOL"),
            Column("order_id", "SYMBOL"),
            Column("symbol", "SYMBOL"),
            Column("price", "DOUBLE"),
            Column("quantity", "DOUBLE"),
            Column("venue", "SYMBOL"),
        ),
        timestamp="timestamp",
        partition_by="DAY",
    ),
)


def spec(overrides: ServiceSettings) -> ServiceSpec:
    memory_mb = overrides.memory(512)
    # The image starts java with no -Xmx, so the JVM takes a quarter of the limit: 128 MB of heap
    # at 512 ran out ("Java heap space", "GC overhead limit exceeded") creating the three tables
    # on the engine. Half is heap; the other half is for QuestDB's native buffers and mapped pages.
    heap_mb = memory_mb // 2
    return ServiceSpec(
        image="questdb/questdb:8.3.3",
        ports=(
            Port("http", 9000, scheme="http", slot=3),
            Port("ilp", 9009, scheme="tcp", slot=4),
            Port("pg", 8812, scheme="postgresql", slot=5),
            # The minimal health server: answers 200 to any GET once the engine is up.
            Port("health", 9003, scheme="http", published=False),
        ),
        volumes=(DataVolume("data", "/var/lib/questdb"),),
        networks=("lowlatency", "backend"),
        # The image has neither curl nor wget (questdb/questdb#2873); bash is there.
        healthcheck=HttpProbe("health", "/", tool="bash"),
        env={
            "QDB_PG_USER": "trader",
            "QDB_PG_PASSWORD": SecretRef("pg-password"),
            # The compose file's QDB_CAIRO_COMMIT_LAG=1000 was removed in 6.6; this is its successor.
            "QDB_CAIRO_O3_MAX_LAG": "1000",
            # The image's entrypoint adds these to its java command (QuestDB's docs: -e JVM_PREPEND="-Xmx12g").
            "JVM_PREPEND": f"-Xmx{heap_mb}m",
        },
        credentials=(Credential("pg-password"),),
        connection={"user": "trader", "password": SecretRef("pg-password"), "database": "qdb"},
        memory_mb=memory_mb,
        wait_timeout=90,
        start_period=10,
        ready=TABLES,
        # Its entrypoint gives /var/lib/questdb to user questdb as root, then switches to it.
        switches_user=True,
    )


def variables(endpoints: Endpoints, credentials: Credentials) -> dict[str, str]:
    pg = with_login(endpoints["pg"], credentials["user"], credentials["password"], f"/{credentials['database']}")
    http = urlsplit(endpoints["http"])
    return {
        "QUESTDB_PG_DSN": pg,
        "QUESTDB_HTTP_URL": endpoints["http"],
        # What the questdb client's Sender.from_env() reads: ILP over HTTP, which the open-source
        # server serves without a login (QDB_PG_USER guards the PG wire only).
        "QDB_CLIENT_CONF": f"http::addr={http.netloc}",
    }


SHEET = Sheet(
    kind="questdb",
    component="QuestDB",
    settings=ServiceSettings,
    spec=spec,
    variables=variables,
    check=Check("ILP in, SQL out", questdb_round_trip, {"pg": ("postgresql",), "ilp": ("tcp",)}),
    memory_floor_mb=512,
    floor_reason="its JVM heap is half the limit, and 128 MB of heap ran out creating the tables",
)
