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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import mocks, settings, stack
from pulumi.runtime.sync_await import _sync_await

ROOT = Path(__file__).resolve().parent.parent
# The project name is Pulumi.yaml's; it prefixes every URN, config key and Docker name.
PROJECT: str = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["name"]

# Wire markers of the Pulumi property serialisation (sdk/proto, pulumi/runtime/rpc.py).
_SIG = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# Docker hands out host ports from the ephemeral range when a port has no `external`.
_FIRST_EPHEMERAL_PORT = 32768


def _urn(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    """A URN as the engine builds it (sdk/go/common/resource/urn.go NewURN): the parent's whole
    qualified type, and none for a child of the root stack. The mock monitor keeps only the
    parent's last type and adds pulumi:pulumi:Stack, which no real stack's URNs contain."""
    if parent:
        qualified = parent.split("::")[2]
        if qualified != "pulumi:pulumi:Stack":
            type_ = f"{qualified}${type_}"
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


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
    # Old URNs this resource answers to (`aliases` option, inherited ones included).
    aliases: tuple[str, ...] = ()

    @classmethod
    def from_request(cls, request: Any, urn: str, aliases: tuple[str, ...] = ()) -> Registration:
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
            aliases=aliases,
        )


@dataclass(frozen=True)
class Plan:
    """Everything one run of the program registered, in registration order."""

    stack: str
    preview: bool
    resources: list[Registration]
    outputs: dict[str, Any]
    # URN -> what a component passed to register_outputs.
    component_outputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.resources if r.type == type_]

    def get(self, type_: str, name: str) -> Registration:
        matches = [r for r in self.resources if r.type == type_ and r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources of type {type_} named {name}")
        return matches[0]

    def outputs_of(self, type_: str, name: str) -> dict[str, Any]:
        """The outputs component `name` registered; KeyError if it registered none."""
        return self.component_outputs[self.get(type_, name).urn]


class DockerMocks(mocks.Mocks):
    """Answers as pulumi-docker, pulumi-kubernetes and pulumi-random would, deterministically."""

    def __init__(self, preview: bool) -> None:
        self.preview = preview
        self.ephemeral_ports = itertools.count(_FIRST_EPHEMERAL_PORT)

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        state = dict(args.inputs)
        digest = hashlib.sha256(f"{args.typ}/{args.name}".encode()).hexdigest()
        metadata = state.get("metadata")
        if args.typ.startswith("kubernetes:") and isinstance(metadata, dict) and not metadata.get("name"):
            # pulumi-kubernetes names an object left unnamed `<resource name>-<8 random>`, and
            # does so already at preview.
            state["metadata"] = {**metadata, "name": f"{args.name}-{digest[:8]}"}
        if self.preview:
            return "", state  # computed outputs stay unknown, as in `pulumi preview`
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
        self.component_outputs: dict[str, dict[str, Any]] = {}
        self.aliases: dict[str, list[str]] = {}

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        return _urn(pulumi.get_stack(), pulumi.get_project(), parent, type_, name)

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            self.aliases[response.urn] = self._alias_urns(request)
            self.registrations.append(
                Registration.from_request(request, response.urn, tuple(self.aliases[response.urn]))
            )
        # The engine, not the SDK, marks a provider's declared secret outputs (RandomPassword's
        # `result`) as secret; the mock monitor does not, so it is done here.
        for name in request.additionalSecretOutputs:
            if name in response.object.fields:
                value = json_format.MessageToDict(response.object.fields[name])
                json_format.ParseDict({_SIG: _SECRET_SIG, "value": value}, response.object.fields[name])
        return response

    def _alias_urns(self, request: Any) -> list[str]:
        """The old URNs a resource answers to, as the engine derives them from the alias specs it
        receives (pkg/resource/deploy/step_generator.go generateAliases): its own aliases, and one
        per alias of its parent, so renaming a component carries its children along."""
        stack, project = pulumi.get_stack(), pulumi.get_project()

        def collapse(alias: Any) -> str:
            if alias.urn:
                return str(alias.urn)
            spec = alias.spec
            parent = "" if spec.noParent else (spec.parentUrn or request.parent)
            type_, name = spec.type or request.type, spec.name or request.name
            return _urn(spec.stack or stack, spec.project or project, parent, type_, name)

        def inherited(child_type: str, child_name: str, parent_alias: str) -> str:
            parent_name = request.parent.rsplit("::", 1)[1]
            name = child_name
            if child_name.startswith(parent_name):
                name = parent_alias.rsplit("::", 1)[1] + child_name[len(parent_name) :]
            alias_stack, alias_project = parent_alias.removeprefix("urn:pulumi:").split("::")[:2]
            return _urn(alias_stack, alias_project, parent_alias, child_type, name)

        own = [collapse(alias) for alias in request.aliases]
        found = list(own)
        for parent_alias in self.aliases.get(request.parent, []):
            found.append(inherited(request.type, request.name, parent_alias))
            for alias in own:
                _, _, qualified, name = alias.split("::", 3)
                found.append(inherited(qualified.rsplit("$", 1)[-1], name, parent_alias))
        return list(dict.fromkeys(found))

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        outputs = decode(json_format.MessageToDict(request.outputs))
        if "::pulumi:pulumi:Stack::" in request.urn:
            self.stack_outputs = outputs
        else:
            self.component_outputs[request.urn] = outputs
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
    return Plan(stack_name, preview, resources, dict(monitor.stack_outputs), dict(monitor.component_outputs))
