"""Trade2026 infrastructure components: one ComponentResource per service, rendered by a target."""

from .clickhouse import ClickHouse
from .nats import Nats
from .opa import OPA
from .opensearch import OpenSearch, OpenSearchArgs
from .postgres import Postgres
from .questdb import QuestDB
from .seaweedfs import SeaweedFS
from .service import Service, ServiceArgs
from .settings import ConfigError, StackSettings, load_settings, parse_settings
from .targets import for_stack as target_for_stack
from .targets.docker import DockerTarget
from .targets.kubernetes import KubernetesTarget
from .valkey import Valkey

__all__ = [
    "OPA",
    "ClickHouse",
    "ConfigError",
    "DockerTarget",
    "KubernetesTarget",
    "Nats",
    "OpenSearch",
    "OpenSearchArgs",
    "Postgres",
    "QuestDB",
    "SeaweedFS",
    "Service",
    "ServiceArgs",
    "StackSettings",
    "Valkey",
    "load_settings",
    "parse_settings",
    "target_for_stack",
]
