"""Write the stack's connection settings as a .env file for the applications.

    pulumi stack output --json --show-secrets | venv/bin/python -m connect.dotenv --output .env

Reads the stack outputs (JSON) on stdin and writes every variable of the `connections` output,
grouped by service. The file holds credentials: it is created mode 0600, and no value is ever
printed to the terminal (messages name variables, never values). A file this command did not
write (its first line says who wrote it) is left alone unless --force. Without --output the file
goes to stdout, which must then be redirected to a file or a pipe, not left on a terminal.

Values are written bare where every .env reader takes them as they are (docker --env-file,
docker compose, python-dotenv, `set -a; . ./.env`), and single-quoted otherwise. A value no quoting
keeps the same for all of them (a line break or other control character, a quote, a backslash) is
refused in one line naming the variable: nothing in the stack outputs can add a line to the file.
The target must be a regular file (or not exist yet); FIFOs, devices, directories and symlinks to
them are refused without being opened.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import stat
import sys
import tempfile
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

MARKER = "# Written by `python -m connect.dotenv` from the stack outputs; it rewrites this file."
SHOW_SECRETS = "pipe in `pulumi stack output --json --show-secrets`"
_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
_SERVICE = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
# Nothing any .env reader or a POSIX shell assignment treats specially.
_BARE = re.compile(r"[A-Za-z0-9_./:@%+=,\[\]-]*")
# Inside single quotes python-dotenv reads `\\` and `\'` as escapes and expands `${NAME}` (1.2.4,
# interpolation on by default), none of which POSIX sh does; neither has a way to keep them apart.
_UNQUOTABLE = re.compile(r"['\\]|\$\{")
# The stack outputs of eight services are a few kilobytes; anything near this is not them.
MAX_INPUT = 16 * 1024 * 1024


class DotenvError(Exception):
    """Input or target this command refuses; the message names no secret value."""


def _breaks_lines(text: str) -> bool:
    # Control characters (newline, CR, NUL, ...) and the Unicode line and paragraph separators,
    # which str.splitlines and some readers take as line ends.
    return any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in text)


def _shown(name: object) -> str:
    """A name from the input on one line, cut short: it is not a secret, but it is not ours either."""
    text = ascii(str(name))
    return text if len(text) <= 60 else text[:57] + "..."


def _connections(outputs: Any) -> dict[str, dict[str, str]]:
    if not isinstance(outputs, dict):
        raise DotenvError(f"the input is not the stack outputs as a JSON object; {SHOW_SECRETS}")
    connections = outputs.get("connections")
    if connections is None:
        raise DotenvError(f"the stack outputs have no `connections` (is the stack up on this version?); {SHOW_SECRETS}")
    if connections == "[secret]" or (
        isinstance(connections, dict) and any(v == "[secret]" for v in connections.values())
    ):
        raise DotenvError(f"the connection settings are hidden; {SHOW_SECRETS}")
    if not isinstance(connections, dict):
        raise DotenvError("`connections` is not an object of services")
    checked: dict[str, dict[str, str]] = {}
    for service, variables in connections.items():
        if not _SERVICE.fullmatch(str(service)):
            raise DotenvError(f"`connections` names a service {_shown(service)}, which is not a service name")
        if not isinstance(variables, dict):
            raise DotenvError(f"`connections.{service}` is not an object of variables")
        for name, value in variables.items():
            if not _NAME.fullmatch(str(name)):
                raise DotenvError(f"`connections.{service}`: {_shown(name)} is not an environment variable name")
            if not isinstance(value, str):
                raise DotenvError(f"`{name}` is not text")
        checked[str(service)] = {str(name): value for name, value in variables.items()}
    return checked


def _forwards(outputs: Mapping[str, Any]) -> list[str]:
    """The portForward lines, each checked to stay one comment line."""
    forwards = outputs.get("portForward")
    if not isinstance(forwards, dict):
        return []
    lines = []
    for service, command in forwards.items():
        if not isinstance(command, str) or _breaks_lines(command):
            raise DotenvError(f"`portForward.{_shown(service)}` is not one line of text")
        lines.append(command)
    return lines


# Ours, not a library's: python-dotenv's set_key escapes quotes and backslashes, which sh then reads
# as an unterminated quote, and shlex.quote's '"'"' is a line python-dotenv cannot parse
# (tests/test_dotenv_readers.py shows both).
def _quoted(name: str, value: str) -> str:
    if _BARE.fullmatch(value):
        return value
    if _breaks_lines(value):
        raise DotenvError(f"`{name}` holds a line break or another control character, which would split its line")
    if _UNQUOTABLE.search(value):
        raise DotenvError(f"`{name}` holds a quote, a backslash or ${{, which .env readers do not all read the same")
    return f"'{value}'"


def render(outputs: Mapping[str, Any]) -> str:
    """The .env text for these stack outputs; raises DotenvError for outputs it cannot use."""
    connections = _connections(outputs)
    lines = [MARKER, "# It holds credentials: keep it out of version control."]
    forwards = _forwards(outputs)
    if forwards:
        lines.append("# Reachable only while these run (stack output portForward):")
        lines.extend(f"#   {command}" for command in forwards)
    seen: dict[str, str] = {}
    for service in sorted(connections):
        lines.extend(["", f"# {service}"])
        for name, value in connections[service].items():
            if name in seen:
                raise DotenvError(f"`{name}` is set by both {seen[name]} and {service}")
            seen[name] = service
            lines.append(f"{name}={_quoted(name, value)}")
    return "\n".join(lines) + "\n"


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_a_file(mode: int) -> str | None:
    return next((kind for test, kind in _KINDS if test(mode)), None if stat.S_ISREG(mode) else "not a regular file")


def _written_by_us(path: Path) -> bool:
    # O_NONBLOCK: a FIFO swapped in since the check must not hang the open; fstat then judges
    # what was really opened, and only a regular file is read (at most one line's worth).
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError:
        return False
    with os.fdopen(descriptor, "rb") as existing:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return False
        return existing.readline(len(MARKER) + 2).rstrip(b"\n") == MARKER.encode()


def write_file(path: Path, text: str, *, force: bool) -> None:
    """Replace `path` with `text`, mode 0600 from the first byte; refuse to replace a file this
    command did not write unless `force`, and anything but a regular file always."""
    try:
        kind = _not_a_file(os.stat(path).st_mode)  # follows a symlink to what it names
    except FileNotFoundError:
        kind = None  # nothing there yet, or a dangling symlink, which the new file replaces
    except OSError as error:
        raise DotenvError(f"cannot look at {path}: {error.strerror}") from None
    if kind is not None:
        link = " (through a symlink)" if path.is_symlink() else ""
        raise DotenvError(f"{path} is {kind}{link}, not a .env file; pass a regular file's path")
    if path.exists() and not force and not _written_by_us(path):
        raise DotenvError(f"{path} exists and was not written by this command; move it away or pass --force")
    folder = path.parent if str(path.parent) else Path(".")
    # mkstemp creates the file 0600; os.replace swaps it in whole, so no reader sees half a file.
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    except OSError as error:
        raise DotenvError(f"cannot write in {folder}: {error.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_stream(out: IO[str], text: str) -> None:
    """Write to stdout: never to a terminal; a regular file it was redirected to becomes 0600."""
    if out.isatty():
        raise DotenvError("refusing to print credentials to a terminal; pass --output .env (or redirect stdout)")
    descriptor = out.fileno()
    if stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.fchmod(descriptor, 0o600)
    out.write(text)
    out.flush()


def main(argv: list[str] | None = None, stdin: IO[str] | None = None, stdout: IO[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m connect.dotenv", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="the .env file to write (mode 0600); default: stdout")
    parser.add_argument("--force", action="store_true", help="replace --output even if this command did not write it")
    args = parser.parse_args(argv)
    source = sys.stdin if stdin is None else stdin
    try:
        if source.isatty():
            raise DotenvError(f"nothing piped in; {SHOW_SECRETS}")
        document = source.read(MAX_INPUT + 1)
        if len(document) > MAX_INPUT:
            raise DotenvError(
                f"the input is over {MAX_INPUT // 1024 // 1024} MiB, so not stack outputs; {SHOW_SECRETS}"
            )
        try:
            outputs = json.loads(document)
        except json.JSONDecodeError as error:
            raise DotenvError(f"the input is not JSON (line {error.lineno}); {SHOW_SECRETS}") from None
        except (ValueError, RecursionError):
            # Numbers beyond Python's digit limit, or nesting beyond its recursion limit.
            raise DotenvError(f"the input is not JSON this command can read; {SHOW_SECRETS}") from None
        text = render(outputs)
        if args.output is not None:
            write_file(args.output, text, force=args.force)
        else:
            write_stream(sys.stdout if stdout is None else stdout, text)
    except DotenvError as error:
        print(f"dotenv: {error}", file=sys.stderr)
        return 2
    count = sum(line[:1].isalpha() or line[:1] == "_" for line in text.splitlines())
    where = args.output if args.output is not None else "stdout"
    print(f"dotenv: wrote {count} variables to {where}", file=sys.stderr)
    if _forwards(outputs):
        print("dotenv: the services are reachable only through the portForward lines at its top", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
