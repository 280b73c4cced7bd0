"""Run the real stack program under Pulumi's mock engine and keep what the engine would receive.

No Pulumi CLI, provider plugin or Docker is needed: `pulumi.runtime.set_mocks` stands in for the
engine, and a recording monitor keeps every RegisterResource request (inputs exactly as
serialised, with secrets and unknowns marked, plus options and dependencies) and the stack outputs.
The mocks answer the way the Docker and random providers would: image ids, generated passwords,
Docker-assigned host ports. In preview mode they answer nothing computed, like `pulumi preview`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import runpy
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import yaml
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import mocks, settings, stack
from pulumi.runtime.sync_await import _sync_await

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "trade2026"

# Wire markers of the Pulumi property serialisation (sdk/proto, pulumi/runtime/rpc.py).
_SIG = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# Docker hands out host ports from the ephemeral range when a port has no `external`.
_FIRST_EPHEMERAL_PORT = 32768


@dataclass(frozen=True)
class Secret:
    """A value the program marked secret; kept so tests can prove it, hidden when printed."""

    value: Any

    def __repr__(self) -> str:
        return "[secret]"


class _Unknown:
    def __repr__(self) -> str:
        return "(known after up)"


UNKNOWN = _Unknown()


def decode(value: Any) -> Any:
    """Turn a serialised property (as JSON) into Python values with Secret/UNKNOWN markers."""
    if isinstance(value, dict):
        if value.get(_SIG) == _SECRET_SIG:
            return Secret(decode(value.get("value")))
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    if value == _UNKNOWN:
        return UNKNOWN
    if isinstance(value, float) and value.is_integer():
        return int(value)  # protobuf Structs carry every number as a double
    return value


def reveal(value: Any) -> Any:
    """The plain value behind Secret markers, for assertions on content."""
    if isinstance(value, Secret):
        return reveal(value.value)
    if isinstance(value, dict):
        return {key: reveal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [reveal(item) for item in value]
    return value


@dataclass(frozen=True)
class Registration:
    """One RegisterResource request, as the engine would receive it."""

    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    wire: struct_pb2.Struct
    protect: bool
    delete_before_replace: bool
    retain_on_delete: bool
    replace_on_changes: tuple[str, ...]
    dependencies: tuple[str, ...]
    property_dependencies: dict[str, tuple[str, ...]]
    # The provider package version the SDK asks for (names the engine's default provider), and
    # the explicit provider reference when the program passed one.
    version: str = ""
    provider: str = ""

    @classmethod
    def from_request(cls, request: Any, urn: str) -> Registration:
        wire = struct_pb2.Struct()
        wire.CopyFrom(request.object)
        return cls(
            type=request.type,
            name=request.name,
            urn=urn,
            parent=request.parent,
            custom=request.custom,
            inputs=decode(json_format.MessageToDict(request.object)),
            wire=wire,
            protect=request.protect,
            delete_before_replace=request.deleteBeforeReplace,
            retain_on_delete=request.retainOnDelete,
            replace_on_changes=tuple(request.replaceOnChanges),
            dependencies=tuple(request.dependencies),
            property_dependencies={k: tuple(v.urns) for k, v in request.propertyDependencies.items()},
            version=request.version,
            provider=request.provider,
        )


@dataclass(frozen=True)
class Plan:
    """Everything one run of the program registered, in registration order."""

    stack: str
    preview: bool
    resources: list[Registration]
    outputs: dict[str, Any]

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.resources if r.type == type_]

    def get(self, type_: str, name: str) -> Registration:
        matches = [r for r in self.resources if r.type == type_ and r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources of type {type_} named {name}")
        return matches[0]


class DockerMocks(mocks.Mocks):
    """Answers as pulumi-docker and pulumi-random would, deterministically."""

    def __init__(self, preview: bool) -> None:
        self.preview = preview
        self.ephemeral_ports = itertools.count(_FIRST_EPHEMERAL_PORT)

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        state = dict(args.inputs)
        if self.preview:
            return "", state  # computed outputs stay unknown, as in `pulumi preview`
        digest = hashlib.sha256(f"{args.typ}/{args.name}".encode()).hexdigest()
        if args.typ == "docker:index/remoteImage:RemoteImage":
            state["imageId"] = f"sha256:{digest}"
        elif args.typ == "docker:index/container:Container":
            state["ports"] = [
                {**port, "external": port.get("external") or next(self.ephemeral_ports)}
                for port in state.get("ports") or []
            ]
        elif args.typ == "random:index/randomPassword:RandomPassword":
            state["result"] = "Mock" + digest[: int(state.get("length", 32)) - 4]
        return f"{args.name}-{digest[:12]}", state

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        raise NotImplementedError(f"the program makes no provider calls, got {args.token}")


class RecordingMonitor(mocks.MockMonitor):
    """The mock engine's monitor, keeping each request the real engine would see."""

    def __init__(self, mock: mocks.Mocks) -> None:
        super().__init__(mock)
        self.registrations: list[Registration] = []
        self.stack_outputs: dict[str, Any] = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            self.registrations.append(Registration.from_request(request, response.urn))
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        if "::pulumi:pulumi:Stack::" in request.urn:
            self.stack_outputs = decode(json_format.MessageToDict(request.outputs))
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]


def stack_config(stack_name: str, root: Path = ROOT) -> dict[str, str]:
    """The config the Pulumi CLI would hand the program: project defaults from Pulumi.yaml, then
    Pulumi.<stack>.yaml on top; scalars as strings, structured values as JSON."""
    project = yaml.safe_load((root / "Pulumi.yaml").read_text())
    config: dict[str, Any] = {}
    for key, declaration in (project.get("config") or {}).items():
        if isinstance(declaration, dict) and "default" in declaration:
            config[f"{PROJECT}:{key}"] = declaration["default"]
    stack_file = root / f"Pulumi.{stack_name}.yaml"
    if stack_file.exists():
        config.update((yaml.safe_load(stack_file.read_text()) or {}).get("config") or {})
    return {key: config_text(value) for key, value in config.items()}


def config_text(value: Any) -> str:
    """A config value as the CLI passes it to the program."""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def run_program(
    stack_name: str,
    config: Mapping[str, str] | None = None,
    *,
    preview: bool = False,
    program: Path = ROOT / "__main__.py",
) -> Plan:
    """Run `program` for `stack_name` under the mock engine and return what it registered.

    `config` defaults to the stack's committed config (see `stack_config`). Errors the program
    raises (a ConfigError for bad config) propagate unchanged.
    """
    pulumi.runtime.set_all_config(dict(stack_config(stack_name) if config is None else config))
    mock = DockerMocks(preview)
    monitor = RecordingMonitor(mock)
    # set_mocks registers a root stack of its own unless one exists; a placeholder skips that,
    # and run_in_stack below then creates a fresh one per run (pulumi/pulumi#8280).
    settings.ROOT.set(object())  # type: ignore[arg-type]
    mocks.set_mocks(mock, project=PROJECT, stack=stack_name, preview=preview, monitor=monitor)
    settings.ROOT.set(None)
    settings.SETTINGS.outputs.clear()

    def program_body() -> None:
        runpy.run_path(str(program), run_name="__main__")

    _sync_await(stack.run_in_stack(program_body))
    # Registration order depends on asyncio scheduling; URN order is stable across runs.
    resources = sorted(monitor.registrations, key=lambda r: r.urn)
    return Plan(stack_name, preview, resources, dict(monitor.stack_outputs))
