"""Performance figures quoted in docs/benchmarks.md. Measures; asserts nothing.

    venv/bin/python -m benchmarks.bench [--runs 7] [--target all|docker|kubernetes]

Each figure is the median wall time of fresh processes (imports included), so it is what a
user waits for.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

from offline.engine import ROOT, Plan, run_program, stack_config
from offline.gate import environment_config, run_gate

CONTAINER = "docker:index/container:Container"


def wall_time(code: str, runs: int) -> float:
    """Median seconds for `python -c code` in a fresh interpreter."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def critical_path(plan: Plan) -> int:
    """Longest chain of dependencies among custom resources: the number of sequential waves the
    engine needs to create the stack when it runs independent creates in parallel."""
    by_urn = {r.urn: r for r in plan.resources}
    memo: dict[str, int] = {}

    def depth(urn: str) -> int:
        if urn not in memo:
            resource = by_urn[urn]
            deps = [d for d in resource.dependencies if d in by_urn and by_urn[d].custom]
            memo[urn] = (1 if resource.custom else 0) + max((depth(d) for d in deps), default=0)
        return memo[urn]

    return max(depth(urn) for urn in by_urn)


def program_figures(runs: int) -> list[str]:
    bare = wall_time("import pulumi, pulumi_docker", runs)
    render = wall_time("from offline.engine import run_program; run_program('dev')", runs)
    plan = run_program("dev")
    containers = plan.of_type(CONTAINER)
    container_urns = {c.urn for c in containers}
    chained = [c.name for c in containers if container_urns & set(c.dependencies)]
    memory = sum(c.inputs["memory"] for c in containers)
    return [
        f"bare `import pulumi, pulumi_docker`          {bare:6.3f} s",
        f"render the dev stack under the mock engine   {render:6.3f} s  ({render / bare:.2f}x the bare import)",
        f"resources registered                         {len(plan.resources):6d}",
        f"critical path (sequential create waves)      {critical_path(plan):6d}",
        f"containers depending on another container    {len(chained):6d}",
        f"memory limits of the default dev stack       {memory:6d} MB (of 4096)",
    ]


def best_of(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def gate_figures(runs: int) -> list[str]:
    command = wall_time("from offline.gate import main; main(['--stack', 'dev'])", runs)
    dev = run_program("dev", preview=True)
    # 50 developer stacks' worth of resources in one analysis: what a linear rule set must shrug off.
    stacks = [run_program(f"dev-{i:02d}", stack_config("dev"), preview=True) for i in range(50)]
    synthetic = Plan("synthetic", True, [r for plan in stacks for r in plan.resources], {})
    ci = environment_config("dev")
    small = best_of(runs, lambda: run_gate(dev, ci))
    large = best_of(max(3, runs // 2), lambda: run_gate(synthetic, ci))
    containers = len(synthetic.of_type(CONTAINER))
    return [
        f"`python -m offline.gate --stack dev` (all)    {command:6.3f} s",
        f"pack start + analysis, dev stack ({len(dev.resources)} res.)  {small:6.3f} s",
        f"pack start + analysis, {containers} containers ({len(synthetic.resources)} res.) {large:6.3f} s"
        f"  ({large / small:.1f}x the dev stack)",
    ]


KUBERNETES_STACK = "k8s-dev"
STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"


def kubernetes_figures(runs: int) -> list[str]:
    bare = wall_time("import pulumi, pulumi_kubernetes", runs)
    # pulumi_kubernetes loads each API group on first use; these four are what the target renders.
    groups = wall_time("import pulumi_kubernetes as k; k.core.v1, k.apps.v1, k.networking.v1, k.meta.v1", runs)
    render = wall_time(f"from offline.engine import run_program; run_program({KUBERNETES_STACK!r})", runs)
    command = wall_time(f"from offline.gate import main; main(['--stack', {KUBERNETES_STACK!r}])", runs)
    stack = run_program(KUBERNETES_STACK, preview=True)
    # 400 workloads: fifty k8s-dev stacks (fifty namespaces) in one analysis.
    copies = [run_program(f"k8s-{i:02d}", stack_config(KUBERNETES_STACK), preview=True) for i in range(50)]
    synthetic = Plan("synthetic", True, [r for plan in copies for r in plan.resources], {})
    workloads = len(synthetic.of_type(STATEFUL_SET))
    lines = [
        f"bare `import pulumi, pulumi_kubernetes`      {bare:6.3f} s",
        f"+ its core, apps, networking, meta groups    {groups:6.3f} s",
        f"render {KUBERNETES_STACK} under the mock engine   {render:6.3f} s  ({render / bare:.2f}x the bare import,"
        f" {render / groups:.2f}x with the groups)",
        f"resources registered                         {len(stack.resources):6d}",
        f"`python -m offline.gate --stack {KUBERNETES_STACK}` {command:6.3f} s",
    ]
    ci = environment_config(KUBERNETES_STACK)
    small = best_of(runs, lambda: run_gate(stack, ci))
    large = best_of(max(3, runs // 2), lambda: run_gate(synthetic, ci))
    lines += [
        f"pack start + analysis, {KUBERNETES_STACK} ({len(stack.resources)} res.)  {small:6.3f} s",
        f"pack start + analysis, {workloads} workloads ({len(synthetic.resources)} res.) {large:6.3f} s"
        f"  ({large / small:.1f}x the {KUBERNETES_STACK} stack)",
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--target", choices=("all", "docker", "kubernetes"), default="all")
    args = parser.parse_args(argv)
    print(f"Python {sys.version.split()[0]}, median of {args.runs} fresh processes each\n")
    sections = []
    if args.target in ("all", "docker"):
        sections += [program_figures(args.runs), gate_figures(args.runs)]
    if args.target in ("all", "kubernetes"):
        sections.append(kubernetes_figures(args.runs))
    print("\n\n".join("\n".join(section) for section in sections))
    return 0


if __name__ == "__main__":
    sys.exit(main())
