"""`verify` without servers: reading outputs, concurrency, retries, the table, exit codes, no secret printed."""

from __future__ import annotations

import io
import json
import time

import pytest

from offline.engine import Plan, reveal
from verify import __main__ as cli
from verify.checks import Check, WrongAnswerError

PASSWORD = "Mock0123456789abcdefSECRET"


def fixed(service: str, seconds: float, fail: str = "") -> Check:
    def run(_endpoints: object, _credentials: object) -> str:
        time.sleep(seconds)
        if fail:
            raise WrongAnswerError(fail)
        return f"{service} fine"

    return Check(service, f"{service} check", run)


def test_outputs_without_show_secrets_are_refused_with_the_flag_to_add() -> None:
    with pytest.raises(cli.OutputsError, match="add --show-secrets"):
        cli.parse_outputs(json.dumps({"endpoints": {"nats": {}}, "credentials": "[secret]"}))


def test_outputs_that_are_not_json_are_refused_naming_the_command() -> None:
    with pytest.raises(cli.OutputsError, match="pipe `pulumi stack output --json --show-secrets`"):
        cli.parse_outputs("Current stack outputs (3):")


def test_the_dev_stacks_outputs_are_what_verify_reads(dev_plan: Plan) -> None:
    endpoints, credentials = cli.parse_outputs(json.dumps(reveal(dev_plan.outputs)))
    assert sorted(endpoints) == [
        "clickhouse",
        "nats",
        "opa",
        "opensearch",
        "postgres",
        "questdb",
        "seaweedfs",
        "valkey",
    ]
    assert sorted(credentials["questdb"]) == ["database", "password", "user"]
    assert sorted(credentials["seaweedfs"]) == ["accessKey", "secretKey"]


def test_checks_run_concurrently_so_the_total_is_near_the_slowest() -> None:
    checks = [fixed("a", 0.6), fixed("b", 0.6), fixed("c", 0.6)]
    results, total_ms = cli.run_all({"a": {}, "b": {}, "c": {}}, {}, checks=checks)
    assert [r.ok for r in results] == [True, True, True]
    assert 600 <= total_ms < 1100


def test_a_service_the_stack_switched_off_is_not_checked() -> None:
    results, _ = cli.run_all({"a": {}}, {}, checks=[fixed("a", 0), fixed("b", 0)])
    assert [r.service for r in results] == ["a"]


def test_a_failing_check_is_retried_then_reported_with_its_attempts() -> None:
    calls: list[int] = []

    def flaky(_endpoints: object, _credentials: object) -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionRefusedError("not yet")
        return "third time"

    results, _ = cli.run_all({"x": {}}, {}, checks=[Check("x", "flaky", flaky)], attempts=4, first_delay=0.01)
    assert (results[0].ok, results[0].attempts, results[0].detail) == (True, 3, "third time")


def test_a_secret_in_an_error_message_is_never_printed(capsys: pytest.CaptureFixture[str]) -> None:
    leaky = fixed("valkey", 0, fail=f"AUTH {PASSWORD} refused")
    results, total = cli.run_all({"valkey": {}}, {"valkey": {"password": PASSWORD}}, checks=[leaky], attempts=1)
    assert results[0].detail == "WrongAnswerError: AUTH [secret] refused"
    assert PASSWORD not in cli.table(results, total)


def test_the_table_names_service_check_result_latency_and_a_summary() -> None:
    results = [
        cli.Result("nats", "JetStream publish/read", True, "3 streams", 41.2, 1),
        cli.Result("valkey", "AUTH SET GET", False, "ConnectionRefusedError: refused", 3512.0, 4),
    ]
    assert cli.table(results, 3520.0).splitlines() == [
        "SERVICE  CHECK                   RESULT  LATENCY  DETAIL",
        "nats     JetStream publish/read  ok      41 ms    3 streams",
        "valkey   AUTH SET GET            FAIL    3512 ms  ConnectionRefusedError: refused",
        "",
        "1/2 services work (3.5 s); FAILED: valkey",
    ]


def test_main_exits_1_on_any_failure_and_json_says_which(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "CHECKS", (fixed("nats", 0), fixed("opa", 0, fail="allow was true for a denied order")))
    out = io.StringIO()
    stdin = io.StringIO(json.dumps({"endpoints": {"nats": {}, "opa": {}}, "credentials": {}}))
    assert cli.main(["--json", "--no-progress", "--attempts", "1"], stdin=stdin, stdout=out) == 1
    document = json.loads(out.getvalue())
    assert [(r["service"], r["ok"], r["detail"]) for r in document["results"]] == [
        ("nats", True, "nats fine"),
        ("opa", False, "WrongAnswerError: allow was true for a denied order"),
    ]


def test_main_exits_2_when_the_outputs_are_unreadable(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--no-progress"], stdin=io.StringIO("{}"), stdout=io.StringIO()) == 2
    assert capsys.readouterr().err == (
        "verify: stack outputs have no `endpoints`; is this a trade2026 stack after `pulumi up`?\n"
    )


def test_progress_off_a_terminal_prints_one_line_per_finished_service() -> None:
    stream = io.StringIO()
    progress = cli.Progress(stream)
    progress(["nats", "opa"], [], 0.0)
    progress(["opa"], ["nats"], 0.4)
    progress(["opa"], ["nats"], 0.5)
    progress([], ["nats", "opa"], 1.2)
    assert stream.getvalue().splitlines() == [
        "checking 2 services: nats, opa",
        "  nats done after 0.4 s",
        "  opa done after 1.2 s",
    ]


def test_stack_without_the_pulumi_cli_says_what_to_do_instead(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert cli.main(["--stack", "dev-alice", "--no-progress"], stdout=io.StringIO()) == 2
    assert capsys.readouterr().err == (
        "verify: --stack needs the Pulumi CLI on PATH; without it, pipe `pulumi stack output --json --show-secrets`\n"
    )


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_redraws_one_line_and_clears_it_when_done() -> None:
    stream = Terminal()
    progress = cli.Progress(stream)
    progress(["nats", "opa"], [], 0.0)
    progress(["opa"], ["nats"], 1.25)
    progress([], ["nats", "opa"], 2.0)
    assert stream.getvalue().split("\r") == [
        "",
        "\033[K/ 0/2 checked,  0.0 s, waiting for: nats, opa",
        "\033[K- 1/2 checked,  1.2 s, waiting for: opa",
        "\033[K",
    ]


def test_nothing_piped_in_is_refused_with_the_command_to_pipe(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--no-progress"], stdin=Terminal(), stdout=io.StringIO()) == 2
    assert capsys.readouterr().err == (
        "verify: pipe `pulumi stack output --json --show-secrets` into it, or pass --stack NAME\n"
    )


def test_an_unreachable_service_on_a_remote_docker_host_names_its_tunnel() -> None:
    def refused(_endpoints: object, _credentials: object) -> str:
        raise ConnectionRefusedError(111, "Connection refused")

    def wrong(_endpoints: object, _credentials: object) -> str:
        raise WrongAnswerError("AUTH failed")

    tunnel = "ssh -N -L 127.0.0.1:20020:127.0.0.1:20020 dev@devbox"
    results, _ = cli.run_all(
        {"nats": {}, "valkey": {}},
        {},
        checks=[Check("nats", "n", refused), Check("valkey", "v", wrong)],
        attempts=1,
        forwards={"nats": tunnel, "valkey": tunnel},
    )
    assert [r.detail for r in results] == [
        "ConnectionRefusedError: [Errno 111] Connection refused"
        f" (the Docker host is remote: is its tunnel open? {tunnel})",
        "WrongAnswerError: AUTH failed",
    ]


def test_the_port_forward_output_is_read_per_service() -> None:
    outputs = {"endpoints": {}, "portForward": {"nats": "ssh -N -L 1:127.0.0.1:1 devbox"}}
    assert cli.tunnels(json.dumps(outputs)) == {"nats": "ssh -N -L 1:127.0.0.1:1 devbox"}
    assert cli.tunnels(json.dumps({"endpoints": {}})) == {}
