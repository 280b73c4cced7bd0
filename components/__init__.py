"""Trade2026 infrastructure components: one ComponentResource per service, one shared renderer."""

from .clickhouse import ClickHouse
from .nats import Nats
from .networks import create_networks
from .opa import OPA
from .opensearch import OpenSearch
from .postgres import Postgres
from .questdb import QuestDB
from .seaweedfs import SeaweedFS
from .service import Placement, Service
from .settings import ConfigError, StackSettings, load_settings, parse_settings
from .valkey import Valkey

SERVICES: tuple[type[Service], ...] = (Nats, Valkey, QuestDB, ClickHouse, SeaweedFS, OpenSearch, Postgres, OPA)

__all__ = [
    "SERVICES",
    "ConfigError",
    "Placement",
    "Service",
    "StackSettings",
    "create_networks",
    "load_settings",
    "parse_settings",
]
