"""The ready-data policies as pure functions: the stream NATS declares passes, one mutation fails each."""

from __future__ import annotations

from typing import Any

from harness import check_resource
from trade2026_policies.readydata import STREAM, bounded_jetstream_streams, jetstream_file_storage


def orders_stream(**changes: Any) -> dict[str, Any]:
    """What the program registers for ORDERS (components/nats.py)."""
    return {
        "kind": "stream",
        "name": "ORDERS",
        "subjects": ["trading.order.>"],
        "storage": "file",
        "retention": "limits",
        "discard": "old",
        "maxAgeSeconds": 604800,
        "maxBytes": 2147483648,
        "duplicateWindowSeconds": 120,
        "endpoint": "nats://127.0.0.1:32768",
        **changes,
    }


def test_the_declared_orders_stream_passes_both_stream_policies() -> None:
    assert check_resource(jetstream_file_storage, orders_stream(), type_=STREAM) == []
    assert check_resource(bounded_jetstream_streams, orders_stream(), type_=STREAM) == []


def test_a_memory_stream_violates_file_storage() -> None:
    assert check_resource(jetstream_file_storage, orders_stream(storage="memory"), type_=STREAM) == [
        "stream ORDERS: storage is memory; a restart would lose its messages, use file"
    ]


def test_a_stream_without_age_or_size_limit_is_unbounded() -> None:
    assert check_resource(bounded_jetstream_streams, orders_stream(maxAgeSeconds=0, maxBytes=-1), type_=STREAM) == [
        "stream ORDERS: no maximum age; it grows until the data volume is full",
        "stream ORDERS: no maximum size; it grows until the data volume is full",
    ]


def test_stream_policies_leave_other_resource_types_alone() -> None:
    assert check_resource(jetstream_file_storage, orders_stream(storage="memory")) == []
