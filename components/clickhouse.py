"""ClickHouse: OLAP store for PRISM analytics, order aggregates and portfolio snapshots."""

from pathlib import Path

from .catalog import ServiceSettings, Sheet
from .connections import with_login
from .roundtrips import HTTP, Check, Credentials, Endpoints, clickhouse_round_trip
from .spec import Credential, DataVolume, HttpProbe, Port, SecretRef, ServiceSpec, Upload

INIT_SQL = (Path(__file__).parent / "files" / "trading.sql").read_text()


def spec(overrides: ServiceSettings) -> ServiceSpec:
    return ServiceSpec(
        image="clickhouse/clickhouse-server:24.9.2.42",
        ports=(
            Port("http", 8123, scheme="http", slot=6),
            # QuestDB's console owns host port 9000 under the fixed scheme.
            Port("native", 9000, scheme="tcp", slot=7, host=19000),
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
        memory_mb=overrides.memory(1024),
        wait_timeout=120,
        start_period=30,
        # Its entrypoint gives the data directory to user clickhouse as root, then switches to it.
        switches_user=True,
    )


def variables(endpoints: Endpoints, credentials: Credentials) -> dict[str, str]:
    url = with_login(endpoints["http"], credentials["user"], credentials["password"], f"/{credentials['database']}")
    return {"CLICKHOUSE_URL": url}


SHEET = Sheet(
    kind="clickhouse",
    component="ClickHouse",
    settings=ServiceSettings,
    spec=spec,
    variables=variables,
    check=Check("insert + select", clickhouse_round_trip, {"http": HTTP}),
    # It sizes its caches and memory limits from the container's.
    memory_floor_mb=512,
)
