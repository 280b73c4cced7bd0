"""The .env that `connect.dotenv` writes, read back by python-dotenv (the reference .env parser)
and by POSIX sh: every value it accepts reads back exactly, and nothing can add a variable."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from connect import dotenv
from tests.real.support import require_modules

require_modules("dotenv", how="venv/bin/pip install -r requirements-real.txt")

from dotenv import dotenv_values  # noqa: E402 (after the check that it is installed)

# Values a stack could really hand over (supplied credentials pass components/credential_rules.py
# with all of these) holding what each reader treats specially somewhere.
TRICKY = {
    "SPACES": "pass word with  spaces",
    "DOLLAR": "p$HOME $PATH$(id)`id`$",
    "HASH": "p#not-a-comment #",
    "DOUBLE": 'say "hi"',
    "SHELL": "a;b&c|d>e<f*g?h!i~j",
    "EQUALS": "=a=b==",
    "UNICODE": "pässwörd-密码",
    "BRACES": "{}[]()",
    "EMPTY": "",
    "URL": "redis://:Vault_OpenSearch-8eW2q%40x@127.0.0.1:6379/0",
}


def _written(tmp_path: Path, variables: dict[str, str]) -> Path:
    target = tmp_path / ".env"
    text = dotenv.render({"connections": {"app": variables}})
    dotenv.write_file(target, text, force=False)
    return target


def test_python_dotenv_reads_every_value_back_exactly(tmp_path: Path) -> None:
    target = _written(tmp_path, TRICKY)
    assert dotenv_values(target) == TRICKY


def test_posix_sh_reads_every_value_back_exactly(tmp_path: Path) -> None:
    target = _written(tmp_path, TRICKY)
    shell = subprocess.run(
        ["sh", "-c", 'set -a; . "$1"; env -0', "sh", str(target)],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "HOME": "/home/nobody"},
        check=True,
    )
    seen = dict(line.split("=", 1) for line in shell.stdout.split("\0") if line)
    assert {name: seen.get(name) for name in TRICKY} == TRICKY


@pytest.mark.parametrize(
    "value", ["x\nINJECTED=1", "x\rINJECTED=1", "x\r\nINJECTED=1", "x\u2028INJECTED=1", "x'", "x\\", "x${HOME}"]
)
def test_a_value_that_would_read_back_otherwise_is_never_written(value: str, tmp_path: Path) -> None:
    with pytest.raises(dotenv.DotenvError):
        _written(tmp_path, {"PASSWORD": value})
    assert not (tmp_path / ".env").exists()


def _sh_reads(target: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", "-c", 'set -a; . "$1"; printf %s "$X"', "sh", str(target)],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
    )


def test_neither_library_writer_keeps_a_quote_the_same_for_both_readers(tmp_path: Path) -> None:
    """Why connect.dotenv quotes by itself and refuses quotes and backslashes: python-dotenv's
    set_key escapes them (\\' and \\\\), which sh does not read; shlex.quote closes and reopens
    the quotes ('"'"'), which python-dotenv cannot parse."""
    import shlex

    from dotenv import set_key

    value = "a'b\\c"
    written = tmp_path / "set_key.env"
    written.write_text("")
    set_key(written, "X", value)
    assert written.read_text() == "X='a\\'b\\\\c'\n"
    assert dotenv_values(written) == {"X": value}
    refused = _sh_reads(written)
    assert (refused.returncode != 0, refused.stdout) == (True, "")

    quoted = tmp_path / "shlex.env"
    quoted.write_text(f"X={shlex.quote(value)}\n")
    assert _sh_reads(quoted).stdout == value
    assert dotenv_values(quoted) == {}
