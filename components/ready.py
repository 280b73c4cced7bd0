"""Ready data: the objects a service must hold before the applications can use it.

Plain, typed declarations a data sheet lists in `ServiceSpec.ready`; `components.readydata` (the one
module that knows the clients) turns each into a Pulumi resource that depends on the container.
Each declaration knows its own wire form (`props`), which is what the provider receives and what
`pulumi preview` and the policy pack see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal


@dataclass(frozen=True)
class JetStreamStream:
    """A JetStream stream. Limits bound what a single-node dev box keeps on its data volume;
    `discard="old"` makes a full stream drop its oldest messages rather than refuse publishers."""

    name: str
    subjects: tuple[str, ...]
    description: str
    max_age_seconds: int
    max_bytes: int
    storage: Literal["file", "memory"] = "file"
    retention: Literal["limits", "interest", "workqueue"] = "limits"
    discard: Literal["old", "new"] = "old"
    # Publishers that set Nats-Msg-Id get exactly-once publishing within this window.
    duplicate_window_seconds: int = 120

    kind: ClassVar[str] = "stream"
    # The published port its provider reaches the server on.
    port_role: ClassVar[str] = "client"

    def props(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "subjects": list(self.subjects),
            "description": self.description,
            "storage": self.storage,
            "retention": self.retention,
            "discard": self.discard,
            "maxAgeSeconds": self.max_age_seconds,
            "maxBytes": self.max_bytes,
            "duplicateWindowSeconds": self.duplicate_window_seconds,
        }


@dataclass(frozen=True)
class Column:
    name: str
    type: Literal["TIMESTAMP", "SYMBOL", "DOUBLE", "LONG", "INT", "STRING", "VARCHAR", "BOOLEAN"]


@dataclass(frozen=True)
class QuestDBTable:
    """A QuestDB table with its designated timestamp and partitioning, created before ILP writes
    would auto-create it with guessed types and the default partitioning."""

    name: str
    columns: tuple[Column, ...]
    timestamp: str
    partition_by: Literal["HOUR", "DAY", "WEEK", "MONTH", "YEAR"]

    kind: ClassVar[str] = "table"
    port_role: ClassVar[str] = "pg"

    def props(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "columns": [{"name": c.name, "type": c.type} for c in self.columns],
            "timestamp": self.timestamp,
            "partitionBy": self.partition_by,
        }


@dataclass(frozen=True)
class S3Bucket:
    name: str
    purpose: str

    kind: ClassVar[str] = "bucket"
    port_role: ClassVar[str] = "s3"

    def props(self) -> dict[str, Any]:
        return {"name": self.name, "purpose": self.purpose}


@dataclass(frozen=True)
class IndexTemplate:
    """An OpenSearch composable index template: indices matching `patterns` get these mappings
    when they are first written to, so applications never create them with guessed types."""

    name: str
    patterns: tuple[str, ...]
    # field -> OpenSearch field type ("keyword", "date", "double", "text", ...)
    fields: tuple[tuple[str, str], ...]
    priority: int = 100
    shards: int = 1
    # Single node: a replica would have nowhere to go and keep every index yellow.
    replicas: int = 0

    kind: ClassVar[str] = "index-template"
    port_role: ClassVar[str] = "rest"

    def props(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "patterns": list(self.patterns),
            "priority": self.priority,
            "settings": {"number_of_shards": self.shards, "number_of_replicas": self.replicas},
            # strict dynamic mapping would reject application fields we do not know yet.
            "mappings": {"properties": {field: {"type": type_} for field, type_ in self.fields}},
        }


ReadyObject = JetStreamStream | QuestDBTable | S3Bucket | IndexTemplate
