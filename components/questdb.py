import pulumi

from .ready import Column, QuestDBTable
from .service import Service, ServiceArgs
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


class QuestDB(Service):
    """QuestDB: hot time-series store for orders, ticks and fills (ILP in, SQL out)."""

    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trade2026:infra:QuestDB", name, self.declare(args), args, opts)

    @staticmethod
    def declare(args: ServiceArgs) -> ServiceSpec:
        return ServiceSpec(
            image="questdb/questdb:8.3.3",
            ports=(
                Port("http", 9000, scheme="http"),
                Port("ilp", 9009, scheme="tcp"),
                Port("pg", 8812, scheme="postgresql"),
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
            },
            credentials=(Credential("pg-password"),),
            connection={"user": "trader", "password": SecretRef("pg-password"), "database": "qdb"},
            memory_mb=args.memory(512),
            wait_timeout=90,
            start_period=10,
            ready=TABLES,
        )
