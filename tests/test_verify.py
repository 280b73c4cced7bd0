"""`verify` without servers: reading outputs, concurrency, retries, the table, exit codes, no secret printed."""

from __future__ import annotations

import io
import json
import time

import pytest

from components.roundtrips import Check, WrongAnswerError
from offline.engine import Plan, reveal
from verify import __main__ as cli

PASSWORD = "Mock0123456789abcdefSECRET"


def fixed(service: str, seconds: float, fail: str = "") -> Check:
    def run(_endpoints: object, _credentials: object) -> str:
        time.sleep(seconds)
        if fail:
            raise WrongAnswerError(fail)
        return f"{service} fine"

    return Check(f"{service} check", run)


def test_outputs_without_show_secrets_are_refused_with_the_flag_to_add() -> None:
    with pytest.raises(cli.OutputsError, match="add --show-secrets"):
        cli.parse_outputs(json.dumps({"endpoints": {"nats": {}}, "credentials": "[secret]"}))


def test_outputs_that_are_not_json_are_refused_naming_the_command() -> None:
    with pytest.raises(cli.OutputsError, match="pipe `pulumi stack output --json --show-secrets`"):
        cli.parse_outputs("Current stack outputs (3):")


def test_the_dev_stacks_outputs_are_what_verify_reads(dev_plan: Plan) -> None:
    endpoints, credentials, kinds = cli.parse_outputs(json.dumps(reveal(dev_plan.outputs)))
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
    assert kinds == {name: name for name in endpoints}


def test_checks_run_concurrently_so_the_total_is_near_the_slowest() -> None:
    checks = {"a": fixed("a", 0.6), "b": fixed("b", 0.6), "c": fixed("c", 0.6)}
    results, total_ms = cli.run_all({"a": {}, "b": {}, "c": {}}, {}, checks=checks)
    assert [r.ok for r in results] == [True, True, True]
    assert 600 <= total_ms < 1100


def test_a_service_the_stack_switched_off_is_not_checked() -> None:
    results, _ = cli.run_all({"a": {}}, {}, checks={"a": fixed("a", 0), "b": fixed("b", 0)})
    assert [r.service for r in results] == ["a"]


def test_a_failing_check_is_retried_then_reported_with_its_attempts() -> None:
    calls: list[int] = []

    def flaky(_endpoints: object, _credentials: object) -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionRefusedError("not yet")
        return "third time"

    results, _ = cli.run_all({"x": {}}, {}, checks={"x": Check("flaky", flaky)}, attempts=4, first_delay=0.01)
    assert (results[0].ok, results[0].attempts, results[0].detail) == (True, 3, "third time")


def test_a_secret_in_an_error_message_is_never_printed(capsys: pytest.CaptureFixture[str]) -> None:
    leaky = fixed("valkey", 0, fail=f"AUTH {PASSWORD} refused")
    results, total = cli.run_all(
        {"valkey": {}}, {"valkey": {"password": PASSWORD}}, checks={"valkey": leaky}, attempts=1
    )
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
    checks = {"nats": fixed("nats", 0), "opa": fixed("opa", 0, fail="allow was true for a denied order")}
    monkeypatch.setattr(cli, "check_for", checks.__getitem__)
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
        checks={"nats": Check("n", refused), "valkey": Check("v", wrong)},
        attempts=1,
        forwards={"nats": tunnel, "valkey": tunnel},
    )
    assert [r.detail for r in results] == [
        "ConnectionRefusedError: [Errno 111] Connection refused"
        f" (the Docker host is remote: is its tunnel open? {tunnel})",
        "WrongAnswerError: AUTH failed",
    ]


def test_the_port_forward_output_is_read_per_service_and_named_by_its_forwards_alone() -> None:
    """The line may carry docker:sshOpts or docker:host the stack marked secret; piped in with
    --show-secrets, nothing says which, so a message names only the forwards."""
    line = "ssh -N -o 'ProxyCommand=vault-proxy --token S3cretT0ken' -L 1:127.0.0.1:1 -L 2:127.0.0.1:2 dev@vault-box"
    outputs = {"endpoints": {}, "portForward": {"nats": line, "opa": "ssh -N 'unbalanced"}}
    assert cli.tunnels(json.dumps(outputs)) == {
        "nats": "its -L 1:127.0.0.1:1 -L 2:127.0.0.1:2 forward from `pulumi stack output portForward`",
        "opa": "`pulumi stack output portForward`",
    }
    assert cli.tunnels(json.dumps({"endpoints": {}})) == {}


def test_a_failing_pulumi_cli_is_one_line_of_its_stderr_never_its_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pulumi import automation
    from pulumi.automation._cmd import CommandResult

    def failing(**_kwargs: object) -> None:
        printed = json.dumps({"credentials": {"valkey": {"password": PASSWORD}}})
        raise automation.errors.CommandError(
            CommandResult(stdout=printed, stderr="\nerror: no stack named 'dev-alice' found\nmore detail\n", code=255)
        )

    monkeypatch.setattr(automation, "select_stack", failing)
    assert cli.main(["--stack", "dev-alice", "--no-progress"], stdout=io.StringIO()) == 2
    assert capsys.readouterr().err == (
        "verify: cannot read the outputs of stack dev-alice: CommandError: error: no stack named 'dev-alice' found\n"
    )


def test_retries_wait_first_delay_doubling_and_stop_at_the_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    calls: list[int] = []

    def down(_endpoints: object, _credentials: object) -> str:
        calls.append(1)
        raise ConnectionRefusedError(111, "Connection refused")

    result = cli.run_check("x", Check("down", down), {}, {}, set(), attempts=4, first_delay=0.5)
    assert (result.ok, result.attempts, len(calls)) == (False, 4, 4)
    assert slept == [0.5, 1.0, 2.0]
    assert result.detail == "ConnectionRefusedError: [Errno 111] Connection refused"


def test_no_try_starts_whose_wait_would_end_past_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The deadline is 3 s away: waits of 0.5 and 1 s fit, the third (2 s, ending at 3.5 s) does not."""
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(time, "sleep", lambda seconds: clock.__setitem__(0, clock[0] + seconds))

    def down(_endpoints: object, _credentials: object) -> str:
        raise ConnectionRefusedError(111, "Connection refused")

    result = cli.run_check("x", Check("down", down), {}, {}, set(), attempts=10, first_delay=0.5, deadline=1003.0)
    assert (result.ok, result.attempts, clock[0]) == (False, 3, 1001.5)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("mongodb", "no data sheet for kind mongodb (components/mongodb.py)"),
        ("../etc", "'../etc' is not a kind of service"),
        ("ports", "components/ports.py is not the data sheet of kind ports"),
    ],
)
def test_a_kind_without_a_data_sheet_fails_its_instance_in_one_line(kind: str, message: str) -> None:
    results, _ = cli.run_all({"audit": {}}, {}, kinds={"audit": kind})
    assert [(r.service, r.ok, r.detail, r.attempts) for r in results] == [
        ("audit", False, f"LookupError: {message}", 0)
    ]


def test_outputs_whose_kinds_are_not_names_are_refused() -> None:
    with pytest.raises(cli.OutputsError, match=r"^stack outputs have `kinds` that are not instance -> kind names$"):
        cli.parse_outputs(json.dumps({"endpoints": {}, "kinds": {"nats": 1}}))


def test_an_instance_is_checked_by_its_kinds_sheet_and_reported_under_its_own_name() -> None:
    results, _ = cli.run_all({"audit": {}}, {}, kinds={"audit": "postgres"})
    assert [(r.service, r.check, r.detail) for r in results] == [
        ("audit", "library query", "EndpointError: the stack outputs have no client endpoint for audit")
    ]
