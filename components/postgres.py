from pathlib import Path

from .service import Service
from .spec import CommandProbe, DataVolume, Port, ServiceSpec, Upload

INIT_SQL = (Path(__file__).parent / "files" / "library.sql").read_text()
PASSWORD_FILE = "/run/secrets/postgres-password"


class Postgres(Service):
    """PostgreSQL: relational store for the ML library (strategies, models, features, backtests)."""

    key = "postgres"
    aliases = ("postgres-library",)

    def declare(self) -> ServiceSpec:
        password = self.secret("password")
        self.with_credentials(user="trader", password=password, database="library")
        return ServiceSpec(
            image="postgres:16.9-alpine",
            ports=(Port("client", 5432, scheme="postgresql"),),
            volumes=(DataVolume("data", "/var/lib/postgresql/data"),),
            networks=("backend",),
            # Over TCP: during first-start initialisation the server listens on its socket only,
            # so this stays unhealthy until the init scripts have run.
            healthcheck=CommandProbe("client", "pg_isready -h 127.0.0.1 -p 5432 -U trader -d library"),
            # The _FILE form keeps the password out of `docker inspect`.
            env={"POSTGRES_DB": "library", "POSTGRES_USER": "trader", "POSTGRES_PASSWORD_FILE": PASSWORD_FILE},
            uploads=(
                Upload(PASSWORD_FILE, password),
                Upload("/docker-entrypoint-initdb.d/001_library.sql", INIT_SQL),
            ),
            memory_mb=self.memory(256),
        )
