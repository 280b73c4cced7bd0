"""An OCI runtime wrapper for test machines that cannot raise resource limits: dockerd runs it in
place of runc (tools/docker/engine.sh registers it only on such a machine).

Docker passes a container's ulimits to runc in the bundle's config.json (process.rlimits), and runc
fails to start any container whose hard limit exceeds the host's hard limit when it lacks
CAP_SYS_RESOURCE ("error setting rlimit type 8: operation not permitted"). The program asks for the
limits the images' own docs require on real hosts (OpenSearch: nofile 65536 and memlock unlimited,
ClickHouse: nofile 262144), and must keep asking for them; so on this machine only, each requested
limit above the host's hard limit is lowered to that limit before runc sees it, and the change is
logged (one line per limit) so tests and docs can say what really applied. Everything else is runc's.

Environment (set by engine.sh's launcher): TRADE2026_CLAMP_RUNC, the runc to exec;
TRADE2026_CLAMP_LOG, the log file.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

# What the runtime spec writes for "unlimited" (Docker's -1): the largest uint64.
UNLIMITED = (1 << 64) - 1


def _spec_file(argv: list[str]) -> tuple[Path, str, bool] | None:
    """The JSON file carrying a process's rlimits, the container id, and whether the file is a whole
    bundle config (create, run: config.json's `process`) or one process (exec --process FILE:
    Docker's healthchecks and `docker exec` run through it, with the container's ulimits again)."""
    commands = [i for i, arg in enumerate(argv) if arg in ("create", "run", "exec")]
    if not commands:
        return None
    command, rest = argv[commands[0]], argv[commands[0] + 1 :]
    bundle, process = Path.cwd(), None
    positional: list[str] = []
    i = 0
    while i < len(rest):
        arg, value = rest[i], rest[i + 1] if i + 1 < len(rest) else ""
        if arg in ("--bundle", "-b"):
            bundle = Path(value)
            i += 1
        elif arg in ("--process", "-p") and command == "exec":
            process = Path(value)
            i += 1
        elif arg.startswith("--bundle="):
            bundle = Path(arg.split("=", 1)[1])
        elif arg.startswith("--process="):
            process = Path(arg.split("=", 1)[1])
        elif arg in ("--pid-file", "--console-socket", "--preserve-fds", "--cwd", "--user", "-u", "--env", "-e"):
            i += 1
        elif not arg.startswith("-"):
            positional.append(arg)
        i += 1
    container = positional[0] if command == "exec" and positional else positional[-1] if positional else "?"
    if command == "exec":
        return (process, container, False) if process else None
    return bundle / "config.json", container, True


def _host_hard(kind: str) -> int | None:
    """The host's hard limit for an RLIMIT_* name, None when unlimited or unknown here."""
    number = getattr(resource, kind, None)
    if not isinstance(number, int):
        return None
    hard = resource.getrlimit(number)[1]
    return None if hard == resource.RLIM_INFINITY else hard


def _shown(value: int) -> str:
    return "unlimited" if value >= UNLIMITED else str(value)


def clamp(process: dict[str, Any]) -> list[str]:
    """Lower each rlimit of an OCI process above the host's hard limit to it; what changed, as lines."""
    changes = []
    for limit in process.get("rlimits") or []:
        host = _host_hard(str(limit.get("type")))
        if host is None or int(limit.get("hard", 0)) <= host:
            continue
        soft, hard = int(limit.get("soft", 0)), int(limit["hard"])
        limit["hard"] = host
        limit["soft"] = min(soft, host)
        changes.append(
            f"{limit['type']} soft={_shown(soft)} hard={_shown(hard)} -> soft={limit['soft']} hard={host}"
            " (host hard limit; no CAP_SYS_RESOURCE to raise it)"
        )
    return changes


def main(argv: list[str]) -> None:
    runc = os.environ.get("TRADE2026_CLAMP_RUNC", "runc")
    call = _spec_file(argv)
    if call is not None:
        path, container, whole = call
        spec = json.loads(path.read_text())
        changes = clamp(spec.get("process", {}) if whole else spec)
        if changes:
            scratch = path.with_name(path.name + ".trade2026-clamp")
            scratch.write_text(json.dumps(spec))
            scratch.replace(path)
            log = os.environ.get("TRADE2026_CLAMP_LOG")
            if log:
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
                what = "start" if whole else "exec"
                with open(log, "a") as out:
                    out.writelines(f"{stamp} container {container} {what}: {change}\n" for change in changes)
    os.execvp(runc, [runc, *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
