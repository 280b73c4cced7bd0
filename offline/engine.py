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
import os
import pickle
import runpy
import sys
import sysconfig
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import mocks, settings, stack
from pulumi.runtime.sync_await import _sync_await

from . import stackfiles

# Stack config types live in offline/stackfiles.py; callers (gate, preview, tests) take them from here.
from .stackfiles import SECURE_PLACEHOLDER as SECURE_PLACEHOLDER
from .stackfiles import StackConfig as StackConfig
from .stackfiles import StackConfigError as StackConfigError
from .stackfiles import config_text as config_text

ROOT = Path(__file__).resolve().parent.parent
# The project name is Pulumi.yaml's; it prefixes every URN, config key and Docker name.
PROJECT: str = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["name"]

# Wire markers of the Pulumi property serialisation (sdk/proto, pulumi/runtime/rpc.py).
_SIG = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# Docker hands out host ports from the ephemeral range when a port has no `external`.
_FIRST_EPHEMERAL_PORT = 32768
# Resources served by the Python dynamic provider host (`python -m pulumi.dynamic`).
DYNAMIC = "pulumi-python:dynamic"


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
    # The provider package version the SDK asks for (names the engine's default provider), and
    # the explicit provider reference when the program passed one.
    version: str = ""
    provider: str = ""
    # Outputs the engine must keep secret although no input of the same name was.
    additional_secret_outputs: tuple[str, ...] = ()

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
            version=request.version,
            provider=request.provider,
            additional_secret_outputs=tuple(request.additionalSecretOutputs),
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
    # Host ports the mock Docker made up for ports published without one: on `pulumi up` Docker
    # picks others, so whatever shows one must say so instead.
    assigned_ports: frozenset[int] = frozenset()

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
        self.assigned_ports: set[int] = set()

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        state = dict(args.inputs)
        digest = hashlib.sha256(f"{args.typ}/{args.name}".encode()).hexdigest()
        metadata = state.get("metadata")
        if args.typ.startswith("kubernetes:") and isinstance(metadata, dict) and not metadata.get("name"):
            # pulumi-kubernetes names an object left unnamed `<resource name>-<8 random>`, and
            # does so already at preview.
            state["metadata"] = {**metadata, "name": f"{args.name}-{digest[:8]}"}
        if self.preview:
            # Computed outputs stay unknown, as in `pulumi preview`: a host port Docker is to pick, too.
            if args.typ == "docker:index/container:Container":
                state["ports"] = [
                    {**port, "external": port.get("external") or _UNKNOWN} for port in state.get("ports") or []
                ]
            return "", state
        if args.typ == "docker:index/remoteImage:RemoteImage":
            state["imageId"] = f"sha256:{digest}"
        elif args.typ == "docker:index/container:Container":
            state["ports"] = [self._published(port) for port in state.get("ports") or []]
        elif args.typ == "random:index/randomPassword:RandomPassword":
            state["result"] = "Mock" + digest[: int(state.get("length", 32)) - 4]
        elif args.typ.startswith(DYNAMIC):
            # components.readydata: the id the provider gives, outputs as declared (the mock server
            # holds exactly what was asked for); the pickled provider is the host's business.
            state.pop("__provider", None)
            return f"{state['kind']}/{state['name']}", state
        return f"{args.name}-{digest[:12]}", state

    def _published(self, port: dict[str, Any]) -> dict[str, Any]:
        if port.get("external"):
            return port
        assigned = next(self.ephemeral_ports)
        self.assigned_ports.add(assigned)
        return {**port, "external": assigned}

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


def load_stack(stack_name: str, root: Path | None = None) -> StackConfig:
    """The config the Pulumi CLI would hand the program: Pulumi.<stack>.yaml read as the CLI reads
    it, then Pulumi.yaml's defaults for the keys it does not set (offline/stackfiles.py). Raises
    StackConfigError, one line per problem, for files the CLI would not run."""
    return stackfiles.load(stack_name, ROOT if root is None else root)


def load_committed_stack(stack_name: str, announce: str) -> StackConfig:
    """`load_stack` for the offline tools' --stack, which judge a stack's file: StackConfigError
    naming the stacks there are when Pulumi.<stack>.yaml is missing; and each stand-in the config
    holds (an encrypted credential) said on stderr, each line starting with `announce`."""
    stackfiles.require_stack_file(stack_name, ROOT)
    stack = load_stack(stack_name)
    for note in stack.notes:
        print(f"{announce}note: {note}", file=sys.stderr)
    return stack


def stack_config(stack_name: str, root: Path | None = None) -> dict[str, str]:
    """The config values of `load_stack`, for callers that need no secret keys."""
    return load_stack(stack_name, root).config


@contextmanager
def _language_host_config(stack: StackConfig) -> Iterator[None]:
    """Config as pulumi-language-python passes it: PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS in
    the environment, which its exec script hands to set_all_config before the program starts."""
    saved = {name: os.environ.get(name) for name in ("PULUMI_CONFIG", "PULUMI_CONFIG_SECRET_KEYS")}
    os.environ["PULUMI_CONFIG"] = json.dumps(stack.config)
    os.environ["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(stack.secret_keys))
    pulumi.runtime.set_all_config(pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env())
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def sdk_pickle_restored() -> Iterator[None]:
    """Undo what the SDK's dynamic providers leave behind in `pickle`.

    `pulumi.dynamic.dynamic.serialize_provider` (pulumi 3.x) replaces `pickle._Pickler._batch_setitems`
    with a sorting wrapper around whatever is there and never restores it, so every dynamic resource
    a process registers adds a layer: 13 per dev stack. `pulumi up` runs a program once, but a process
    that runs many (the tests, the benchmarks) ends in RecursionError inside pickle."""
    pickler: Any = pickle._Pickler  # type: ignore[attr-defined]
    saved = (pickler._batch_setitems, pickler.save_dict)
    try:
        yield
    finally:
        pickler._batch_setitems, pickler.save_dict = saved


def run_program(
    stack_name: str,
    config: Mapping[str, str] | None = None,
    *,
    secret_keys: Sequence[str] = (),
    preview: bool = False,
    program: Path = ROOT / "__main__.py",
) -> Plan:
    """Run `program` for `stack_name` under the mock engine and return what it registered.

    `config` defaults to the stack's committed config (see `load_stack`); `secret_keys` are the
    keys of `config` the CLI would mark secret. Errors the program raises (a ConfigError for bad
    config) propagate unchanged; a stack file the engine cannot read raises StackConfigError.
    """
    stack_settings = load_stack(stack_name) if config is None else StackConfig(dict(config), tuple(secret_keys))
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

    with _language_host_config(stack_settings), sdk_pickle_restored():
        _sync_await(stack.run_in_stack(program_body))
    # Registration order depends on asyncio scheduling; URN order is stable across runs.
    resources = sorted(monitor.registrations, key=lambda r: r.urn)
    return Plan(
        stack_name,
        preview,
        resources,
        dict(monitor.stack_outputs),
        dict(monitor.component_outputs),
        frozenset(mock.assigned_ports),
    )


def program_failure(error: BaseException) -> str:
    """One line for a program that raised something other than a RunError (the gate and preview
    print it and exit 2, "could not run", never a traceback or exit 1, which means violations):
    the error, the error it was first raised from (the SDK wraps what an apply raises in layers of
    its own ValueError; the outermost names the resource, the root says what went wrong), and the
    innermost line of the program's own files that led to it: not the SDK, not the standard
    library, not this engine."""
    chain = [error]
    while (cause := chain[-1].__cause__) is not None and cause not in chain:
        chain.append(cause)
    ends = [chain[0], chain[-1]] if len(chain) > 1 else chain
    messages = [f"{type(e).__name__}: {str(e).splitlines()[0]}" if str(e) else type(e).__name__ for e in ends]
    lines = [line for e in reversed(chain) for line in _own_lines(e)]
    where = f" (at {lines[0]})" if lines else ""
    return f"the program failed: {': '.join(messages)}{where}"


def _own_lines(error: BaseException) -> list[str]:
    """`file:line` of the frames of `error`'s traceback in the program's own files, innermost first."""
    engine = Path(__file__).resolve().parent
    libraries = [Path(sysconfig.get_paths()[key]).resolve() for key in ("stdlib", "purelib", "platlib")]
    lines = []
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        path = Path(frame.filename).resolve()
        if not path.is_file() or any(path.is_relative_to(skip) for skip in (engine, *libraries)):
            continue
        lines.append(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{frame.lineno}")
    return lines
