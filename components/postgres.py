from pathlib import Path

import pulumi

from .service import Service, ServiceArgs
from .spec import CommandProbe, Credential, DataVolume, Port, SecretRef, ServiceSpec, Upload

INIT_SQL = (Path(__file__).parent / "files" / "library.sql").read_text()
PASSWORD_FILE = "/run/secrets/postgres-password"


class Postgres(Service):
    """PostgreSQL: relational store for the ML library (strategies, models, features, backtests)."""

    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trade2026:infra:Postgres", name, self.declare(args), args, opts)

    @staticmethod
    def declare(args: ServiceArgs) -> ServiceSpec:
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
                Upload(PASSWORD_FILE, lambda c: c["password"], secret=True),
                Upload("/docker-entrypoint-initdb.d/001_library.sql", INIT_SQL),
            ),
            credentials=(Credential("password"),),
            connection={"user": "trader", "password": SecretRef("password"), "database": "library"},
            dns_aliases=("postgres-library",),
            memory_mb=args.memory(256),
        )
