"""`verify` against local real servers: wall time of a full run and per service. Measures; asserts nothing.

    venv/bin/python -m benchmarks.verify_bench [--runs 5]

The servers are those of tests/real/local_stack.py (NATS, Valkey, SeaweedFS, PostgreSQL real;
ClickHouse a chDB-backed fake), started once from the dev stack's rendered configuration. The
checks run concurrently, so the total should sit near the slowest service, not the sum.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.bench import critical_path
from offline.engine import ROOT, run_program
from tests.real.local_stack import local_stack, missing
from verify.__main__ import parse_outputs, run_all


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--built", action="store_true", help="also QuestDB, OpenSearch, OPA from the built tier")
    args = parser.parse_args(argv)
    plan = run_program("dev")
    print(f"critical path of the dev stack (create waves)   {critical_path(plan)}")
    if missing():
        print(f"not installed: {', '.join(missing())}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as workdir, local_stack(plan, Path(workdir), built=args.built) as stack:
        endpoints, credentials, kinds = parse_outputs(stack.outputs())
        per_service: dict[str, list[float]] = {}
        totals: list[float] = []
        for _ in range(args.runs):
            results, total_ms = run_all(endpoints, credentials, kinds=kinds)
            assert all(r.ok for r in results), [r for r in results if not r.ok]
            totals.append(total_ms)
            for result in results:
                per_service.setdefault(result.service, []).append(result.latency_ms)
        start = time.perf_counter()
        command = subprocess.run(
            [sys.executable, "-m", "verify", "--no-progress"],
            input=stack.outputs(),
            text=True,
            capture_output=True,
            cwd=ROOT,
            check=True,
        )
        process = time.perf_counter() - start
    medians = {service: statistics.median(times) for service, times in per_service.items()}
    print(f"verify, median of {args.runs} in-process runs:")
    for service, median in medians.items():
        print(f"  {service:<12} {median:8.1f} ms")
    print(
        f"  {'total':<12} {statistics.median(totals):8.1f} ms  (slowest {max(medians.values()):.1f} ms,"
        f" sum {sum(medians.values()):.1f} ms)"
    )
    print(f"`python -m verify` as a fresh process (imports included): {process:.2f} s")
    print(command.stdout)
    print(json.dumps({"total_ms": statistics.median(totals), "per_service_ms": medians}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
