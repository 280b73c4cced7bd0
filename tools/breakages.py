"""Break the program on purpose, once per breakage, and list the tests that go red.

The breakages a reviewer found passing every test (issue 10), and breakages of module-level data
that mutmut 3 never mutates (it mutates function bodies only). Each is applied to a copy of the
tree; the fast tier (as mutmut selects it) runs there. A breakage no test notices is a gap: the script exits 1.

Usage: python tools/breakages.py [NAME...]   (default: every breakage)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SKIP = shutil.ignore_patterns(
    ".git", "venv", ".venv", ".mutation*", "mutants", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"
)
FAST_TIER = [
    "tests",
    "--ignore=tests/real",
    "--ignore=tests/realengine",
    "--ignore=tests/test_static_checks.py",
    "--ignore=tests/test_settings_properties.py",
    # The gate's tests start the pack in subprocesses (a minute per breakage); tests/policies runs
    # the same rules in process.
    "--ignore=tests/test_gate.py",
    "-p",
    "no:cacheprovider",
    "-q",
    "-rf",
    "--tb=no",
]


@dataclass(frozen=True)
class Breakage:
    name: str
    path: str
    old: str
    new: str


BREAKAGES = [
    # Issue 10's list.
    Breakage(
        "clickhouse-probe-on-native-9000",
        "components/clickhouse.py",
        'HttpProbe("http", "/ping"',
        'HttpProbe("native", "/ping"',
    ),
    Breakage(
        "register-outputs-empty", "components/service.py", "self.register_outputs(outputs)", "self.register_outputs({})"
    ),
    Breakage(
        "postgres-data-volume-wrong-path",
        "components/postgres.py",
        'DataVolume("data", "/var/lib/postgresql/data")',
        'DataVolume("data", "/var/lib/postgresql")',
    ),
    Breakage(
        "docker-sock-not-sensitive",
        "policies/trade2026_policies/storage.py",
        '            "/var/run/docker.sock",\n',
        "",
    ),
    Breakage(
        "opa-type-token-changed", "components/opa.py", '"trade2026:infra:OPA"', '"trade2026:infra:OpenPolicyAgent"'
    ),
    # Module-level data mutmut does not reach.
    Breakage("nats-slots-swapped", "components/ports.py", '("nats", "client"): 0,', '("nats", "client"): 1,'),
    Breakage("postgres-well-known-port", "components/ports.py", "9200, 5432, 8181)", "9200, 5433, 8181)"),
    Breakage("block-size-changed", "components/ports.py", "BLOCK_SIZE = 20", "BLOCK_SIZE = 16"),
    Breakage("questdb-health-port-not-internal", "policies/trade2026_policies/network.py", "[9003]", "[]"),
    Breakage("trader123-allowed", "policies/trade2026_policies/credentials.py", '"trader123", ', ""),
    Breakage("opensearch-memory-floor-halved", "components/settings.py", '"opensearch": 1024,', '"opensearch": 512,'),
    Breakage("log-rotation-size", "components/targets/docker.py", '"max-size": "10m"', '"max-size": "100m"'),
    Breakage(
        "valkey-config-path", "components/valkey.py", '"/usr/local/etc/valkey/valkey.conf"', '"/etc/valkey/valkey.conf"'
    ),
    Breakage(
        "postgres-password-file-path",
        "components/postgres.py",
        '"/run/secrets/postgres-password"',
        '"/run/secrets/password"',
    ),
    Breakage("opensearch-health-green", "components/opensearch.py", "wait_for_status=yellow", "wait_for_status=green"),
    Breakage(
        "lowlatency-network-dropped",
        "components/spec.py",
        '("frontend", "lowlatency", "backend")',
        '("frontend", "backend")',
    ),
    Breakage(
        "seaweedfs-preallocation-on",
        "components/seaweedfs.py",
        '"-master.volumePreallocate=false"',
        '"-master.volumePreallocate=true"',
    ),
    Breakage(
        "unprotected-stack-glob",
        "policies/trade2026_policies/storage.py",
        'default=["dev", "dev-*"],\n        alias="unprotectedStacks"',
        'default=["dev*"],\n        alias="unprotectedStacks"',
    ),
    # Code that runs once at import (rule registration, the settings' field table): mutmut's
    # workers import it before a mutant is switched on, so only a deliberate breakage tests it.
    Breakage(
        "rule-runs-on-every-type",
        "policies/trade2026_policies/framework.py",
        "if args.resource_type not in types:",
        "if args.resource_type in types:",
    ),
    Breakage(
        "rules-advisory-by-default",
        "policies/trade2026_policies/framework.py",
        '"enforcement_level": level,',
        '"enforcement_level": ADVISORY,',
    ),
    Breakage(
        "stack-violation-without-urn",
        "policies/trade2026_policies/framework.py",
        "report_violation(message, urn)",
        "report_violation(message, None)",
    ),
    Breakage(
        "cis-url-dropped",
        "policies/trade2026_policies/framework.py",
        '"https://www.cisecurity.org/benchmark/docker"',
        "None",
    ),
    Breakage("settings-field-table-empty", "components/settings.py", 'names.add(field.alias or "")', 'names.add("")'),
]


def failing_tests(breakage: Breakage) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="breakage-") as tmp:
        tree = Path(tmp) / "tree"
        shutil.copytree(ROOT, tree, ignore=_SKIP)
        target = tree / breakage.path
        text = target.read_text()
        if text.count(breakage.old) != 1:
            raise SystemExit(f"{breakage.name}: {breakage.old!r} is not once in {breakage.path}; update the table")
        target.write_text(text.replace(breakage.old, breakage.new))
        result = subprocess.run(
            [sys.executable, "-m", "pytest", *FAST_TIER], cwd=tree, capture_output=True, text=True, check=False
        )
        failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", result.stdout, re.MULTILINE)
        if not failed and result.returncode not in (0, 1):
            raise SystemExit(f"{breakage.name}: pytest exited {result.returncode}\n{result.stdout[-2000:]}")
        return failed


def main(names: list[str]) -> int:
    chosen = [b for b in BREAKAGES if not names or b.name in names]
    unnoticed = []
    print("| breakage | failing tests |\n| --- | --- |")
    for breakage in chosen:
        failed = failing_tests(breakage)
        if not failed:
            unnoticed.append(breakage.name)
        print(f"| {breakage.name} | {'<br>'.join(failed) or '**none: a gap**'} |", flush=True)
    return 1 if unnoticed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
