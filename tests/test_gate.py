"""The offline policy gate end to end: real program, real pack process, Analyzer gRPC."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from offline import gate
from offline.analyzer import GateError, PolicyPackServer
from offline.engine import ROOT, Plan, run_program
from offline.gate import GateReport, run_gate

PROGRAMS = ROOT / "tests" / "programs"
FAKE_PACKS = ROOT / "tests" / "fake_packs"
CI, DEV, PROD = (ROOT / "policies" / "config" / f"{env}.json" for env in ("ci", "dev", "prod"))


def _gate_program(name: str, monkeypatch: pytest.MonkeyPatch) -> GateReport:
    monkeypatch.syspath_prepend(str(PROGRAMS))
    return run_gate(run_program("dev", {}, preview=True, program=PROGRAMS / f"{name}.py"), CI)


def _found(report: GateReport) -> list[tuple[str, str, str]]:
    return [(v.level, v.policy, v.resource) for v in report.violations]


def test_a_bind_mount_fails_the_gate_naming_the_container(monkeypatch: pytest.MonkeyPatch) -> None:
    report = _gate_program("bind_mount", monkeypatch)
    assert _found(report) == [("mandatory", "no-bind-mounts", "docker:index/container:Container: clickhouse")]
    assert "/srv/clickhouse" in report.violations[0].detail


def test_a_latest_tag_fails_the_gate_naming_the_image(monkeypatch: pytest.MonkeyPatch) -> None:
    report = _gate_program("latest_tag", monkeypatch)
    assert _found(report) == [("mandatory", "pinned-image-tags", "docker:index/remoteImage:RemoteImage: questdb-image")]


def test_a_host_port_clash_fails_the_gate_naming_both_containers(monkeypatch: pytest.MonkeyPatch) -> None:
    report = _gate_program("port_clash", monkeypatch)
    assert _found(report) == [("mandatory", "no-host-port-conflicts", "docker:index/container:Container: questdb")]
    assert report.violations[0].detail.endswith("already published by trade2026-dev-clickhouse")


def test_the_hardened_program_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _gate_program("hardened", monkeypatch).violations == []


def test_committed_dev_stack_passes_the_ci_gate_with_no_violation() -> None:
    report = run_gate(run_program("dev", preview=True), CI)
    assert report.violations == [], report.format()


def test_committed_prod_stack_passes_the_prod_gate() -> None:
    report = run_gate(run_program("prod", preview=True), PROD)
    assert report.mandatory == [], report.format()


def test_dev_stack_under_prod_rules_fails_on_unprotected_data_and_open_opensearch() -> None:
    report = run_gate(run_program("dev", preview=True), PROD)
    assert {v.policy for v in report.mandatory} == {"protected-data-volumes", "opensearch-security-enabled"}
    assert len([v for v in report.mandatory if v.policy == "protected-data-volumes"]) == 7


def test_dev_config_reports_most_rules_as_advisory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(PROGRAMS))
    report = run_gate(run_program("dev", {}, preview=True, program=PROGRAMS / "latest_tag.py"), DEV)
    assert _found(report) == [("advisory", "pinned-image-tags", "docker:index/remoteImage:RemoteImage: questdb-image")]


def test_gate_command_exits_1_on_a_mandatory_violation_and_prints_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.syspath_prepend(str(PROGRAMS))
    assert gate.main(["--stack", "dev", "--program", str(PROGRAMS / "bind_mount.py")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [
        "Policy Violations:",
        "    [mandatory]  trade2026-docker@v0.1.0  no-bind-mounts (docker:index/container:Container: clickhouse)",
    ]
    assert out[-1] == "Policy gate FAILED: 1 mandatory, 0 advisory (policies/config/ci.json)"


def test_gate_command_exits_0_on_the_dev_stack(capsys: pytest.CaptureFixture[str]) -> None:
    assert gate.main(["--stack", "dev"]) == 0
    assert capsys.readouterr().out.strip() == "Policy gate passed: 0 mandatory, 0 advisory (policies/config/ci.json)"


def test_bad_stack_config_makes_the_gate_fail_not_pass(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def with_bad_config(stack: str, **options: Any) -> Plan:
        return run_program(stack, {"trade2026:bindAdress": "0.0.0.0"}, **options)

    monkeypatch.setattr(gate, "run_program", with_bad_config)
    assert gate.main(["--stack", "dev"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "gate: invalid stack config:",
        "  trade2026:bindAdress: unknown key",
    ]


def test_a_stack_outside_dev_must_protect_its_data_even_under_the_ci_config(capsys: pytest.CaptureFixture[str]) -> None:
    assert gate.main(["--stack", "staging"]) == 1
    assert "protected-data-volumes (docker:index/volume:Volume: postgres-data)" in capsys.readouterr().out


def test_invalid_policy_config_fails_before_the_program_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "ci.json"
    config.write_text(json.dumps({"no-bind-mount": "mandatory", "all": "mandatry"}))
    monkeypatch.setattr(gate, "run_program", lambda *a, **k: pytest.fail("the program ran"))
    assert gate.main(["--stack", "dev", "--policy-config", str(config)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f'gate: {config}: all.enforcementLevel: "mandatry" is not one of advisory, mandatory, remediate, disabled',
        f"{config}: no-bind-mount: no such policy in the pack",
    ]


@pytest.mark.parametrize(
    ("pack", "timeout", "message"),
    [
        ("exits", 30.0, "exited (code 3) before serving: cannot import the policies"),
        ("silent", 1.0, "printed no port within 1 s"),
        ("crashes", 30.0, "failed in Analyze"),
    ],
)
def test_a_pack_that_cannot_answer_fails_the_gate(pack: str, timeout: float, message: str) -> None:
    plan = run_program("dev", preview=True)
    with pytest.raises(GateError, match=re.escape(message)), PolicyPackServer(FAKE_PACKS / pack, timeout) as server:
        server.configure({})
        server.analyze(r for r in plan.resources if r.custom)


def test_a_pack_past_its_deadline_fails_the_gate() -> None:
    plan = run_program("dev", preview=True)
    with (
        pytest.raises(GateError, match="failed in Analyze"),
        PolicyPackServer(FAKE_PACKS / "slow", rpc_timeout=1) as server,
    ):
        server.analyze(r for r in plan.resources if r.custom)


def test_the_gate_command_reports_a_dead_pack_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert gate.main(["--stack", "dev", "--pack", str(FAKE_PACKS / "exits")]) == 2
    assert capsys.readouterr().err.startswith("gate: policy pack ")


def test_the_gate_picks_each_stacks_environment_config(capsys: pytest.CaptureFixture[str]) -> None:
    assert gate.main(["--stack", "prod"]) == 0
    assert capsys.readouterr().out.strip().endswith("(policies/config/prod.json)")
    assert gate.environment_config("dev-alice") == CI
    assert gate.environment_config("prod-eu") == PROD


def test_a_memory_stream_fails_the_gate_naming_the_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    report = _gate_program("memory_stream", monkeypatch)
    stream = "pulumi-python:dynamic/trade2026:JetStreamStream: nats-stream-SCRATCH"
    assert _found(report) == [
        ("mandatory", "jetstream-file-storage", stream),
        ("mandatory", "bounded-jetstream-streams", stream),
        ("mandatory", "bounded-jetstream-streams", stream),
    ]
