"""PostgreSQL: relational store for the ML library (strategies, models, features, backtests)."""

from pathlib import Path

from .catalog import ServiceSettings, Sheet
from .connections import with_login
from .roundtrips import Check, Credentials, Endpoints, postgres_round_trip
from .spec import CommandProbe, Credential, DataVolume, Port, SecretRef, ServiceSpec, Upload

INIT_SQL = (Path(__file__).parent / "files" / "library.sql").read_text()
PASSWORD_FILE = "/run/secrets/postgres-password"


def spec(overrides: ServiceSettings) -> ServiceSpec:
    return ServiceSpec(
        image="postgres:16.9-alpine",
        ports=(Port("client", 5432, scheme="postgresql", slot=10),),
        volumes=(DataVolume("data", "/var/lib/postgresql/data"),),
        networks=("backend",),
        # Over TCP: during first-start initialisation the server listens on its socket only,
        # so this stays unhealthy until the init scripts have run.
        healthcheck=CommandProbe("client", "pg_isready -h 127.0.0.1 -p 5432 -U trader -d library"),
        # The _FILE form keeps the password out of `docker inspect`.
        env={"POSTGRES_DB": "library", "POSTGRES_USER": "trader", "POSTGRES_PASSWORD_FILE": PASSWORD_FILE},
        uploads=(
            Upload(PASSWORD_FILE, lambda c: c["password"], secret=True),
            Upload("/docker-entrypoint-initdb.d/001_library.sql", INIT_SQL),
        ),
        credentials=(Credential("password"),),
        connection={"user": "trader", "password": SecretRef("password"), "database": "library"},
        # The compose setup's name for the library database (postgres-library for the instance postgres).
        dns_aliases=("{name}-library",),
        memory_mb=overrides.memory(256),
        # Its entrypoint initialises and chowns the data directory as root, then runs the server as postgres.
        switches_user=True,
    )


def variables(endpoints: Endpoints, credentials: Credentials) -> dict[str, str]:
    url = with_login(endpoints["client"], credentials["user"], credentials["password"], f"/{credentials['database']}")
    return {"DATABASE_URL": url}


SHEET = Sheet(
    kind="postgres",
    component="Postgres",
    settings=ServiceSettings,
    spec=spec,
    variables=variables,
    check=Check("library query", postgres_round_trip, {"client": ("postgresql",)}),
    # Its default shared_buffers alone is 128 MB.
    memory_floor_mb=256,
)
