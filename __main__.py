"""Trade2026 infrastructure: eight services on three Docker networks, one stack per environment or developer."""

import pulumi

from components import (
    OPA,
    ClickHouse,
    DockerTarget,
    Nats,
    OpenSearch,
    OpenSearchArgs,
    Postgres,
    QuestDB,
    SeaweedFS,
    ServiceArgs,
    Valkey,
    connections,
    load_settings,
)

# First, so bad config is refused before any resource is registered.
settings = load_settings()
target = DockerTarget.for_stack(settings)
config = settings.services

services = [
    Nats("nats", ServiceArgs.from_settings(target, config.nats)),
    Valkey("valkey", ServiceArgs.from_settings(target, config.valkey)),
    QuestDB("questdb", ServiceArgs.from_settings(target, config.questdb)),
    ClickHouse("clickhouse", ServiceArgs.from_settings(target, config.clickhouse)),
    SeaweedFS("seaweedfs", ServiceArgs.from_settings(target, config.seaweedfs)),
    OpenSearch("opensearch", OpenSearchArgs.from_settings(target, config.opensearch)),
    Postgres("postgres", ServiceArgs.from_settings(target, config.postgres)),
    OPA("opa", ServiceArgs.from_settings(target, config.opa)),
]

pulumi.export("endpoints", {s.key: s.endpoints for s in services if s.enabled})
pulumi.export("internalEndpoints", {s.key: s.internal_endpoints for s in services if s.enabled})
pulumi.export("credentials", {s.key: s.credentials for s in services if s.credentials is not None})
forwards = {s.key: s.port_forward for s in services if s.enabled and s.port_forward}
if forwards:
    pulumi.export("portForward", forwards)
# Secret: what the applications' clients take (`python -m connect.dotenv` writes it as a .env).
pulumi.export(
    "connections",
    {s.key: connections.output(s.key, s.endpoints, s.credentials) for s in services if s.enabled},
)
