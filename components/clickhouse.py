from pathlib import Path

from .service import Service
from .spec import DataVolume, HttpProbe, Port, ServiceSpec, Upload

INIT_SQL = (Path(__file__).parent / "files" / "trading.sql").read_text()


class ClickHouse(Service):
    """ClickHouse: OLAP store for PRISM analytics, order aggregates and portfolio snapshots."""

    key = "clickhouse"

    def declare(self) -> ServiceSpec:
        password = self.secret("password")
        self.with_credentials(user="trader", password=password, database="trading")
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
                "CLICKHOUSE_PASSWORD": password,
                "CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT": "1",
            },
            uploads=(Upload("/docker-entrypoint-initdb.d/001_trading.sql", INIT_SQL),),
            ulimits={"nofile": (262144, 262144)},
            memory_mb=self.memory(1024),
            wait_timeout=120,
            start_period=30,
        )
