"""`python -m connect.dotenv`: the .env for the applications, 0600, no secret on the terminal, no
file it did not write replaced unless asked."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from connect import dotenv
from offline.engine import ROOT, Plan, reveal

OUTPUTS: dict[str, Any] = {
    "endpoints": {"nats": {"client": "nats://127.0.0.1:4222"}},
    "connections": {
        "valkey": {"REDIS_URL": "redis://:s3cretValue@127.0.0.1:6379/0"},
        "nats": {"NATS_URL": "nats://127.0.0.1:4222"},
        "questdb": {"QDB_CLIENT_CONF": "http::addr=127.0.0.1:9000;", "QUESTDB_HTTP_URL": "http://127.0.0.1:9000"},
    },
}
SECRET_VALUE = "s3cretValue"
EXPECTED = """\
# Written by `python -m connect.dotenv` from the stack outputs; it rewrites this file.
# It holds credentials: keep it out of version control.

# nats
NATS_URL=nats://127.0.0.1:4222

# questdb
QDB_CLIENT_CONF='http::addr=127.0.0.1:9000;'
QUESTDB_HTTP_URL=http://127.0.0.1:9000

# valkey
REDIS_URL=redis://:s3cretValue@127.0.0.1:6379/0
"""


def _run(
    argv: list[str], outputs: Any, capsys: pytest.CaptureFixture[str], stdout: io.StringIO | None = None
) -> tuple[int, str]:
    text = outputs if isinstance(outputs, str) else json.dumps(outputs)
    code = dotenv.main(argv, stdin=io.StringIO(text), stdout=stdout)
    captured = capsys.readouterr()
    assert SECRET_VALUE not in captured.out + captured.err, "a secret reached the terminal"
    return code, captured.err


def test_writes_every_variable_grouped_by_service_into_a_0600_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / ".env"
    code, err = _run(["--output", str(target)], OUTPUTS, capsys)
    assert (code, err) == (0, f"dotenv: wrote 4 variables to {target}\n")
    assert target.read_text() == EXPECTED
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_refuses_to_replace_a_file_it_did_not_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / ".env"
    target.write_text("MY_OWN=setting\n")
    code, err = _run(["--output", str(target)], OUTPUTS, capsys)
    assert (code, err) == (
        2,
        f"dotenv: {target} exists and was not written by this command; move it away or pass --force\n",
    )
    assert target.read_text() == "MY_OWN=setting\n"


def test_replaces_its_own_file_and_with_force_any_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    own, other = tmp_path / "own.env", tmp_path / "other.env"
    own.write_text(dotenv.MARKER + "\nOLD=1\n")
    other.write_text("MY_OWN=setting\n")
    other.chmod(0o644)
    assert _run(["--output", str(own)], OUTPUTS, capsys)[0] == 0
    assert _run(["--output", str(other), "--force"], OUTPUTS, capsys)[0] == 0
    assert own.read_text() == other.read_text() == EXPECTED
    assert stat.S_IMODE(other.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.env", "own.env"], "a temporary file was left"


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        (
            {"connections": "[secret]"},
            "dotenv: the connection settings are hidden; pipe in `pulumi stack output --json --show-secrets`\n",
        ),
        (
            {"connections": {"nats": "[secret]"}},
            "dotenv: the connection settings are hidden; pipe in `pulumi stack output --json --show-secrets`\n",
        ),
        (
            {"endpoints": {}},
            "dotenv: the stack outputs have no `connections` (is the stack up on this version?); "
            "pipe in `pulumi stack output --json --show-secrets`\n",
        ),
        ("not json", "dotenv: the input is not JSON (line 1); pipe in `pulumi stack output --json --show-secrets`\n"),
        (
            {"connections": {"valkey": {"REDIS_URL": f"it's {SECRET_VALUE}"}}},
            "dotenv: `REDIS_URL` holds a quote or a line break, which no .env format keeps the same\n",
        ),
        (
            {"connections": {"a": {"X": "1"}, "b": {"X": "2"}}},
            "dotenv: `X` is set by both a and b\n",
        ),
    ],
)
def test_outputs_it_cannot_use_are_one_line_naming_no_value(
    outputs: Any, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(["--output", str(tmp_path / ".env")], outputs, capsys) == (2, message)
    assert not (tmp_path / ".env").exists()


def test_refuses_to_print_to_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    code, err = _run([], OUTPUTS, capsys, stdout=terminal)
    assert code == 2
    assert err == "dotenv: refusing to print credentials to a terminal; pass --output .env (or redirect stdout)\n"
    assert terminal.getvalue() == ""


def test_a_terminal_on_stdin_is_refused_instead_of_waiting_for_input(capsys: pytest.CaptureFixture[str]) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert dotenv.main(["--output", ".env"], stdin=Terminal()) == 2
    assert capsys.readouterr().err == (
        "dotenv: nothing piped in; pipe in `pulumi stack output --json --show-secrets`\n"
    )


def test_stdout_redirected_to_a_file_becomes_0600(tmp_path: Path) -> None:
    """`... | python -m connect.dotenv > .env`: the shell creates .env with the umask's mode."""
    target = tmp_path / ".env"
    with target.open("w") as out:
        os.chmod(target, 0o644)
        result = subprocess.run(
            [sys.executable, "-m", "connect.dotenv"],
            input=json.dumps(OUTPUTS),
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            check=False,
        )
    assert (result.returncode, result.stderr) == (0, "dotenv: wrote 4 variables to stdout\n")
    assert target.read_text() == EXPECTED
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_port_forward_lines_are_noted_at_the_top(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = {**OUTPUTS, "portForward": {"nats": "ssh -N -L 127.0.0.1:4222:127.0.0.1:4222 dev@devbox"}}
    code, err = _run(["--output", str(tmp_path / ".env")], outputs, capsys)
    assert code == 0
    assert err.endswith("dotenv: the services are reachable only through the portForward lines at its top\n")
    assert (tmp_path / ".env").read_text().splitlines()[2:4] == [
        "# Reachable only while these run (stack output portForward):",
        "#   ssh -N -L 127.0.0.1:4222:127.0.0.1:4222 dev@devbox",
    ]


def test_a_shell_reading_the_dev_stacks_env_gets_every_connection_setting_as_it_is(
    dev_plan: Plan, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The dev stack's outputs as `pulumi stack output --json --show-secrets` prints them, then
    `set -a; . ./.env` in POSIX sh: each variable holds exactly the connection setting."""
    outputs = reveal(dev_plan.outputs)
    target = tmp_path / ".env"
    assert _run(["--output", str(target)], outputs, capsys)[0] == 0
    shell = subprocess.run(
        ["sh", "-c", 'set -a; . "$1"; env -0', "sh", str(target)],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
        check=True,
    )
    seen = dict(line.split("=", 1) for line in shell.stdout.split("\0") if line)
    expected = {name: value for service in outputs["connections"].values() for name, value in service.items()}
    assert len(expected) == 13
    assert {name: seen.get(name) for name in expected} == expected
