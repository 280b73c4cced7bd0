"""PostgreSQL as the program renders it, on a real server.

Ran on PostgreSQL 15.18 (Debian bookworm's postgresql package); the image is postgres:16.9-alpine.
Debian offers no 16 here; library.sql and pg_isready use nothing that differs between 15 and 16.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from offline.engine import Plan
from tests.real import servers
from tests.real.conftest import ImageEnv
from tests.real.support import Rendered, free_port, run

pytestmark = pytest.mark.real_server
INIT_SQL = "/docker-entrypoint-initdb.d/001_library.sql"


def test_the_server_that_ran_is_postgresql_15(postgres_bin: Path) -> None:
    """The version every other test here ran on (the image has 16.9)."""
    assert servers.version([str(postgres_bin / "postgres"), "--version"]).startswith("postgres (PostgreSQL) 15.")


def test_library_init_sql_creates_the_four_tables_with_their_references(
    dev_plan: Plan, postgres_server: servers.PostgresServer, tmp_path: Path
) -> None:
    """The rendered 001_library.sql, run as the image's entrypoint runs it (as POSTGRES_USER, in
    POSTGRES_DB, stopping at the first error), on PostgreSQL 15."""
    rendered = Rendered.of(dev_plan, "postgres")
    user, database = rendered.env["POSTGRES_USER"], rendered.env["POSTGRES_DB"]
    assert (user, database) == ("trader", "library")
    postgres_server.sql(f"CREATE ROLE {user} LOGIN")
    postgres_server.sql(f"CREATE DATABASE {database} OWNER {user}")
    init = tmp_path / "001_library.sql"
    init.write_text(rendered.uploads[INIT_SQL])
    postgres_server.sql(database=database, user=user, file=init)
    tables = postgres_server.sql(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1", database
    )
    assert tables == ["backtests", "features", "models", "strategies"]
    references = postgres_server.sql(
        "SELECT conrelid::regclass || '->' || confrelid::regclass FROM pg_constraint WHERE contype = 'f' ORDER BY 1",
        database,
    )
    assert references == ["backtests->models", "backtests->strategies", "models->strategies"]


def test_rendered_probe_passes_when_serving_and_fails_when_nothing_listens(
    dev_plan: Plan, postgres_server: servers.PostgresServer, postgres_bin: Path, image_env: ImageEnv
) -> None:
    """The rendered pg_isready probe (PostgreSQL 15's pg_isready under busybox sh, port remapped):
    exit 0 against the server, 2 ("no response") against a port where nothing listens."""
    rendered = Rendered.of(dev_plan, "postgres")
    assert rendered.healthcheck == ["CMD-SHELL", "pg_isready -h 127.0.0.1 -p 5432 -U trader -d library"]
    postgres_server.sql("CREATE ROLE trader LOGIN")
    env = image_env({"pg_isready": str(postgres_bin / "pg_isready")})
    serving = run(rendered.probe({"-p 5432": f"-p {postgres_server.port}"}), env=env)
    assert serving.returncode == 0, serving.stdout
    assert run(rendered.probe({"-p 5432": f"-p {free_port()}"}), env=env).returncode == 2
