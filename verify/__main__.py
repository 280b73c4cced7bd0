"""Does the stack work? One round trip per enabled service, concurrently, with the stack's credentials.

Each instance's round trip is its data sheet's (`components/<kind>.py`), found by the kind the
`kinds` output gives it (outputs from before that output: the instance's own name).

    pulumi stack output --json --show-secrets | venv/bin/python -m verify
    venv/bin/python -m verify --stack dev-alice        # reads the outputs itself (Pulumi CLI needed)
    ... --json                                         # the same result as JSON

Exit status: 0 when every check passed, 1 when any failed, 2 when the outputs or the arguments
cannot be used. The stack's published ports are on the Docker host: with a remote DOCKER_HOST,
open the `ssh -L` tunnels first and point the endpoints at them.

Every check is bounded: it connects only to endpoints of its service's own URL schemes, each call
has connect and read timeouts, every answer verify reads itself is read within 1 MiB, and a
service still unanswered at the deadline (--timeout, default 60 s, all attempts included) fails
with one line while the others report.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shlex
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NoReturn, TextIO

from tenacity import RetryCallState, Retrying, stop_after_attempt, wait_exponential
from tenacity.stop import stop_base

from components.roundtrips import Check, EndpointError

ROOT = Path(__file__).resolve().parent.parent
MAX_ATTEMPTS = 20
MAX_TIMEOUT_S = 600
# The stack outputs of eight services are a few kilobytes; anything near this is not them.
MAX_INPUT = 16 * 1024 * 1024


class OutputsError(Exception):
    """The stack outputs are missing or not what `pulumi stack output --json --show-secrets` gives."""


@dataclass(frozen=True)
class Result:
    service: str
    check: str
    ok: bool
    detail: str
    latency_ms: float
    attempts: int


def scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "[secret]")
    return text


def secret_values(credentials: Mapping[str, Mapping[str, Any]]) -> set[str]:
    # Users and database names are not secret, but hiding them costs nothing; passwords and keys are.
    return {str(v) for service in credentials.values() for v in service.values() if len(str(v)) >= 8}


# Client errors that mean "nothing answered at that address" rather than a wrong answer.
_UNREACHABLE = {"NoServersError", "EndpointConnectionError", "ConnectionError", "ConnectTimeoutError"}


def unreachable(error: Exception) -> bool:
    return isinstance(error, OSError) or type(error).__name__ in _UNREACHABLE or "Connection refused" in str(error)


def shown_tunnel(command: str) -> str:
    """What a message says of a service's `ssh -L` line: its forwards, which name only ports. The
    rest may carry settings the stack marked secret (docker:sshOpts, docker:host), and the
    outputs piped in with --show-secrets no longer say which."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = []
    forwards = [words[i + 1] for i, word in enumerate(words[:-1]) if word == "-L"]
    named = " ".join(f"-L {forward}" for forward in forwards)
    return (
        f"its {named} forward from `pulumi stack output portForward`" if named else "`pulumi stack output portForward`"
    )


def tunnels(text: str) -> dict[str, str]:
    """Per service, how messages name the `ssh -L` line a stack on a remote Docker host outputs."""
    forwards = json.loads(text).get("portForward") or {}
    return {str(k): shown_tunnel(str(v)) for k, v in forwards.items()} if isinstance(forwards, dict) else {}


def parse_outputs(text: str) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]], dict[str, str]]:
    """The endpoints, credentials and kinds of the stack's instances."""
    try:
        outputs = json.loads(text)
    except json.JSONDecodeError as error:
        raise OutputsError(
            f"stack outputs are not JSON ({error.msg}); pipe `pulumi stack output --json --show-secrets`"
        ) from None
    except (ValueError, RecursionError):
        # Numbers beyond Python's digit limit, or nesting beyond its recursion limit.
        raise OutputsError(
            "stack outputs are not JSON verify can read; pipe `pulumi stack output --json --show-secrets`"
        ) from None
    if not isinstance(outputs, dict) or not isinstance(outputs.get("endpoints"), dict):
        raise OutputsError("stack outputs have no `endpoints`; is this a trade2026 stack after `pulumi up`?")
    credentials = outputs.get("credentials") or {}
    if credentials == "[secret]" or not isinstance(credentials, dict):
        raise OutputsError("credentials are hidden: add --show-secrets to `pulumi stack output --json`")
    kinds = outputs.get("kinds") or {}
    if not isinstance(kinds, dict) or not all(isinstance(kind, str) for kind in kinds.values()):
        raise OutputsError("stack outputs have `kinds` that are not instance -> kind names")
    return outputs["endpoints"], credentials, {str(name): kind for name, kind in kinds.items()}


def check_for(kind: str) -> Check:
    """The round trip of the data sheet of `kind` (the `SHEET` of components/<kind>.py); LookupError
    (one line) when there is none."""
    # Imported here: a sheet's settings model needs pydantic, which `--help` does not.
    from components.catalog import KIND

    if not KIND.fullmatch(kind):
        raise LookupError(f"{kind[:40]!r} is not a kind of service")
    try:
        module = importlib.import_module(f"components.{kind}")
    except ModuleNotFoundError:
        raise LookupError(f"no data sheet for kind {kind} (components/{kind}.py)") from None
    sheet = getattr(module, "SHEET", None)
    check = getattr(sheet, "check", None)
    if getattr(sheet, "kind", None) != kind or not isinstance(check, Check):
        raise LookupError(f"components/{kind}.py is not the data sheet of kind {kind}")
    return check


def stack_outputs(stack: str, work_dir: Path) -> str:
    """The outputs of `stack` as `pulumi stack output --json --show-secrets` prints them."""
    from pulumi import automation

    try:
        selected = automation.select_stack(stack_name=stack, work_dir=str(work_dir))
        outputs = selected.outputs()
    except FileNotFoundError:
        raise OutputsError(
            "--stack needs the Pulumi CLI on PATH; without it, pipe `pulumi stack output --json --show-secrets`"
        ) from None
    except Exception as error:
        raise OutputsError(
            f"cannot read the outputs of stack {stack}: {type(error).__name__}: {_cli_reason(error)}"
        ) from None
    return json.dumps({key: output.value for key, output in outputs.items()})


def _cli_reason(error: Exception) -> str:
    """One line of why the CLI failed: the first line of its stderr. The Automation API's message
    also carries the command's stdout, which for `stack output --show-secrets` is the secrets."""
    text = str(error)
    _, found, stderr = text.partition("\n stderr: ")
    lines = [line.strip() for line in (stderr if found else text).splitlines() if line.strip()]
    return lines[0][:200] if lines else "no message"


class _StartsBefore(stop_base):
    """No try after the one whose next sleep would end at or past `deadline` (time.monotonic)."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __call__(self, retry_state: RetryCallState) -> bool:
        return time.monotonic() + retry_state.upcoming_sleep >= self.deadline


def run_check(
    instance: str,
    check: Check,
    endpoints: Mapping[str, str],
    credentials: Mapping[str, str],
    secrets: set[str],
    attempts: int,
    first_delay: float,
    tunnel: str | None = None,
    deadline: float = float("inf"),
) -> Result:
    """The check, retried with a doubling delay (a freshly started server may not answer yet)
    while the next try would still start before `deadline` (time.monotonic)."""
    start = time.monotonic()
    problem = check.endpoint_problem(instance, endpoints)
    if problem:
        return Result(instance, check.name, False, f"{EndpointError.__name__}: {problem}", _ms(start), 0)
    retrying = Retrying(
        stop=stop_after_attempt(attempts) | _StartsBefore(deadline),
        wait=wait_exponential(multiplier=first_delay),
        reraise=True,
    )
    try:
        detail = retrying(check.run, endpoints, credentials)
    except Exception as error:
        reason = scrub(f"{type(error).__name__}: {error}", secrets).strip().splitlines()[0]
        if tunnel and unreachable(error):
            reason += f" (the Docker host is remote: is its tunnel open? {tunnel})"
        return Result(instance, check.name, False, reason, _ms(start), retrying.statistics["attempt_number"])
    return Result(instance, check.name, True, detail, _ms(start), retrying.statistics["attempt_number"])


def _ms(start: float) -> float:
    return round((time.monotonic() - start) * 1000, 1)


def run_all(
    endpoints: Mapping[str, Mapping[str, str]],
    credentials: Mapping[str, Mapping[str, str]],
    *,
    attempts: int = 4,
    first_delay: float = 0.5,
    timeout: float = 60.0,
    progress: Callable[[Sequence[str], Sequence[str], float], None] | None = None,
    checks: Mapping[str, Check] | None = None,
    forwards: Mapping[str, str] | None = None,
    kinds: Mapping[str, str] | None = None,
) -> tuple[list[Result], float]:
    """The check of every instance the stack has enabled (in `endpoints`), all at once; results by
    instance name, as `pulumi stack output` lists them (there is no other order to go by: the
    catalog is the program's). `checks` gives an instance's check (tests); otherwise it is its sheet's,
    found by its kind (`kinds`, else its name). A check still running after `timeout` seconds
    fails; its thread is a daemon, abandoned (a client stuck in a read cannot be interrupted), so
    it never keeps the process alive."""
    secrets = secret_values(credentials)
    start = time.monotonic()
    deadline = start + timeout
    results: dict[str, Result] = {}
    chosen: dict[str, str] = {}
    threads: dict[str, threading.Thread] = {}
    for instance in sorted(endpoints):
        try:
            check = checks[instance] if checks is not None else check_for((kinds or {}).get(instance, instance))
        except LookupError as error:
            reason = f"no check for {instance}" if checks is not None else str(error)
            results[instance] = Result(instance, "-", False, f"LookupError: {reason}", 0.0, 0)
            chosen[instance] = "-"
            continue
        chosen[instance] = check.name
        arguments = (
            instance,
            check,
            endpoints[instance],
            credentials.get(instance, {}),
            secrets,
            attempts,
            first_delay,
            (forwards or {}).get(instance),
            deadline,
        )
        threads[instance] = threading.Thread(
            target=lambda name, args: results.setdefault(name, run_check(*args)),
            args=(instance, arguments),
            name=f"verify-{instance}",
            daemon=True,
        )
        threads[instance].start()
    while True:
        pending = [service for service, thread in threads.items() if thread.is_alive()]
        if progress is not None:
            finished = [service for service in threads if service not in pending]
            progress(pending, finished, time.monotonic() - start)
        if not pending or time.monotonic() >= deadline:
            break
        if progress is None:
            threads[pending[0]].join(timeout=max(0.0, deadline - time.monotonic()))
        else:
            time.sleep(0.1)
    for instance, name in chosen.items():
        late = Result(instance, name, False, f"no answer within {timeout:g} s (--timeout)", _ms(start), 0)
        results.setdefault(instance, late)
    return [results[instance] for instance in chosen], _ms(start)


class Progress:
    """What the user sees while checks wait: a live line on a terminal, one line per finished
    service otherwise (CI logs); always on stderr, so stdout stays the result."""

    FRAMES = "|/-\\"

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self.reported: set[str] = set()
        self.tick = 0

    def __call__(self, pending: Sequence[str], finished: Sequence[str], elapsed: float) -> None:
        total = len(pending) + len(finished)
        if self.live:
            self.tick += 1
            frame = self.FRAMES[self.tick % len(self.FRAMES)]
            line = f"{frame} {len(finished)}/{total} checked, {elapsed:4.1f} s, waiting for: {', '.join(pending)}"
            self.stream.write("\r\033[K" + (line[:120] if pending else ""))
        else:
            if not self.tick:
                self.tick = 1
                self.stream.write(f"checking {total} services: {', '.join([*finished, *pending])}\n")
            for service in finished:
                if service not in self.reported:
                    self.reported.add(service)
                    self.stream.write(f"  {service} done after {elapsed:.1f} s\n")
        self.stream.flush()


def table(results: Sequence[Result], total_ms: float) -> str:
    rows = [("SERVICE", "CHECK", "RESULT", "LATENCY", "DETAIL")]
    for r in results:
        rows.append((r.service, r.check, "ok" if r.ok else "FAIL", f"{r.latency_ms:.0f} ms", r.detail))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[4]]) for row in rows]
    failed = [r.service for r in results if not r.ok]
    summary = f"{len(results) - len(failed)}/{len(results)} services work ({total_ms / 1000:.1f} s)"
    if failed:
        summary += f"; FAILED: {', '.join(failed)}"
    return "\n".join([*lines, "", summary])


class _Parser(argparse.ArgumentParser):
    """Bad arguments are one line and exit 2, like every other refusal of verify's."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"verify: {message} (see --help)\n")


def _bounded_int(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        # Digits only, so no "1_000", "٣" or 4000-digit number reaches int().
        value = int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else -1
        if not low <= value <= high:
            shown = text if len(text) <= 20 else text[:17] + "..."
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, got {shown!r}")
        return value

    return parse


def main(argv: Sequence[str] | None = None, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    parser = _Parser(prog="python -m verify", description=__doc__.split("\n")[0])
    parser.add_argument("--stack", help="read this stack's outputs through the Pulumi CLI instead of stdin")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--attempts",
        type=_bounded_int(1, MAX_ATTEMPTS),
        default=4,
        help=f"tries per service before it fails, 1 to {MAX_ATTEMPTS} (default 4)",
    )
    parser.add_argument(
        "--timeout",
        type=_bounded_int(1, MAX_TIMEOUT_S),
        default=60,
        help=f"seconds each service gets, all its tries included, 1 to {MAX_TIMEOUT_S} (default 60)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress display on stderr")
    args = parser.parse_args(argv)
    if not args.stack and stdin.isatty():
        # Nothing piped in: say how, instead of waiting for typed JSON.
        print("verify: pipe `pulumi stack output --json --show-secrets` into it, or pass --stack NAME", file=sys.stderr)
        return 2
    try:
        text = stack_outputs(args.stack, ROOT) if args.stack else stdin.read(MAX_INPUT + 1)
        if len(text) > MAX_INPUT:
            raise OutputsError(f"the input is over {MAX_INPUT // 1024 // 1024} MiB, so not stack outputs")
        endpoints, credentials, kinds = parse_outputs(text)
    except OutputsError as error:
        print(f"verify: {error}", file=sys.stderr)
        return 2
    if not endpoints:
        print("verify: the stack has no enabled service", file=sys.stderr)
        return 2
    progress = None if args.no_progress else Progress(sys.stderr)
    results, total_ms = run_all(
        endpoints,
        credentials,
        attempts=args.attempts,
        timeout=args.timeout,
        progress=progress,
        forwards=tunnels(text),
        kinds=kinds,
    )
    if args.json:
        document = {"ok": all(r.ok for r in results), "total_ms": total_ms, "results": [asdict(r) for r in results]}
        stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        stdout.write(table(results, total_ms) + "\n")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
