"""The offline policy gate end to end: real program, real pack process, Analyzer gRPC."""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from offline import engine, gate
from offline.analyzer import GateError, PolicyPackServer, StackContext
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
    assert "/opt/trade2026/clickhouse" in report.violations[0].detail


def test_a_volume_binding_etc_through_driver_options_fails_the_gate_naming_the_volume(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report = _gate_program("disguised_bind", monkeypatch)
    assert sorted(_found(report)) == [
        ("mandatory", "no-bind-mounts", "docker:index/volume:Volume: etc"),
        ("mandatory", "no-sensitive-host-mounts", "docker:index/volume:Volume: etc"),
    ]


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
        "    [mandatory]  trade2026@v0.3.0  no-bind-mounts (docker:index/container:Container: clickhouse)",
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


def test_a_stack_outside_dev_must_protect_its_data_even_under_the_ci_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A staging stack of the defaults: its file sets nothing.
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.staging.yaml").write_text("config: {}\n")
    monkeypatch.setattr(engine, "ROOT", tmp_path)
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


# Starting the pack as the CLI does ---------------------------------------------------------------


def _introspect(tmp_path: Path, config: dict[str, Any]) -> GateReport:
    policy_config = tmp_path / "introspect.json"
    policy_config.write_text(json.dumps(config))
    plan = run_program("dev", preview=True)
    return run_gate(plan, policy_config, pack=FAKE_PACKS / "introspect", config={"trade2026:bindAddress": "127.0.0.2"})


def test_the_pack_starts_as_python_m_pulumi_policy_in_its_directory_with_the_stack_environment(
    tmp_path: Path,
) -> None:
    [started] = [v for v in _introspect(tmp_path, {}).violations if v.policy == "started"]
    assert json.loads(started.detail) == {
        "argv": ["-u", "-m", "pulumi.policy", "127.0.0.1:0", str(FAKE_PACKS / "introspect")],
        "cwd": str(FAKE_PACKS / "introspect"),
        "env": {
            "PULUMI_ORGANIZATION": "organization",
            "PULUMI_PROJECT": "trade2026",
            "PULUMI_STACK": "dev",
            "PULUMI_DRY_RUN": "true",
        },
        "config": {"trade2026:bindAddress": "127.0.0.2"},
        "greeting": "from-initial",
    }


def test_the_config_file_overrides_the_packs_initial_config(tmp_path: Path) -> None:
    report = _introspect(tmp_path, {"started": {"greeting": "from-file"}})
    [started] = [v for v in report.violations if v.policy == "started"]
    assert json.loads(started.detail)["greeting"] == "from-file"


def test_each_resource_is_analysed_with_the_default_provider_of_its_package(tmp_path: Path) -> None:
    providers = {
        v.resource.split(":")[0] + ":" + v.detail
        for v in _introspect(tmp_path, {}).violations
        if v.policy == "provider"
    }
    assert providers == {
        "docker:pulumi:providers:docker default_5_2_0 "
        'urn:pulumi:dev::trade2026::pulumi:providers:docker::default_5_2_0 {"version": "5.2.0"}',
        "random:pulumi:providers:random default_4_21_4 "
        'urn:pulumi:dev::trade2026::pulumi:providers:random::default_4_21_4 {"version": "4.21.4"}',
        # Ready data: the SDK names no version for dynamic resources, so the engine's default
        # provider of package pulumi-python is plain `default`.
        "pulumi-python:pulumi:providers:pulumi-python default "
        "urn:pulumi:dev::trade2026::pulumi:providers:pulumi-python::default {}",
    }


def test_a_pack_without_configure_stack_still_runs_as_under_the_cli(tmp_path: Path) -> None:
    policy_config = tmp_path / "empty.json"
    policy_config.write_text("{}")
    report = run_gate(run_program("dev", preview=True), policy_config, pack=FAKE_PACKS / "before_configure_stack")
    assert (report.pack, report.violations) == ("before-configure-stack@v0.0.1", [])


def test_a_resource_through_an_explicit_provider_is_analysed_with_that_provider_and_a_component_with_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(PROGRAMS))
    plan = run_program("dev", {}, preview=True, program=PROGRAMS / "explicit_provider.py")
    registered = {r.urn: r for r in plan.resources}
    context = StackContext("dev", {"docker:host": "unix:///run/user/1000/docker.sock"})
    provider = context.provider(plan.get("docker:index/container:Container", "nats"), registered)
    assert provider is not None
    assert (provider.type, provider.name) == ("pulumi:providers:docker", "build-box")
    assert dict(provider.properties)["host"] == "ssh://ci@10.20.0.5"
    assert context.provider(plan.get("pulumi:providers:docker", "build-box"), registered) is None
    unlisted = context.provider(plan.get("docker:index/container:Container", "nats"), {})
    assert unlisted is not None and (unlisted.type, unlisted.name) == ("pulumi:providers:docker", "build-box")
    component = run_program("dev", preview=True).get("trade2026:infra:Nats", "nats")
    assert context.provider(component, registered) is None


def test_provider_config_from_the_stack_reaches_the_provider_without_its_namespace() -> None:
    plan = run_program("dev", preview=True)
    container = plan.get("docker:index/container:Container", "nats")
    context = StackContext("dev", {"docker:host": "unix:///run/user/1000/docker.sock", "trade2026:portOffset": "0"})
    provider = context.provider(container)
    assert provider is not None
    assert dict(provider.properties) == {"version": "5.2.0", "host": "unix:///run/user/1000/docker.sock"}


@pytest.mark.parametrize("distribution", ["grpcio", "protobuf", "PyYAML"])
def test_what_the_gate_imports_is_pinned_at_the_installed_version(distribution: str) -> None:
    pins = (ROOT / "requirements.txt").read_text().split()
    assert f"{distribution}=={importlib.metadata.version(distribution)}" in pins


def test_the_pack_runs_on_the_same_pins_its_own_virtualenv_would_install() -> None:
    pack_pins = (ROOT / "policies" / "requirements.txt").read_text().split()
    assert set(pack_pins) <= set((ROOT / "requirements.txt").read_text().split())


def test_violations_of_benchmark_rules_name_the_benchmark_item(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(PROGRAMS))
    assert gate.main(["--stack", "dev", "--program", str(PROGRAMS / "disguised_bind.py")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[1:5] == [
        "    [mandatory]  trade2026@v0.3.0  no-bind-mounts (docker:index/volume:Volume: etc)",
        "    Prohibits host paths: hostPath volumes, bind mounts, volume names that are paths, binding driver options.",
        "    volume trade2026-dev-etc (driverOpts) is a bind mount of host path /etc in disguise; drop its driverOpts",
        "    [mandatory]  trade2026@v0.3.0  no-sensitive-host-mounts (docker:index/volume:Volume: etc)",
    ], "the project's own rules cite no benchmark"
    assert out[7] == (
        "    see CIS Docker Benchmark: Ensure sensitive host system directories are not mounted on containers; "
        "Ensure that the Docker socket is not mounted inside any containers <https://www.cisecurity.org/benchmark/docker>"
    )


# Policy config files the gate cannot read --------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param(b'{"all": "mandatory\xff"}', "not UTF-8 text (byte 0xff at offset 18)", id="not UTF-8"),
        pytest.param(
            b"\xef\xbb\xbf{}",
            "not valid JSON: Unexpected UTF-8 BOM (decode using utf-8-sig) at line 1 column 1",
            id="BOM",
        ),
        pytest.param(b"", "empty; write {} to run the pack's defaults", id="empty"),
        pytest.param(b"[" * 100_000, "not valid JSON: nested too deeply", id="nested too deeply"),
        pytest.param(b'{"all": NaN}', "not valid JSON: NaN is not a JSON value", id="NaN"),
        pytest.param(
            b'{"all": "mandatory",',
            "not valid JSON: Expecting property name enclosed in double quotes at line 1 column 21",
            id="truncated",
        ),
    ],
)
def test_an_unreadable_policy_config_is_one_line_naming_the_file_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, problem: str
) -> None:
    config = tmp_path / "ci.json"
    config.write_bytes(content)
    assert gate.main(["--stack", "dev", "--policy-config", str(config)]) == 2
    assert capsys.readouterr().err.splitlines() == [f"gate: {config}: {problem}"]


def test_a_directory_given_as_policy_config_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gate.main(["--stack", "dev", "--policy-config", str(tmp_path)]) == 2
    assert capsys.readouterr().err.splitlines() == [f"gate: {tmp_path}: cannot read: Is a directory"]


def test_a_malformed_pack_manifest_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "__main__.py").write_text((ROOT / "policies" / "__main__.py").read_text())
    (pack / "PulumiPolicy.yaml").write_bytes(b"version: [0.1\n")
    shutil.copytree(ROOT / "policies" / "trade2026_policies", pack / "trade2026_policies")
    assert gate.main(["--stack", "dev", "--pack", str(pack)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"gate: {pack / 'PulumiPolicy.yaml'}: unreadable: ")


def test_a_memory_stream_fails_the_gate_naming_the_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    report = _gate_program("memory_stream", monkeypatch)
    stream = "pulumi-python:dynamic/trade2026:JetStreamStream: nats-stream-SCRATCH"
    assert _found(report) == [
        ("mandatory", "jetstream-file-storage", stream),
        ("mandatory", "bounded-jetstream-streams", stream),
        ("mandatory", "bounded-jetstream-streams", stream),
    ]


def _gate_process(program: Path) -> subprocess.CompletedProcess[str]:
    # A process of its own, as a user runs the gate, with a deadline: the failure this guards
    # against is the engine waiting forever on registrations in flight when a program raises. (In
    # the test process, after other programs, the SDK surfaced an apply's error without its
    # wrapper and left CPython 3.11's parser in a state a later compile() refused.)
    return subprocess.run(
        [sys.executable, "-m", "offline.gate", "--stack", "dev", "--program", str(program)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_program_that_crashes_inside_a_component_fails_in_one_line_and_never_hangs() -> None:
    result = _gate_process(PROGRAMS / "crashes_in_component.py")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "gate: the program failed: ValueError: no image for valkey (at tests/programs/crashes_in_component.py:13)\n"
    )


def test_a_crash_in_an_apply_names_the_resource_the_cause_and_the_program_line() -> None:
    result = _gate_process(PROGRAMS / "crashes_in_apply.py")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "gate: the program failed: ValueError: While processing resource: 'data', type: 'docker:index/volume:Volume':"
        " ValueError: cannot name a volume after trade2026-dev-backend (at tests/programs/crashes_in_apply.py:9)\n"
    )


def test_a_program_that_crashes_is_one_line_and_exit_2_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    program = PROGRAMS / "crashes.py"
    assert gate.main(["--stack", "dev", "--program", str(program)]) == 2
    err = capsys.readouterr().err
    assert err == (
        "gate: the program failed: JSONDecodeError: Expecting property name enclosed in double quotes:"
        " line 1 column 2 (char 1) (at tests/programs/crashes.py:5)\n"
    )
