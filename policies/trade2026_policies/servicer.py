"""pulumi_policy's analyzer servicer, paying its per-policy costs once per resource.

pulumi_policy 1.21 (`_PolicyAnalyzerServicer`) prepares a resource anew for every policy: in
`Analyze` it converts the properties from protobuf (`json_format.MessageToDict`, then
`deserialize_properties`, then `unknown_checking_proxy`, which wraps every nested value), reads the
options and the provider, and calls the policy, even one that judges other resource types; in
`AnalyzeStack` it does the same for every resource once per stack policy. With forty rules that
was most of the gate's time on a large stack (benchmarks/bench.py, figures in docs/benchmarks.md).

`install` changes how, never what:
- each step of the conversion runs once per object it is given, and a message with the same
  bytes as one already converted (a resource's AnalyzeStack copy, every resource's copy of the
  default provider) gets that conversion;
- options and provider are read once per request;
- a rule that declares the resource types it judges (`resource_types`, framework.resource_rule)
  is not called for a resource of another type, where it would return without a word.
Each step is a pure function of its input and rules only read what they get, so no verdict
changes; tests/policies/test_servicer.py compares every diagnostic with pulumi_policy's own
servicer over Docker and Kubernetes stacks full of violations. Only the plain paths are cached:
conversions with options, `deserialize_properties` with secret proxies (what `Remediate` uses; its
remediations write to the result) and proxies of anything this cache did not deserialise are
computed afresh each time, exactly as pulumi_policy does.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from google.protobuf import json_format

# Enough for every resource of a large stack within one AnalyzeStack call.
_CAPACITY = 20_000


class _Once:
    """`convert(x)` once per object `x`. Each entry keeps its `x` alive, so the id an entry is
    filed under always names the object it was computed from. The pack serves on four threads:
    the cache is locked, the conversion is not (two threads converting the same object at once
    both get a correct result; the cache keeps one)."""

    def __init__(self, convert: Callable[[Any], Any]) -> None:
        self._convert = convert
        self._lock = threading.Lock()
        self._cache: OrderedDict[int, tuple[Any, Any]] = OrderedDict()
        self._results: dict[int, Any] = {}  # id of each result held -> the result

    def __call__(self, value: Any) -> Any:
        with self._lock:
            hit = self._cache.get(id(value))
            if hit is not None and hit[0] is value:
                self._cache.move_to_end(id(value))
                return hit[1]
        converted = self._convert(value)
        with self._lock:
            self._cache[id(value)] = (value, converted)
            self._results[id(converted)] = converted
            while len(self._cache) > _CAPACITY:
                _, (_, evicted) = self._cache.popitem(last=False)
                if self._results.get(id(evicted)) is evicted:
                    del self._results[id(evicted)]
        return converted

    def made(self, value: Any) -> bool:
        """Whether `value` is a result this cache handed out and still holds."""
        with self._lock:
            return self._results.get(id(value)) is value


class _ByContent:
    """`MessageToDict` once per distinct message content (its deterministic wire bytes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: OrderedDict[bytes, dict[str, Any]] = OrderedDict()

    def __call__(self, message: Any) -> dict[str, Any]:
        key = message.SerializeToString(deterministic=True)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        converted = dict(json_format.MessageToDict(message))
        with self._lock:
            self._cache[key] = converted
            while len(self._cache) > _CAPACITY:
                self._cache.popitem(last=False)
        return converted


def install(policy_module: Any) -> None:
    """Make `policy_module` (pulumi_policy.policy) serve through the servicer described above."""
    to_dict = _Once(_ByContent())
    deserialize = policy_module.deserialize_properties
    deserialize_once = _Once(deserialize)
    proxy = policy_module.unknown_checking_proxy
    proxy_once = _Once(proxy)

    def message_to_dict(message: Any, **options: Any) -> dict[str, Any]:
        if options:
            return dict(json_format.MessageToDict(message, **options))
        return to_dict(message)  # type: ignore[no-any-return]

    def deserialize_properties(props: dict[str, Any], proxy_secrets: bool = False) -> dict[str, Any]:
        if proxy_secrets:
            return deserialize(props, proxy_secrets)  # type: ignore[no-any-return]
        return deserialize_once(props)  # type: ignore[no-any-return]

    def unknown_checking_proxy(props: dict[str, Any]) -> Any:
        return proxy_once(props) if deserialize_once.made(props) else proxy(props)

    class Servicer(policy_module._PolicyAnalyzerServicer):  # type: ignore[misc,name-defined]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._call = threading.local()  # Analyze runs on several threads at once
            self._by_type: dict[str, list[Any]] = {}
            super().__init__(*args, **kwargs)
            self._options = _Once(super()._get_resource_options)
            self._provider = _Once(super()._get_provider_resource)

        # pulumi_policy keeps its policies in the private `self.__policies` and loops over them
        # in Analyze; during an Analyze call this thread sees only those that can judge the
        # request's type. (Should a later pulumi_policy rename the attribute, this is never
        # consulted and every policy runs: slower, never different; a test notices.)
        @property
        def _PolicyAnalyzerServicer__policies(self) -> list[Any]:  # noqa: N802 (its private name)
            return getattr(self._call, "policies", self._policies)  # type: ignore[no-any-return]

        @_PolicyAnalyzerServicer__policies.setter
        def _PolicyAnalyzerServicer__policies(self, policies: list[Any]) -> None:  # noqa: N802
            self._policies = policies
            self._by_type.clear()

        def _for_type(self, resource_type: str) -> list[Any]:
            if resource_type not in self._by_type:
                self._by_type[resource_type] = [
                    p for p in self._policies if resource_type in getattr(p, "resource_types", (resource_type,))
                ]
            return self._by_type[resource_type]

        def Analyze(self, request: Any, context: Any) -> Any:  # noqa: N802 (the gRPC method name)
            self._call.policies = self._for_type(request.type)
            try:
                return super().Analyze(request, context)
            finally:
                del self._call.policies

        def _get_resource_options(self, request: Any) -> Any:
            return self._options(request)

        def _get_provider_resource(self, request: Any) -> Any:
            return self._provider(request)

    policy_module._PolicyAnalyzerServicer = Servicer
    policy_module.json_format = SimpleNamespace(MessageToDict=message_to_dict)
    policy_module.deserialize_properties = deserialize_properties
    policy_module.unknown_checking_proxy = unknown_checking_proxy
