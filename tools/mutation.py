"""Mutation testing with mutmut over components/ and the policy pack: stage, run, report.

mutmut 3 runs the tests from a copy of the tree (`mutants/`) and names each mutant after the file
path of the function it mutates. Two things in this repository need a staged copy first:

- The pack is imported as `trade2026_policies` (pytest's pythonpath has `policies`), but mutmut
  would name it `policies.trade2026_policies`; tests hitting it would match no mutant. The stage
  puts the package at its root and leaves `policies/trade2026_policies` as a symlink to it, so
  both the tests and the gate's pack subprocess import the mutated code.
- mutmut skips every decorated function (except a lone @staticmethod/@classmethod), and every rule
  of the pack is `@resource_rule(...)`/`@stack_rule(...)`, every settings validator
  `@field_validator(...) @classmethod`. The stage rewrites `@d def f` as `def f` followed by
  `f = d(f)`, which is what the decorator syntax means, so the bodies are mutated too.

Module-level data (a sheet's `SHEET`: slots, memory floors; a rule config's defaults) is never mutated by mutmut 3;
tests/test_mutants_*.py pins those literally and tools/breakages.py breaks a few on purpose.

Usage: python tools/mutation.py stage|run [GLOB...|survivors]|report  (tools/mutation.sh wraps all three).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACK = "trade2026_policies"
MUTATED = ("components", PACK)
# Not copied: environments, caches, the stage itself.
_SKIP = {
    ".git",
    "venv",
    ".venv",
    ".hypothesis",
    "mutants",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
}
_KEEP_DECORATORS = {"staticmethod", "classmethod"}
# Two parts, each its own stage (mutmut keeps one config per tree).
# "fast": every module, against the fast unit tests. Not tests/real and tests/realengine (real
# servers, the real Pulumi CLI), not the static checks (mypy and ruff over the tree, minutes per
# mutant), not the hypothesis properties (seconds per example, and they assert only "parses or
# refuses", never a value), not the gate's subprocess tests (they start the pack anew per test;
# tests/policies covers the same rules in process).
# "sheets": the data sheets, the target and the spec, against the tests that read the rendered
# dev stack (one mock-engine run per test process); the fast tier's run_program-heavy tests made
# each of these mutants cost a minute on 2 shared cores.
_COMMON = """
[tool.mutmut]
source_paths = ["components", "trade2026_policies"]
pytest_add_cli_args = ["-p", "no:cacheprovider", "-p", "no:hypothesispytest"]
use_git_change_detection = false
timeout_multiplier = 5.0
"""
_SHEETS = [
    "components/clickhouse.py",
    "components/nats.py",
    "components/opa.py",
    "components/opensearch.py",
    "components/postgres.py",
    "components/questdb.py",
    "components/seaweedfs.py",
    "components/valkey.py",
    "components/catalog.py",
    "components/service.py",
    "components/spec.py",
    "components/targets/*",
]
PARTS = {
    "fast": _COMMON
    + """pytest_add_cli_args_test_selection = [
    "tests",
    "--ignore=tests/real",
    "--ignore=tests/realengine",
    "--ignore=tests/test_static_checks.py",
    "--ignore=tests/test_settings_properties.py",
    "--ignore=tests/test_gate.py",
    "--deselect=tests/test_stack_files.py::test_any_stack_file_loads_or_is_refused_in_one_line_naming_it",
]
""",
    # mutmut's time limit per mutant counts test calls, not fixtures, and every test here shares a
    # mock-engine run of the whole stack in its session fixture (25 s of wall time on a loaded
    # 2-core machine): 30 s more make room, so a survivor is not mistaken for a timeout. A program
    # that raises can hang the mock engine; such a mutant ends as a timeout, which counts as killed.
    # Forked straight from mutmut's process, which ran the mock engine (gRPC) for its stats, the
    # workers hung at 0% CPU; a fork server that never ran a test avoids that.
    "sheets": _COMMON
    + "timeout_constant = 30.0\n"
    + 'process_isolation = "forkserver"\n'
    + f"only_mutate = {_SHEETS!r}\n".replace("'", '"')
    + """pytest_add_cli_args_test_selection = [
    "tests/test_expectations.py",
    "tests/test_services.py",
    "tests/test_secrets.py",
    "tests/test_identities.py",
    "tests/test_catalog.py",
    "tests/test_spec.py",
    "tests/test_mutants_docker_target.py",
]
""",
}
PART = os.environ.get("MUTATION_PART", "fast")
MUTMUT_CONFIG = PARTS[PART]
STAGE = Path(os.environ.get("MUTATION_STAGE", ROOT / (".mutation" if PART == "fast" else f".mutation-{PART}")))


def _undecorate(source: str) -> str:
    """`@d1 @d2 def f` -> `def f` then `f = d1(d2(f))`, keeping a last @staticmethod/@classmethod
    on the def (mutmut handles those). Decorators apply bottom-up, so the nesting keeps the order."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, list[str]]] = []  # (first line, end line, replacement), 0-based

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                visit(node.body)
            if not isinstance(node, ast.FunctionDef) or not node.decorator_list:
                continue
            decorators = list(node.decorator_list)
            kept = []
            if isinstance(decorators[-1], ast.Name) and decorators[-1].id in _KEEP_DECORATORS:
                kept = [decorators.pop()]
            if not decorators:
                continue
            indent = " " * node.col_offset
            first = node.decorator_list[0].lineno - 1
            def_line = node.lineno - 1
            applied = node.name
            for decorator in reversed(decorators):
                applied = f"{ast.get_source_segment(source, decorator)}({applied})"
            kept_lines = [f"{indent}@{ast.get_source_segment(source, d)}\n" for d in kept]
            end = node.end_lineno or node.lineno
            body_lines = lines[def_line:end]
            edits.append((first, end, [*kept_lines, *body_lines, f"{indent}{node.name} = {applied}\n"]))

    visit(tree.body)
    for first, end, replacement in sorted(edits, reverse=True):
        lines[first:end] = replacement
    result = "".join(lines)
    ast.parse(result)
    return result


def _sources() -> list[Path]:
    files = []
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT)
        if _SKIP & set(relative.parts) or relative.parts[0].startswith(".mutation") or not path.is_file():
            continue
        files.append(relative)
    return files


def _staged(relative: Path) -> Path:
    parts = relative.parts
    return STAGE / (Path(*parts[1:]) if parts[:2] == ("policies", PACK) else relative)


def _mutated(relative: Path) -> bool:
    return _staged(relative).relative_to(STAGE).parts[0] in MUTATED


def stage() -> None:
    """Copy the tree into the stage. mutmut's results are kept while the code it mutates is
    unchanged (mutmut itself forgets the results a config change can alter): new or changed tests
    then only need the named mutants re-run."""
    files = _sources()
    digest = hashlib.sha256()
    for relative in filter(_mutated, files):
        digest.update(str(relative).encode() + b"\0" + (ROOT / relative).read_bytes())
    marker = STAGE / ".fingerprint"
    if not (marker.exists() and marker.read_text() == digest.hexdigest()):
        shutil.rmtree(STAGE, ignore_errors=True)
        # mutmut copies policies/ into mutants/ itself, resolving symlinks; a link made here first
        # is kept (it skips existing targets), so the pack the gate starts is the mutated one.
        (STAGE / "mutants" / "policies").mkdir(parents=True)
        (STAGE / "mutants" / "policies" / PACK).symlink_to(Path("..") / PACK)
        (STAGE / "policies").mkdir()
        (STAGE / "policies" / PACK).symlink_to(Path("..") / PACK)
    for relative in files:
        target = _staged(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, target)
        if target.suffix == ".py" and _mutated(relative):
            target.write_text(_undecorate(target.read_text()))
        elif relative == Path("tests/conftest.py") and PART == "sheets":
            # mutmut credits a function to the tests during whose call it ran; a session fixture
            # runs once, so the rendered stack would be credited to the first test alone. Per test,
            # every test that reads the rendered stack is run against a data-sheet mutant.
            text = target.read_text()
            target.write_text(
                text.replace('@pytest.fixture(scope="session")\ndef dev_plan', "@pytest.fixture\ndef dev_plan")
            )
    # The gate starts the pack in policies/; its mutated code loads mutmut, which reads its config
    # from the working directory.
    (STAGE / "policies" / "setup.cfg").write_text("[mutmut]\nsource_paths = trade2026_policies\n")
    # Everything else the tests import or read (offline/, connect/, policies/, the stack files).
    top = sorted({_staged(f).relative_to(STAGE).parts[0] for f in files} - {*MUTATED, "tests", "pyproject.toml"})
    with (STAGE / "pyproject.toml").open("a") as pyproject:
        pyproject.write(MUTMUT_CONFIG + f"also_copy = {json.dumps(top)}\n")
    marker.write_text(digest.hexdigest())
    print(f"staged {len(files)} files in {STAGE}")


def survivors() -> list[str]:
    names = []
    for meta in sorted((STAGE / "mutants").rglob("*.py.meta")):
        names += [k for k, v in json.loads(meta.read_text())["exit_code_by_key"].items() if v == 0]
    return names


def run(globs: list[str]) -> int:
    children = os.environ.get("MUTATION_CHILDREN", "2")
    mutmut = Path(sys.executable).with_name("mutmut")
    # "survivors" re-runs the mutants that survived last time (mutmut keeps a result otherwise).
    names = [name for glob in globs for name in (survivors() if glob == "survivors" else [glob])]
    if globs and not names:
        print("no survivors to re-run")
        return 0
    return subprocess.call([str(mutmut), "run", "--max-children", children, *names], cwd=STAGE)


def report() -> None:
    """Per module: killed, survived, timeouts, mutants no selected test reaches, and the score
    (killed + timeout) / (all checked), mutmut's own formula; then every survivor's name."""
    from mutmut.stats import status_by_exit_code

    print(f"| module | mutants | killed | timeout | survived | no tests | score |\n|{' --- |' * 7}")
    total: Counter[str] = Counter()
    for meta in sorted((STAGE / "mutants").rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        counts = Counter(status_by_exit_code[code] for code in data["exit_code_by_key"].values())
        checked = counts["killed"] + counts["timeout"] + counts["survived"] + counts["no tests"]
        if not checked:
            continue
        total += counts
        module = meta.relative_to(STAGE / "mutants").with_suffix("").with_suffix("")
        print(_row(str(module), counts))
    print(_row("**all**", total))
    print("\nsurvivors:\n" + "\n".join(survivors()))


def _row(name: str, counts: Counter[str]) -> str:
    checked = counts["killed"] + counts["timeout"] + counts["survived"] + counts["no tests"]
    score = 100 * (counts["killed"] + counts["timeout"]) / checked if checked else 0.0
    return (
        f"| {name} | {checked} | {counts['killed']} | {counts['timeout']} | {counts['survived']} "
        f"| {counts['no tests']} | {score:.1f}% |"
    )


if __name__ == "__main__":
    command, *rest = sys.argv[1:] or ["run"]
    if command == "stage":
        stage()
    elif command == "run":
        stage()
        sys.exit(run(rest))
    elif command == "report":
        report()
    else:
        sys.exit(f"usage: {sys.argv[0]} stage|run [GLOB...|survivors]|report")
