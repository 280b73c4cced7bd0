"""Trade2026 infrastructure: eight services on three networks, on one Docker host or a Kubernetes cluster,
one stack per environment or developer."""

import pulumi

from components import clickhouse, nats, opa, opensearch, postgres, questdb, seaweedfs, valkey
from components.catalog import Catalog
from components.service import Service
from components.settings import load_settings
from components.targets import for_stack

# One line per instance: its name (its resources, its trade2026:services key, its key in every
# output) and the data sheet it is.
catalog = Catalog(
    {
        "nats": nats.SHEET,
        "valkey": valkey.SHEET,
        "questdb": questdb.SHEET,
        "clickhouse": clickhouse.SHEET,
        "seaweedfs": seaweedfs.SHEET,
        "opensearch": opensearch.SHEET,
        "postgres": postgres.SHEET,
        "opa": opa.SHEET,
    }
)
# First, so bad config is refused before any resource is registered.
settings = load_settings(catalog)
target = for_stack(settings)
services = [Service(name, sheet, target, settings.services[name]) for name, sheet in catalog.items()]

# What each instance is: how `python -m verify` finds its check.
pulumi.export("kinds", {s.name: s.kind for s in services})
pulumi.export("endpoints", {s.name: s.endpoints for s in services if s.enabled})
pulumi.export("internalEndpoints", {s.name: s.internal_endpoints for s in services if s.enabled})
pulumi.export("credentials", {s.name: s.credentials for s in services if s.credentials is not None})
forwards = {s.name: s.port_forward for s in services if s.enabled and s.port_forward}
if forwards:
    pulumi.export("portForward", forwards)
# Secret: what the applications' clients take (`python -m connect.dotenv` writes it as a .env).
pulumi.export("connections", {s.name: s.connections for s in services if s.connections is not None})
