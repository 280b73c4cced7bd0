from pathlib import Path

import pulumi

from .service import Service, ServiceArgs
from .spec import Credential, DataVolume, HttpProbe, Port, SecretRef, ServiceSpec, Upload

INIT_SQL = (Path(__file__).parent / "files" / "trading.sql").read_text()


class ClickHouse(Service):
    """ClickHouse: OLAP store for PRISM analytics, order aggregates and portfolio snapshots."""

    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trade2026:infra:ClickHouse", name, self.declare(args), args, opts)

    @staticmethod
    def declare(args: ServiceArgs) -> ServiceSpec:
        return ServiceSpec(
            image="clickhouse/clickhouse-server:24.9.2.42",
            ports=(
                Port("http", 8123, scheme="http"),
                # QuestDB's console owns host port 9000 under the fixed scheme.
                Port("native", 9000, scheme="tcp", host=19000),
                Port("interserver", 9009, scheme="http", published=False),
            ),
            volumes=(DataVolume("data", "/var/lib/clickhouse"),),
            networks=("backend",),
            # wget, not curl: the image's own entrypoint probes /ping with it.
            healthcheck=HttpProbe("http", "/ping", tool="wget"),
            env={
                "CLICKHOUSE_DB": "trading",
                "CLICKHOUSE_USER": "trader",
                "CLICKHOUSE_PASSWORD": SecretRef("password"),
                "CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT": "1",
            },
            uploads=(Upload("/docker-entrypoint-initdb.d/001_trading.sql", INIT_SQL),),
            credentials=(Credential("password"),),
            connection={"user": "trader", "password": SecretRef("password"), "database": "trading"},
            ulimits={"nofile": (262144, 262144)},
            memory_mb=args.memory(1024),
            wait_timeout=120,
            start_period=30,
        )
