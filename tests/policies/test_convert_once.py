"""The pack converts each resource's properties once, whatever the number of policies, and gets
exactly what pulumi_policy's own conversion gives."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from google.protobuf import json_format, struct_pb2
from trade2026_policies import convert_once


def _struct(**values: Any) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def _module() -> tuple[SimpleNamespace, list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []

    def deserialize(props: dict[str, Any], proxy_secrets: bool = False) -> dict[str, Any]:
        seen.append(props)
        return {"deserialized": dict(props), "proxy_secrets": proxy_secrets}

    module = SimpleNamespace(json_format=json_format, deserialize_properties=deserialize)
    convert_once.install(module)  # type: ignore[arg-type]
    return module, seen


def test_the_same_message_is_converted_once_and_gives_the_same_values() -> None:
    module, seen = _module()
    message = _struct(image="nats:2.10.29-alpine", memory=256)
    first = module.deserialize_properties(module.json_format.MessageToDict(message))
    second = module.deserialize_properties(module.json_format.MessageToDict(message))
    assert first == second == {
        "deserialized": {"image": "nats:2.10.29-alpine", "memory": 256.0},
        "proxy_secrets": False,
    }
    assert len(seen) == 1


def test_another_message_with_equal_content_is_converted_again() -> None:
    module, seen = _module()
    for message in (_struct(name="a"), _struct(name="a")):
        module.deserialize_properties(module.json_format.MessageToDict(message))
    assert len(seen) == 2


def test_secret_proxying_conversions_are_never_cached() -> None:
    module, seen = _module()
    props = module.json_format.MessageToDict(_struct(password="x"))
    module.deserialize_properties(props, True)
    module.deserialize_properties(props, True)
    assert [s for s in seen] == [props, props]
