"""`python -m connect.dotenv`: the .env for the applications, 0600, no secret on the terminal, no
file it did not write replaced unless asked."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import threading
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
            "dotenv: `REDIS_URL` holds a quote, a backslash or ${, which .env readers do not all read the same\n",
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


LINE_BREAK = "holds a line break or another control character, which would split its line"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (f"{SECRET_VALUE}\nINJECTED=1", LINE_BREAK),
        (f"{SECRET_VALUE}\rINJECTED=1", LINE_BREAK),
        (f"{SECRET_VALUE}\x00", LINE_BREAK),
        (f"{SECRET_VALUE}\u2028INJECTED=1", LINE_BREAK),
        (f"{SECRET_VALUE}\x1b[2J", LINE_BREAK),
        (f"{SECRET_VALUE}\\\\x", "holds a quote, a backslash or ${, which .env readers do not all read the same"),
        (f"{SECRET_VALUE}\\", "holds a quote, a backslash or ${, which .env readers do not all read the same"),
    ],
)
def test_a_value_no_quoting_keeps_on_one_line_for_every_reader_is_refused_naming_only_the_variable(
    value: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = {"connections": {"valkey": {"REDIS_URL": value}}}
    assert _run(["--output", str(tmp_path / ".env")], outputs, capsys) == (2, f"dotenv: `REDIS_URL` {message}\n")
    assert not (tmp_path / ".env").exists()


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        (
            {"connections": {"nats\nEVIL=1": {"NATS_URL": "nats://x:1"}}},
            "dotenv: `connections` names a service 'nats\\nEVIL=1', which is not a service name\n",
        ),
        (
            {"connections": {"nats": {"X\nEVIL": "1"}}},
            "dotenv: `connections.nats`: 'X\\nEVIL' is not an environment variable name\n",
        ),
        (
            {**OUTPUTS, "portForward": {"nats": "ssh -N devbox\nEVIL=1"}},
            "dotenv: `portForward.'nats'` is not one line of text\n",
        ),
        ({**OUTPUTS, "portForward": {"nats": 22}}, "dotenv: `portForward.'nats'` is not one line of text\n"),
    ],
)
def test_names_and_comment_lines_from_the_outputs_cannot_add_a_line_either(
    outputs: Any, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(["--output", str(tmp_path / ".env")], outputs, capsys) == (2, message)
    assert not (tmp_path / ".env").exists()


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "the input is not JSON this command can read"),
        ('{"connections": ' + "9" * 5000 + "}", "the input is not JSON this command can read"),
        (" " * (dotenv.MAX_INPUT + 1), "the input is over 16 MiB, so not stack outputs"),
    ],
)
def test_hostile_input_is_one_line_not_a_traceback(
    document: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(["--output", str(tmp_path / ".env")], document, capsys)
    assert (code, err) == (2, f"dotenv: {message}; pipe in `pulumi stack output --json --show-secrets`\n")


def _special_targets(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    links = {"fifo-link": fifo, "folder-link": folder, "device-link": Path("/dev/null")}
    for name, target in links.items():
        (tmp_path / name).symlink_to(target)
    return {
        "fifo": (fifo, "a FIFO"),
        "folder": (folder, "a directory"),
        "device": (Path("/dev/null"), "a character device"),
        "fifo-link": (tmp_path / "fifo-link", "a FIFO (through a symlink)"),
        "folder-link": (tmp_path / "folder-link", "a directory (through a symlink)"),
        "device-link": (tmp_path / "device-link", "a character device (through a symlink)"),
    }


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_a_fifo_device_or_directory_as_the_target_is_refused_at_once_without_opening_it(
    tmp_path: Path, force: list[str]
) -> None:
    """In a child process with a timeout: opening a FIFO with no writer would block forever."""
    for label, (target, kind) in _special_targets(tmp_path).items():
        result = subprocess.run(
            [sys.executable, "-m", "connect.dotenv", "--output", str(target), *force],
            input=json.dumps(OUTPUTS),
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=20,
            check=False,
        )
        assert (result.returncode, result.stderr) == (
            2,
            f"dotenv: {target} is {kind}, not a .env file; pass a regular file's path\n",
        ), label
    assert stat.S_ISFIFO(os.lstat(tmp_path / "fifo").st_mode), "the FIFO was replaced"
    assert sorted(p.name for p in (tmp_path / "folder").iterdir()) == []


def test_a_fifo_swapped_in_after_the_check_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / ".env"
    os.mkfifo(fifo)
    answers: list[bool] = []
    # A thread, so that an open that blocks fails this test instead of hanging the suite.
    reader = threading.Thread(target=lambda: answers.append(dotenv._written_by_us(fifo)), daemon=True)
    reader.start()
    reader.join(timeout=5)
    assert answers == [False], "opening the FIFO blocked"
    if reader.is_alive():
        with fifo.open("w"):
            pass  # let the blocked open finish
