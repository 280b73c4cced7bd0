"""The policy gate, without the Pulumi CLI or Docker.

    python -m offline.gate --stack dev [--policy-config FILE]

Runs the stack's program as `pulumi preview` would (mock engine, computed values unknown), starts
the real policy pack as the CLI does (offline/analyzer.py), and prints violations the way `pulumi
preview` does, each with the benchmark item its policy codes, together with the one check a pack
cannot make under the CLI (offline/providers.py: what each ready-data resource's pickled provider
would run). Exit 0: no mandatory violation;
1: mandatory violations; 2: the gate could not run (bad policy config, bad stack config, the pack
failed to start, crashed or timed out).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import yaml

from .analyzer import GateError, PolicyPackServer, StackContext
from .engine import (
    ROOT,
    Plan,
    StackConfigError,
    load_committed_stack,
    program_failure,
    run_program,
    stack_config,
)
from .policy_config import PolicyConfigError, PolicySettings, reconcile
from .providers import DESCRIPTION, POLICY, provider_findings

PACK = ROOT / "policies"
# How the gate's own check is labelled where the pack's name would be.
GATE = "trade2026-gate"


def environment_config(stack: str) -> Path:
    """The policy config a stack is gated with in CI: prod stacks under prod.json, others ci.json."""
    return PACK / "config" / ("prod.json" if stack.startswith("prod") else "ci.json")


@dataclass(frozen=True)
class Violation:
    policy: str
    level: str
    urn: str
    description: str
    detail: str
    reference: str = ""  # the benchmark item the policy codes, and where to read it
    url: str = ""
    by_gate: bool = False  # the gate's own check (offline/providers.py), not the pack's

    @property
    def resource(self) -> str:
        """`type: name` as pulumi preview shows it; empty for stack-wide findings."""
        if not self.urn:
            return ""
        parts = self.urn.split("::")
        return f"{parts[2].split('$')[-1]}: {parts[-1]}"


@dataclass(frozen=True)
class GateReport:
    pack: str
    policy_config: Path
    violations: list[Violation]

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == "mandatory"]

    def format(self) -> str:
        lines = []
        if self.violations:
            lines.append("Policy Violations:")
        for v in sorted(self.violations, key=lambda v: (v.level != "mandatory", v.policy, v.urn)):
            where = f" ({v.resource})" if v.resource else ""
            lines.append(f"    [{v.level}]  {GATE if v.by_gate else self.pack}  {v.policy}{where}")
            lines.append(f"    {v.description}")
            lines.extend(f"    {line}" for line in v.detail.splitlines())
            if v.url:  # rules of a benchmark; the project's own rules have no outside reference
                lines.append(f"    see {v.reference} <{v.url}>")
        verdict = "FAILED" if self.mandatory else "passed"
        advisory = len(self.violations) - len(self.mandatory)
        config = self.policy_config
        shown = config.relative_to(ROOT) if config.is_relative_to(ROOT) else config
        lines.append(f"Policy gate {verdict}: {len(self.mandatory)} mandatory, {advisory} advisory ({shown})")
        return "\n".join(lines)


def _pack_label(pack: Path, name: str) -> str:
    # Python packs report 0.0.1; the CLI shows the version from PulumiPolicy.yaml, as here.
    manifest = pack / "PulumiPolicy.yaml"
    if not manifest.exists():
        return f"{name}@v0.0.1"
    try:
        loaded = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise GateError(f"{manifest}: unreadable: {str(exc).splitlines()[0]}") from None
    if not isinstance(loaded, dict):
        raise GateError(f"{manifest}: expected a mapping with runtime and version")
    return f"{name}@v{loaded.get('version', '0.0.1')}"


@dataclass(frozen=True)
class _Pack:
    label: str
    references: dict[str, tuple[str, str]]


def _configure(server: PolicyPackServer, policy_config: Path) -> _Pack:
    name, policies, initial = server.info()
    config: dict[str, PolicySettings] = reconcile(policy_config, policies, initial)
    server.configure(config)
    return _Pack(_pack_label(server.pack, name), {p.name: (p.reference, p.url) for p in policies})


def _analyze(server: PolicyPackServer, pack: _Pack, plan: Plan, policy_config: Path) -> GateReport:
    violations = []
    for diagnostic, urn in server.analyze(plan.resources):
        detail = diagnostic.message.removeprefix(diagnostic.description).strip()
        level = server.level(diagnostic.enforcementLevel)
        reference, url = pack.references.get(diagnostic.policyName, ("", ""))
        violations.append(Violation(diagnostic.policyName, level, urn, diagnostic.description, detail, reference, url))
    for urn, detail in provider_findings(plan.resources):
        violations.append(Violation(POLICY, "mandatory", urn, DESCRIPTION, detail, by_gate=True))
    return GateReport(pack.label, policy_config, violations)


def run_gate(
    plan: Plan,
    policy_config: Path,
    pack: Path = PACK,
    startup_timeout: float = 30.0,
    config: Mapping[str, str] | None = None,
) -> GateReport:
    """Analyse an already computed plan with the pack under `policy_config`; the pack is told the
    stack's `config` (default: the committed config of the plan's stack), as the CLI tells it."""
    context = StackContext(plan.stack, stack_config(plan.stack) if config is None else config, dry_run=plan.preview)
    with PolicyPackServer(pack, startup_timeout, context=context) as server:
        return _analyze(server, _configure(server, policy_config), plan, policy_config)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="dev", help="stack whose Pulumi.<stack>.yaml to gate (default: dev)")
    parser.add_argument(
        "--policy-config", type=Path, help="policy config JSON (default: prod.json for prod* stacks, else ci.json)"
    )
    parser.add_argument("--pack", type=Path, default=PACK, help="policy pack directory")
    parser.add_argument("--program", type=Path, default=ROOT / "__main__.py", help="Pulumi program to run")
    args = parser.parse_args(argv)
    policy_config = (args.policy_config or environment_config(args.stack)).resolve()
    try:
        context = StackContext(args.stack, load_committed_stack(args.stack, "gate: ").config)
        with PolicyPackServer(args.pack.resolve(), context=context) as server:
            # Policy config first: a bad file fails before the program runs.
            label = _configure(server, policy_config)
            plan = run_program(args.stack, preview=True, program=args.program)
            report = _analyze(server, label, plan, policy_config)
    except StackConfigError as error:
        for line in error.lines:  # every problem of the files at once, each on its own line
            print(f"gate: {line}", file=sys.stderr)
        return 2
    except (GateError, PolicyConfigError, pulumi.RunError) as error:
        print(f"gate: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # the program itself crashed: the gate could not run
        print(f"gate: {program_failure(error)}", file=sys.stderr)
        return 2
    print(report.format())
    return 1 if report.mandatory else 0


if __name__ == "__main__":
    sys.exit(main())
