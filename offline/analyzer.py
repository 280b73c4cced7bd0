"""Serve a policy pack the way the Pulumi CLI does, and talk to it over the Analyzer protocol.

The CLI (v3.259 sources: pkg/resource/plugin/analyzer_plugin.go, and the Python language host's
RunPlugin in sdk/python/cmd/pulumi-language-python) starts a Python pack as
`python -u -m pulumi.policy <engine address> <pack dir>` in the pack directory, with the stack in
PULUMI_ORGANIZATION, PULUMI_PROJECT, PULUMI_STACK, PULUMI_DRY_RUN and PULUMI_CONFIG; reads the
port it prints; sends ConfigureStack, GetAnalyzerInfo, Configure (the pack's defaults, then its
initialConfig, then the config file), Analyze per resource with the resource's provider, and
AnalyzeStack once. This module does the same, down to what the CLI leaves out of the properties it
sends: every key starting with `__` (MarshalOptions.SkipInternalKeys), at any depth, such as a
dynamic resource's pickled `__provider`. Anything that keeps the pack from answering (no
start, an exit, a crash inside a policy, a deadline) is a GateError: a gate that cannot run must
never pass.
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from .engine import PROJECT, Registration
from .policy_config import PolicyInfo, PolicySettings

_LEVELS = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.REMEDIATE: "remediate",
    analyzer_pb2.DISABLED: "disabled",
}
_LEVEL_VALUES = {name: value for value, name in _LEVELS.items()}
# The pack serves four requests at a time (pulumi_policy's thread pool); a few more queued keep
# it busy without holding every response in memory.
_MAX_IN_FLIGHT = 8


# pulumi.policy takes the engine's address as its first argument but never connects to it (the
# pack logs nowhere but stderr), so the gate, which has no engine, names an address nobody serves.
_NO_ENGINE = "127.0.0.1:0"


class GateError(Exception):
    """The gate could not run to the end."""


@dataclass(frozen=True)
class StackContext:
    """What the CLI tells a pack about the stack it judges: as environment at start, again in
    ConfigureStack, and (the config of each provider package) in the provider of every resource."""

    stack: str
    config: Mapping[str, str] = field(default_factory=dict)
    project: str = PROJECT
    # What the CLI reports on a DIY (file) backend, where stacks belong to no organisation.
    organization: str = "organization"
    dry_run: bool = True
    secret_keys: tuple[str, ...] = ()

    def environment(self) -> dict[str, str]:
        return {
            "PULUMI_ORGANIZATION": self.organization,
            "PULUMI_PROJECT": self.project,
            "PULUMI_STACK": self.stack,
            "PULUMI_DRY_RUN": "true" if self.dry_run else "false",
            "PULUMI_CONFIG": json.dumps(dict(self.config)),
        }

    def provider(
        self, resource: Registration, registered: Mapping[str, Registration] | None = None
    ) -> analyzer_pb2.AnalyzerProviderResource | None:
        """The provider the engine serves `resource` through, as the CLI sends it beside the
        resource (pkg/resource/deploy/source_eval.go, step_generator.go): none for a provider
        resource or a component of the program's own; for every custom resource and every remote
        component (one its package's provider implements: the SDK names the package version) the
        explicit provider the program passed, found in `registered` by URN, else the default
        provider of its package, with that package's config keys without the namespace and the
        version the SDK asked for."""
        package = resource.type.split(":", 1)[0]
        if resource.type.startswith("pulumi:providers:") or not (resource.custom or resource.version):
            return None
        if resource.provider:
            # A provider reference is `<urn>::<id>`; URNs contain `::` themselves.
            urn = resource.provider.rsplit("::", 1)[0]
            explicit = (registered or {}).get(urn)
            if explicit is None:
                # Never the case for one program's plan; still a provider, never "none" (a component).
                _, _, type_, name = urn.split("::", 3)
                return analyzer_pb2.AnalyzerProviderResource(type=type_.rsplit("$", 1)[-1], urn=urn, name=name)
            return analyzer_pb2.AnalyzerProviderResource(
                type=explicit.type,
                urn=explicit.urn,
                name=explicit.name,
                properties=without_internal_keys(explicit.wire),
            )
        properties: dict[str, Any] = {"version": resource.version} if resource.version else {}
        for key, value in self.config.items():
            namespace, _, name = key.partition(":")
            if namespace == package:
                properties[name] = _config_value(value)
        name = "default_" + re.sub(r"[.+-]", "_", resource.version) if resource.version else "default"
        provider = analyzer_pb2.AnalyzerProviderResource(
            type=f"pulumi:providers:{package}",
            urn=f"urn:pulumi:{self.stack}::{self.project}::pulumi:providers:{package}::{name}",
            name=name,
        )
        provider.properties.update(properties)
        return provider


def without_internal_keys(properties: struct_pb2.Struct) -> struct_pb2.Struct:
    """`properties` as the CLI marshals them for a pack (plugin.MarshalOptions{SkipInternalKeys:
    true} in analyzer_plugin.go): keys starting with `__` dropped from every object, at any depth."""
    shown = struct_pb2.Struct()
    for key, value in properties.fields.items():
        if not key.startswith("__"):
            shown.fields[key].CopyFrom(_shown_value(value))
    return shown


def _shown_value(value: struct_pb2.Value) -> struct_pb2.Value:
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        return struct_pb2.Value(struct_value=without_internal_keys(value.struct_value))
    if kind == "list_value":
        return struct_pb2.Value(
            list_value=struct_pb2.ListValue(values=[_shown_value(v) for v in value.list_value.values])
        )
    return value


def _config_value(text: str) -> Any:
    """A config value as provider input: structured values (passed as JSON) as objects."""
    if text.startswith(("{", "[")):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


class PolicyPackServer:
    """A running policy pack; use as a context manager so the process always goes away."""

    def __init__(
        self,
        pack: Path,
        startup_timeout: float = 30.0,
        rpc_timeout: float = 60.0,
        context: StackContext | None = None,
    ) -> None:
        """Without a `context`, the pack starts as for `pulumi policy publish`: no stack."""
        self.pack = pack
        self.startup_timeout = startup_timeout
        self.rpc_timeout = rpc_timeout
        self.context = context
        # A file, not a pipe: a chatty pack must never block on a full pipe. Closed in __exit__.
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
        self._process: subprocess.Popen[bytes] | None = None
        self._channel: grpc.Channel | None = None

    def __enter__(self) -> PolicyPackServer:
        if not (self.pack / "__main__.py").is_file():
            raise GateError(f"policy pack {self.pack}: no __main__.py")
        environment = dict(os.environ)
        if self.context is not None:
            environment.update(self.context.environment())
        # The interpreter running the gate stands in for the pack's own virtualenv, which the CLI
        # would create from policies/requirements.txt (the same pins; tests/test_gate.py checks).
        self._process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.policy", _NO_ENGINE, str(self.pack)],
            cwd=self.pack,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        try:
            port = self._read_port(self._process)
            self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
            if self.context is not None:
                self._configure_stack(self.context)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _configure_stack(self, context: StackContext) -> None:
        request = analyzer_pb2.AnalyzerStackConfigureRequest(
            stack=context.stack,
            project=context.project,
            organization=context.organization,
            dry_run=context.dry_run,
            config=dict(context.config),
            config_secret_keys=list(context.secret_keys),
        )
        future = self._stub.ConfigureStack.future(request, timeout=self.rpc_timeout)
        try:
            future.result()
        except grpc.RpcError as exc:
            # Like the CLI: a pack from before ConfigureStack existed still runs.
            if exc.code() != grpc.StatusCode.UNIMPLEMENTED:
                self._result("ConfigureStack", future)

    def _read_port(self, process: subprocess.Popen[bytes]) -> int:
        assert process.stdout is not None
        deadline = time.monotonic() + self.startup_timeout
        while (remaining := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([process.stdout], [], [], remaining)
            if ready:
                line = process.stdout.readline().decode().strip()
                if line.isdigit():
                    return int(line)
                raise GateError(
                    f"policy pack {self.pack} exited (code {process.wait()}) before serving: {self._tail()}"
                )
        raise GateError(f"policy pack {self.pack} printed no port within {self.startup_timeout:g} s")

    def _tail(self) -> str:
        self._stderr.seek(0)
        lines = [line for line in self._stderr.read().splitlines() if line.strip()]
        return lines[-1] if lines else "no output"

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._channel is not None:
            self._channel.close()
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._stderr.close()

    def _call(self, method: str, request: Any) -> Any:
        return self._result(method, getattr(self._stub, method).future(request, timeout=self.rpc_timeout))

    def _result(self, method: str, future: Any) -> Any:
        try:
            return future.result()
        except grpc.RpcError as exc:
            detail = (exc.details() if hasattr(exc, "details") else str(exc)) or ""
            last = detail.strip().splitlines()[-1:] or ["no detail"]
            raise GateError(f"policy pack {self.pack} failed in {method}: {last[0]}") from None

    def info(self) -> tuple[str, list[PolicyInfo], dict[str, PolicySettings]]:
        """The pack's name, its policies, and its initialConfig (as the CLI reads it: an entry
        without a level carries the protocol's zero value, advisory)."""
        info = self._call("GetAnalyzerInfo", empty_pb2.Empty())
        policies = []
        for policy in info.policies:
            schema: dict[str, Any] = {}
            if policy.HasField("configSchema"):
                schema = {"properties": {k: _plain(v) for k, v in policy.configSchema.properties.items()}}
                if policy.configSchema.required:
                    schema["required"] = list(policy.configSchema.required)
            reference = ": ".join(x for x in (policy.framework.name, policy.framework.reference) if x)
            policies.append(PolicyInfo(policy.name, _LEVELS[policy.enforcementLevel], schema, reference, policy.url))
        initial = {
            name: PolicySettings(_LEVELS[entry.enforcementLevel], _plain_struct(entry.properties))
            for name, entry in info.initialConfig.items()
        }
        return info.name, policies, initial

    def configure(self, config: dict[str, PolicySettings]) -> None:
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, settings in config.items():
            entry = request.policyConfig[name]
            entry.enforcementLevel = _LEVEL_VALUES[settings.level]
            entry.properties.update(settings.properties)
        self._call("Configure", request)

    def analyze(self, resources: Iterable[Registration]) -> list[tuple[Any, str]]:
        """(diagnostic, urn) from Analyze for each resource, then from AnalyzeStack once. A resource
        policy leaves the urn empty; like the CLI, attribute it to the resource analysed.

        Analyze calls are in flight together, as when the engine steps resources in parallel, so
        this process prepares requests while the pack evaluates; results keep resource order.
        Like the engine, send every resource: components too (they carry no provider)."""
        resources = list(resources)
        registered = {resource.urn: resource for resource in resources}
        diagnostics: list[tuple[Any, str]] = []
        in_flight: deque[tuple[str, Any]] = deque()
        stack = analyzer_pb2.AnalyzeStackRequest()
        for resource in resources:
            options = analyzer_pb2.AnalyzerResourceOptions(
                protect=resource.protect,
                deleteBeforeReplace=resource.delete_before_replace,
                deleteBeforeReplaceDefined=True,
                parent=resource.parent,
            )
            provider = self.context.provider(resource, registered) if self.context is not None else None
            properties = without_internal_keys(resource.wire)
            request = analyzer_pb2.AnalyzeRequest(
                type=resource.type,
                properties=properties,
                urn=resource.urn,
                name=resource.name,
                options=options,
                provider=provider,
            )
            in_flight.append((resource.urn, self._stub.Analyze.future(request, timeout=self.rpc_timeout)))
            if len(in_flight) > _MAX_IN_FLIGHT:
                diagnostics.extend(self._diagnostics(*in_flight.popleft()))
            entry = stack.resources.add(
                type=resource.type,
                properties=properties,
                urn=resource.urn,
                name=resource.name,
                options=options,
                provider=provider,
                parent=resource.parent,
                dependencies=list(resource.dependencies),
            )
            for prop, urns in resource.property_dependencies.items():
                entry.propertyDependencies[prop].urns.extend(urns)
        while in_flight:
            diagnostics.extend(self._diagnostics(*in_flight.popleft()))
        diagnostics.extend((d, d.urn) for d in self._call("AnalyzeStack", stack).diagnostics)
        return diagnostics

    def _diagnostics(self, urn: str, future: Any) -> list[tuple[Any, str]]:
        return [(d, d.urn or urn) for d in self._result("Analyze", future).diagnostics]

    @staticmethod
    def level(value: Any) -> str:
        return _LEVELS[value]


def _plain(value: struct_pb2.Value) -> Any:
    return json.loads(json_format.MessageToJson(value))


def _plain_struct(value: struct_pb2.Struct) -> dict[str, Any]:
    return dict(json.loads(json_format.MessageToJson(value)))
