"""The pack's servicer (policies/trade2026_policies/servicer.py) pays pulumi_policy's per-policy
costs once per resource and changes no verdict."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pulumi_policy.policy
import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel, ResourceValidationArgs, ResourceValidationPolicy
from trade2026_policies import servicer
from trade2026_policies.framework import CONTAINER, TypedResourcePolicy

from offline.engine import ROOT, Plan, run_program
from offline.gate import run_gate

PROGRAMS = ROOT / "tests" / "programs"
CI = ROOT / "policies" / "config" / "ci.json"


def _struct(**values: Any) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def _module() -> tuple[SimpleNamespace, list[dict[str, Any]], list[dict[str, Any]]]:
    """A stand-in for pulumi_policy.policy whose conversion steps record their calls."""
    deserialized: list[dict[str, Any]] = []
    proxied: list[dict[str, Any]] = []

    def deserialize(props: dict[str, Any], proxy_secrets: bool = False) -> dict[str, Any]:
        deserialized.append(props)
        return {"deserialized": dict(props), "proxy_secrets": proxy_secrets}

    def proxy(props: dict[str, Any]) -> dict[str, Any]:
        proxied.append(props)
        return {"proxy": props}

    module = SimpleNamespace(
        json_format=json_format,
        deserialize_properties=deserialize,
        unknown_checking_proxy=proxy,
        _PolicyAnalyzerServicer=pulumi_policy.policy._PolicyAnalyzerServicer,
    )
    servicer.install(module)
    return module, deserialized, proxied


def _convert(module: SimpleNamespace, message: struct_pb2.Struct) -> Any:
    """What pulumi_policy does for each policy: all three steps."""
    return module.unknown_checking_proxy(module.deserialize_properties(module.json_format.MessageToDict(message)))


def test_the_same_message_is_converted_once_and_gives_what_the_steps_give() -> None:
    module, deserialized, proxied = _module()
    message = _struct(image="nats:2.10.29-alpine", memory=256)
    first, second = _convert(module, message), _convert(module, message)
    assert first is second
    assert first == {
        "proxy": {"deserialized": {"image": "nats:2.10.29-alpine", "memory": 256.0}, "proxy_secrets": False}
    }
    assert len(deserialized) == len(proxied) == 1


def test_a_message_with_the_same_content_shares_the_conversion_and_another_does_not() -> None:
    module, deserialized, _ = _module()
    _convert(module, _struct(name="a", ports=[1, 2]))
    _convert(module, _struct(ports=[1, 2], name="a"))  # same content, fields set in another order
    assert len(deserialized) == 1
    _convert(module, _struct(name="a", ports=[2, 1]))
    assert len(deserialized) == 2


def test_secret_proxying_conversions_and_foreign_dicts_are_never_cached() -> None:
    module, deserialized, proxied = _module()
    props = module.json_format.MessageToDict(_struct(password="x"))
    for _ in range(2):
        module.unknown_checking_proxy(module.deserialize_properties(props, True))
    foreign = {"name": "a"}
    module.unknown_checking_proxy(foreign)
    module.unknown_checking_proxy(foreign)
    assert deserialized == [props, props]
    assert len(proxied) == 4


def test_past_its_capacity_the_cache_converts_again_and_never_answers_for_another_object(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(servicer, "_CAPACITY", 1)
    module, deserialized, proxied = _module()
    first, second = _struct(name="a"), _struct(name="b")
    results = [_convert(module, message) for message in (first, second, first)]
    assert [r["proxy"]["deserialized"] for r in results] == [{"name": "a"}, {"name": "b"}, {"name": "a"}]
    assert len(deserialized) == 3
    # The evicted first result is no longer the cache's: a proxy of it is made afresh.
    module.unknown_checking_proxy(results[0]["proxy"])
    assert len(proxied) == 4


def _request(type_: str) -> analyzer_pb2.AnalyzeRequest:
    return analyzer_pb2.AnalyzeRequest(
        type=type_, urn=f"urn:pulumi:dev::p::{type_}::r", name="r", properties=_struct(a=1)
    )


def _recording_servicer() -> tuple[Any, list[tuple[str, str]]]:
    """The servicer over a typed rule and an untyped one, and the (rule, type) of each call."""
    seen: list[tuple[str, str]] = []

    def record(name: str) -> Any:
        def validate(args: ResourceValidationArgs, report_violation: Any) -> None:
            seen.append((name, args.resource_type))
            report_violation(f"{name} saw it", None)

        return validate

    policies = [
        TypedResourcePolicy((CONTAINER,), name="typed", description="d", validate=record("typed")),
        ResourceValidationPolicy(name="untyped", description="d", validate=record("untyped")),
    ]
    module, _, _ = _module()
    return module._PolicyAnalyzerServicer("pack", "0.0.1", policies, EnforcementLevel.MANDATORY), seen


def test_a_typed_rule_is_called_for_its_types_only_and_an_untyped_rule_for_all() -> None:
    analyzer, calls = _recording_servicer()
    container = analyzer.Analyze(_request(CONTAINER), None)
    stateful = analyzer.Analyze(_request("kubernetes:apps/v1:StatefulSet"), None)
    assert calls == [
        ("typed", CONTAINER),
        ("untyped", CONTAINER),
        ("untyped", "kubernetes:apps/v1:StatefulSet"),
    ]
    assert [d.policyName for d in container.diagnostics] == ["typed", "untyped"]
    assert [d.policyName for d in stateful.diagnostics] == ["untyped"]
    # Outside Analyze (pack info, AnalyzeStack) every policy is there.
    assert [p.name for p in analyzer.GetAnalyzerInfo(None, None).policies] == ["typed", "untyped"]


def _full_of_violations() -> Plan:
    """Docker and Kubernetes stacks, clean and broken, in one analysis."""
    plans = [run_program("dev", preview=True), run_program("k8s-dev", preview=True)]
    for index, name in enumerate(
        (
            *("bind_mount", "disguised_bind", "latest_tag", "port_clash", "memory_stream"),
            *("k8s_node_disk", "k8s_privileged"),
            # Issue 19's hostile programs: the type allow-list (an untyped rule), providers, fields.
            *("docker_side_doors", "inline_dynamic_provider", "explicit_provider", "local_command"),
            *("sidecar_escape", "host_paths_disguised", "device_access", "weak_auth", "unknown_at_preview"),
            *("k8s_side_doors", "k8s_open_namespace", "k8s_relaxed_pod", "k8s_remote_chart"),
        )
    ):
        plans.append(run_program(f"fixture-{index}", {}, preview=True, program=PROGRAMS / f"{name}.py"))
    return Plan("mixed", True, [r for plan in plans for r in plan.resources], {})


def test_the_pack_gives_exactly_the_verdicts_of_pulumi_policys_own_servicer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(PROGRAMS))
    plan = _full_of_violations()
    fast = run_gate(plan, CI, config={})
    plain = run_gate(plan, CI, pack=ROOT / "tests" / "fake_packs" / "plain_servicer", config={})
    assert fast.violations == plain.violations
    # A comparison of nothing proves nothing: both platforms' rules, both kinds, must have fired.
    policies = {v.policy for v in fast.violations}
    assert len(fast.violations) >= 20, fast.format()
    assert {"no-bind-mounts", "pinned-image-tags", "no-host-port-conflicts"} <= policies, sorted(policies)
    assert {"kubernetes-no-host-path-volumes", "kubernetes-no-privileged-containers"} <= policies, sorted(policies)
    assert {
        "allowed-resource-types",
        "no-explicit-providers",
        "docker-allowed-fields",
    } <= policies
    assert {
        "known-at-preview",
        "kubernetes-pod-allowed-fields",
        "kubernetes-pod-security-labels",
        "allowed-images",
    } <= policies
