"""Does the stack work? One round trip per enabled service, concurrently, with the stack's credentials.

    pulumi stack output --json --show-secrets | venv/bin/python -m verify
    venv/bin/python -m verify --stack dev-alice        # reads the outputs itself (Pulumi CLI needed)
    ... --json                                         # the same result as JSON

Exit status: 0 when every check passed, 1 when any failed, 2 when the outputs cannot be read.
The stack's published ports are on the Docker host: with a remote DOCKER_HOST, open the `ssh -L`
tunnels first and point the endpoints at them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

from .checks import CHECKS, Check

ROOT = Path(__file__).resolve().parent.parent


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


def tunnels(text: str) -> dict[str, str]:
    """The `ssh -L` line per service a stack on a remote Docker host outputs (`portForward`)."""
    forwards = json.loads(text).get("portForward") or {}
    return {str(k): str(v) for k, v in forwards.items()} if isinstance(forwards, dict) else {}


def parse_outputs(text: str) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    try:
        outputs = json.loads(text)
    except json.JSONDecodeError as error:
        raise OutputsError(
            f"stack outputs are not JSON ({error.msg}); pipe `pulumi stack output --json --show-secrets`"
        ) from None
    if not isinstance(outputs, dict) or not isinstance(outputs.get("endpoints"), dict):
        raise OutputsError("stack outputs have no `endpoints`; is this a trade2026 stack after `pulumi up`?")
    credentials = outputs.get("credentials") or {}
    if credentials == "[secret]" or not isinstance(credentials, dict):
        raise OutputsError("credentials are hidden: add --show-secrets to `pulumi stack output --json`")
    return outputs["endpoints"], credentials


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
        raise OutputsError(f"cannot read the outputs of stack {stack}: {type(error).__name__}: {error}") from None
    return json.dumps({key: output.value for key, output in outputs.items()})


def run_check(
    check: Check,
    endpoints: Mapping[str, str],
    credentials: Mapping[str, str],
    secrets: set[str],
    attempts: int,
    first_delay: float,
    tunnel: str | None = None,
) -> Result:
    """The check, retried with a doubling delay: a freshly started server may not answer yet."""
    start = time.monotonic()
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            detail = check.run(endpoints, credentials)
        except Exception as error:
            if attempt < attempts:
                time.sleep(delay)
                delay *= 2
                continue
            reason = scrub(f"{type(error).__name__}: {error}", secrets).strip().splitlines()[0]
            if tunnel and unreachable(error):
                reason += f" (the Docker host is remote: is its tunnel open? {tunnel})"
            return Result(check.service, check.name, False, reason, _ms(start), attempt)
        return Result(check.service, check.name, True, detail, _ms(start), attempt)
    raise AssertionError("unreachable")


def _ms(start: float) -> float:
    return round((time.monotonic() - start) * 1000, 1)


def run_all(
    endpoints: Mapping[str, Mapping[str, str]],
    credentials: Mapping[str, Mapping[str, str]],
    *,
    attempts: int = 4,
    first_delay: float = 0.5,
    progress: Callable[[Sequence[str], Sequence[str], float], None] | None = None,
    checks: Sequence[Check] | None = None,
    forwards: Mapping[str, str] | None = None,
) -> tuple[list[Result], float]:
    """Every check whose service the stack has enabled, all at once; results in catalog order."""
    secrets = secret_values(credentials)
    chosen = [check for check in (CHECKS if checks is None else checks) if check.service in endpoints]
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(len(chosen), 1)) as pool:
        futures: dict[str, Future[Result]] = {
            check.service: pool.submit(
                run_check,
                check,
                endpoints[check.service],
                credentials.get(check.service, {}),
                secrets,
                attempts,
                first_delay,
                (forwards or {}).get(check.service),
            )
            for check in chosen
        }
        while progress is not None:
            pending = [service for service, future in futures.items() if not future.done()]
            finished = [service for service in futures if service not in pending]
            progress(pending, finished, time.monotonic() - start)
            if not pending:
                break
            time.sleep(0.1)
    results = [futures[check.service].result() for check in chosen]
    return results, _ms(start)


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


def main(argv: Sequence[str] | None = None, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="python -m verify", description=__doc__.split("\n")[0])
    parser.add_argument("--stack", help="read this stack's outputs through the Pulumi CLI instead of stdin")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--attempts", type=int, default=4, help="tries per service before it fails (default 4)")
    parser.add_argument("--no-progress", action="store_true", help="no progress display on stderr")
    args = parser.parse_args(argv)
    if not args.stack and stdin.isatty():
        # Nothing piped in: say how, instead of waiting for typed JSON.
        print("verify: pipe `pulumi stack output --json --show-secrets` into it, or pass --stack NAME", file=sys.stderr)
        return 2
    try:
        text = stack_outputs(args.stack, ROOT) if args.stack else stdin.read()
        endpoints, credentials = parse_outputs(text)
    except OutputsError as error:
        print(f"verify: {error}", file=sys.stderr)
        return 2
    if not endpoints:
        print("verify: the stack has no enabled service", file=sys.stderr)
        return 2
    progress = None if args.no_progress else Progress(sys.stderr)
    results, total_ms = run_all(
        endpoints, credentials, attempts=args.attempts, progress=progress, forwards=tunnels(text)
    )
    if args.json:
        document = {"ok": all(r.ok for r in results), "total_ms": total_ms, "results": [asdict(r) for r in results]}
        stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        stdout.write(table(results, total_ms) + "\n")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
