"""Ready data: the objects a service must hold before the applications can use it.

Plain, typed declarations a data sheet lists in `ServiceSpec.ready`; `components.readydata` (the one
module that knows the clients) turns each into a Pulumi resource that depends on the container.
Each declaration knows its own wire form (`props`), which is what the provider receives and what
`pulumi preview` and the policy pack see, and how a reviewer reads that form (`describe`).

A new kind is a declaration here and its provider in components/readydata.py; nothing else names it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal


class ReadyObject:
    """What every declaration is. Each kind is registered by its `kind`, which its wire form carries."""

    # The word for it in ids, messages and its resources' names (`nats-stream-ORDERS`).
    kind: ClassVar[str]
    # The published port its provider reaches the server on.
    port_role: ClassVar[str]
    # Its resources' type token is pulumi-python:dynamic/trade2026:<resource_type>: a literal, so
    # renaming a class changes no URN.
    resource_type: ClassVar[str]
    name: str
    _kinds: ClassVar[dict[str, type[ReadyObject]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        known = ReadyObject._kinds.get(cls.kind)
        # The same definition run again (a program file run twice in one process) takes its place.
        if known is not None and (known.__module__, known.__qualname__) != (cls.__module__, cls.__qualname__):
            raise TypeError(f"{known.__qualname__} and {cls.__qualname__} are both ready data of kind {cls.kind}")
        ReadyObject._kinds[cls.kind] = cls

    def props(self) -> dict[str, Any]:
        raise NotImplementedError

    @staticmethod
    def describe(props: Mapping[str, Any]) -> Iterator[str]:
        """What a reviewer checks of the wire form, one `label value` line each (offline preview)."""
        raise NotImplementedError


def describe(props: Mapping[str, Any]) -> Iterator[str]:
    """The reviewer's lines for the wire form of any kind; none for a kind this program lacks."""
    declaration = ReadyObject._kinds.get(str(props.get("kind")))
    return declaration.describe(props) if declaration is not None else iter(())


@dataclass(frozen=True)
class JetStreamStream(ReadyObject):
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
    port_role: ClassVar[str] = "client"
    resource_type: ClassVar[str] = "JetStreamStream"

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

    @staticmethod
    def describe(props: Mapping[str, Any]) -> Iterator[str]:
        yield f"subjects    {', '.join(props.get('subjects', []))}   storage {props.get('storage')}"
        limits = f"max age {props.get('maxAgeSeconds', 0) // 3600} h, max {props.get('maxBytes', 0) >> 20} MiB"
        yield f"limits      {props.get('retention')} retention, {limits}, discard {props.get('discard')}"


@dataclass(frozen=True)
class Column:
    name: str
    type: Literal["TIMESTAMP", "SYMBOL", "DOUBLE", "LONG", "INT", "STRING", "VARCHAR", "BOOLEAN"]


@dataclass(frozen=True)
class QuestDBTable(ReadyObject):
    """A QuestDB table with its designated timestamp and partitioning, created before ILP writes
    would auto-create it with guessed types and the default partitioning."""

    name: str
    columns: tuple[Column, ...]
    timestamp: str
    partition_by: Literal["HOUR", "DAY", "WEEK", "MONTH", "YEAR"]

    kind: ClassVar[str] = "table"
    port_role: ClassVar[str] = "pg"
    resource_type: ClassVar[str] = "QuestDBTable"

    def props(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "columns": [{"name": c.name, "type": c.type} for c in self.columns],
            "timestamp": self.timestamp,
            "partitionBy": self.partition_by,
        }

    @staticmethod
    def describe(props: Mapping[str, Any]) -> Iterator[str]:
        columns = ", ".join(f"{c['name']} {c['type']}" for c in props.get("columns", []))
        yield f"columns     {columns}"
        yield f"layout      timestamp({props.get('timestamp')}) PARTITION BY {props.get('partitionBy')}"


@dataclass(frozen=True)
class S3Bucket(ReadyObject):
    name: str
    purpose: str

    kind: ClassVar[str] = "bucket"
    port_role: ClassVar[str] = "s3"
    resource_type: ClassVar[str] = "S3Bucket"

    def props(self) -> dict[str, Any]:
        return {"name": self.name, "purpose": self.purpose}

    @staticmethod
    def describe(props: Mapping[str, Any]) -> Iterator[str]:
        yield f"bucket      {props.get('name')}: {props.get('purpose')}"


@dataclass(frozen=True)
class IndexTemplate(ReadyObject):
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
    resource_type: ClassVar[str] = "IndexTemplate"

    def props(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "patterns": list(self.patterns),
            "priority": self.priority,
            "settings": {"number_of_shards": self.shards, "number_of_replicas": self.replicas},
            # strict dynamic mapping would reject application fields we do not know yet.
            "mappings": {"properties": {field: {"type": type_} for field, type_ in self.fields}},
        }

    @staticmethod
    def describe(props: Mapping[str, Any]) -> Iterator[str]:
        # Sorted: a protobuf Struct keeps no key order.
        properties = sorted(props.get("mappings", {}).get("properties", {}).items())
        fields = ", ".join(f"{name} {mapping['type']}" for name, mapping in properties)
        yield f"patterns    {', '.join(props.get('patterns', []))}   priority {props.get('priority')}"
        yield f"mappings    {fields}"
