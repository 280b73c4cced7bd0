"""Every `pulumi config set` of a trade2026 setting that README.md and docs/ show a user passes the
policy gate the docs tell them CI runs, on the stack the example is for (dev, or k8s-dev for
Kubernetes settings), applied as the CLI would pass it. An example that the default gate refuses
(a memory budget, a port rule) is a trap for the first person who copies it. The settings of one
code block are one example, applied together, as a user pastes them."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from offline.engine import ROOT, run_program, stack_config
from offline.gate import environment_config, run_gate

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# `pulumi config set [--path] 'trade2026:KEY' VALUE`, not a secret.
_SET = re.compile(r"pulumi config set (?P<args>(?:--path )?'?trade2026:[^\s'`]+'? [^\s`&#]+)")
_BLOCK = re.compile(r"^```[a-z]*\n(.*?)^```", re.S | re.M)

Example = tuple[tuple[str, str], ...]


def _settings(text: str) -> Example:
    pairs = (shlex.split(match["args"])[-2:] for match in _SET.finditer(text))
    return tuple((key, value) for key, value in pairs)


def examples() -> dict[Example, str]:
    """Each example (its settings in order) -> the doc that shows it first."""
    found: dict[Example, str] = {}
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        blocks = [_settings(block) for block in _BLOCK.findall(text)]
        spans = [(setting,) for setting in _settings(_BLOCK.sub("", text))]
        for example in (*blocks, *spans):
            if example:
                found.setdefault(example, doc.relative_to(ROOT).as_posix())
    return found


def with_setting(config: dict[str, str], key: str, value: str) -> dict[str, str]:
    """`pulumi config set --path KEY VALUE` on `config`: the value stays text, as the CLI stores
    it without --type; the program's settings read numbers and booleans from text."""
    top, *path = key.split(".")
    if not path:
        return {**config, top: value}
    tree: dict[str, Any] = json.loads(config.get(top, "{}"))
    node = tree
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value
    return {**config, top: json.dumps(tree)}


EXAMPLES = examples()


def test_the_docs_show_settings_to_check() -> None:
    # The patterns above must keep finding the docs' examples, or this file checks nothing.
    keys = {key for example in EXAMPLES for key, _ in example}
    assert {"trade2026:hostPorts", "trade2026:portBlock", "trade2026:services.questdb.enabled"} <= keys
    assert any(len(example) > 1 for example in EXAMPLES)


@pytest.mark.parametrize(
    ("example", "where"), EXAMPLES.items(), ids=[" ".join(f"{k}={v}" for k, v in e) for e in EXAMPLES]
)
def test_settings_the_docs_show_pass_the_default_gate(example: Example, where: str, tmp_path: Path) -> None:
    stack = "k8s-dev" if any(key.startswith("trade2026:kubernetes") for key, _ in example) else "dev"
    config = stack_config(stack)
    for key, value in example:
        config = with_setting(config, key, value)
    policy_config = environment_config(stack)
    mirror = dict(example).get("trade2026:registryMirror")
    if mirror:
        # As docs/using.md says to: a mirror is allowed in the environment's policy config.
        policy_config = tmp_path / "ci.json"
        allowed = {"allowed-images": {"allowedRegistries": [mirror]}}
        policy_config.write_text(json.dumps({**json.loads(environment_config(stack).read_text()), **allowed}))
    report = run_gate(run_program(stack, config, preview=True), policy_config, config=config)
    assert not report.mandatory, f"{where}: {example} fails the gate:\n{report.format()}"
