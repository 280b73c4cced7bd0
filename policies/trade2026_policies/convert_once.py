"""Convert each resource's properties from protobuf once, not once per policy.

pulumi_policy 1.21 turns a resource's properties into Python values inside its loop over policies
(`_PolicyAnalyzerServicer.Analyze`, and `AnalyzeStack` for every resource once per stack policy), so
a pack of forty rules converts every resource forty times, which is most of the gate's time on a
large stack. Both steps (`json_format.MessageToDict`, then `deserialize_properties`) are pure
functions of the message, and policies only read what they get (pulumi_policy hands it to them
behind a read-only proxy), so answering repeat conversions of the same message object from a cache
changes no verdict; the gate's tests run through it.
"""

from __future__ import annotations

from collections import OrderedDict
from types import SimpleNamespace
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

# Enough for every resource of a large stack within one AnalyzeStack call; each entry keeps its
# message alive, so an id in the cache always names the message it was computed from.
_CAPACITY = 20_000


class _MessageToDictOnce:
    def __init__(self) -> None:
        self._cache: OrderedDict[int, tuple[Message, dict[str, Any]]] = OrderedDict()

    def __call__(self, message: Message, **options: Any) -> dict[str, Any]:
        if options:
            return dict(json_format.MessageToDict(message, **options))
        hit = self._cache.get(id(message))
        if hit is not None and hit[0] is message:
            self._cache.move_to_end(id(message))
            return hit[1]
        converted = dict(json_format.MessageToDict(message))
        self._cache[id(message)] = (message, converted)
        if len(self._cache) > _CAPACITY:
            self._cache.popitem(last=False)
        return converted


class _DeserializeOnce:
    """`deserialize_properties` of a dict the cache above handed out, once per dict."""

    def __init__(self, deserialize: Any) -> None:
        self._deserialize = deserialize
        self._cache: OrderedDict[int, tuple[dict[str, Any], dict[str, Any]]] = OrderedDict()

    def __call__(self, props: dict[str, Any], proxy_secrets: bool = False) -> dict[str, Any]:
        if proxy_secrets:
            return self._deserialize(props, proxy_secrets)  # type: ignore[no-any-return]
        hit = self._cache.get(id(props))
        if hit is not None and hit[0] is props:
            self._cache.move_to_end(id(props))
            return hit[1]
        result: dict[str, Any] = self._deserialize(props)
        self._cache[id(props)] = (props, result)
        if len(self._cache) > _CAPACITY:
            self._cache.popitem(last=False)
        return result


def install(policy_module: Any) -> None:
    """Make pulumi_policy's servicer module convert each message's properties once."""
    policy_module.json_format = SimpleNamespace(MessageToDict=_MessageToDictOnce())
    policy_module.deserialize_properties = _DeserializeOnce(policy_module.deserialize_properties)
