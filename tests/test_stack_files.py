"""The offline engine reads Pulumi.yaml and Pulumi.<stack>.yaml as the Pulumi CLI 3.274.1 does
(yaml.v3's scalars, Go's text for values), and turns a file the CLI would not run, or would run
with a key picked at random, into one line per problem naming the file and the key: exit 2 from
the preview and the gate. The expected texts below are what the real CLI handed a program for the
same files (tests/realengine/test_stack_file_parity.py proves them again against it)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offline import engine, gate, goyaml, preview
from offline.engine import ROOT, SECURE_PLACEHOLDER, StackConfig, StackConfigError, load_stack
from offline.stackfiles import SECURE_CREDENTIAL

DEFAULTS = {
    "trade2026:platform": "docker",
    "trade2026:bindAddress": "127.0.0.1",
    "trade2026:hostPorts": "auto",
    "trade2026:portBlock": "0",
    "trade2026:registryMirror": "",
    "trade2026:waitForHealthy": "true",
    "trade2026:protectData": "false",
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's Pulumi.yaml in a directory the engine treats as the project root."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    monkeypatch.setattr(engine, "ROOT", tmp_path)
    return tmp_path


def _stack_file(project: Path, content: str | bytes, stack: str = "broken") -> Path:
    path = project / f"Pulumi.{stack}.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def _refusal(stack: str = "broken") -> list[str]:
    with pytest.raises(StackConfigError) as caught:
        load_stack(stack)
    return caught.value.lines


def _laughs() -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    return "config:\n  trade2026:x:\n" + "".join(f"    {line}\n" for line in lines)


F = "Pulumi.broken.yaml: "
HOLDS = "(a stack file holds config, encryptedkey, encryptionsalt, environment, secretsprovider)"
MALFORMED = [
    pytest.param(
        "config: [\n  a: b\n",
        [F + "not valid YAML (did not find expected ',' or ']' at line 3, column 1)"],
        id="invalid YAML",
    ),
    pytest.param(
        "- trade2026:hostPorts: fixed\n", [F + "expected a map with a config: key, got a list"], id="top-level list"
    ),
    pytest.param(
        "config: [trade2026:hostPorts]\n", [F + "config: expected a map of keys to values"], id="config not a map"
    ),
    pytest.param(
        "confg:\n  trade2026:hostPorts: fixed\n",
        [F + f"unknown top-level key 'confg' {HOLDS}"],
        id="misspelt config (the CLI ignores it)",
    ),
    pytest.param(b"config:\n  trade2026:registryMirror: caf\xe9\n", [F + "not UTF-8 text"], id="not UTF-8"),
    pytest.param(
        "config:\n  trade2026:hostPorts: fixed\n  trade2026:hostPorts: auto\n",
        [F + "trade2026:hostPorts: defined twice in one mapping (lines 2 and 3)"],
        id="duplicate key",
    ),
    pytest.param(
        'config:\n  trade2026:hostPorts: fixed\n  "trade2026:hostPorts": auto\n',
        [F + "trade2026:hostPorts: defined twice in one mapping (lines 2 and 3)"],
        id="duplicate key, once quoted",
    ),
    pytest.param(
        "config:\n  trade2026:services:\n    nats: {}\n    nats: {}\n  trade2026:a: 1\n  trade2026:a: 2\n",
        [
            F + "trade2026:a: defined twice in one mapping (lines 5 and 6)",
            F + "trade2026:services.nats: defined twice in one mapping (lines 3 and 4)",
        ],
        id="duplicates nested and at the top, both reported",
    ),
    pytest.param(
        "config:\n  trade2026:a: 1\nconfig:\n  trade2026:b: 2\n",
        [F + "config: defined twice in one mapping (lines 1 and 3)"],
        id="duplicate top-level key",
    ),
    pytest.param(
        "config:\n  hostPorts: fixed\n  trade2026:hostPorts: auto\n",
        [
            F + "trade2026:hostPorts: set as hostPorts and trade2026:hostPorts, which are one key "
            "(the Pulumi CLI would use one of them at random); keep one"
        ],
        id="bare and namespaced spelling of one key",
    ),
    pytest.param(
        "config:\n  trade2026:config:portBlock: 3\n  trade2026:portBlock: 4\n",
        [
            F + "trade2026:portBlock: set as trade2026:config:portBlock and trade2026:portBlock, which are one key "
            "(the Pulumi CLI would use one of them at random); keep one"
        ],
        id="old and new spelling of one key",
    ),
    pytest.param(
        "config:\n  trade2026:services: {01: a, 1: b}\n",
        [F + "trade2026:services.1: two keys mean the same key (lines 2 and 2); keep one"],
        id="two keys that read as one (the CLI keeps the last)",
    ),
    pytest.param(
        "config:\n  a:b:c: 1\n",
        [F + "a:b:c: not a config key of the form <namespace>:<name>"],
        id="key with too many colons",
    ),
    pytest.param(
        "config:\n  1: x\n  ~: y\n",
        [
            F + "1: a config key that is not text (config keys are text of the form <namespace>:<name>)",
            F + "'<nil>': a config key that is not text (config keys are text of the form <namespace>:<name>)",
        ],
        id="config keys that are not text (the CLI drops ~ silently)",
    ),
    pytest.param(
        "environment:\n  - trading/dev\n",
        [
            F + "environment: imports Pulumi ESC environments, which the offline engine cannot open; "
            "use `pulumi preview` for this stack"
        ],
        id="ESC environment",
    ),
    pytest.param(
        "config:\n  trade2026:registryMirror:\n    secure: AAABAJ5hbGciOiJ\n",
        [
            F + "trade2026:registryMirror: a secure: value, which only the Pulumi CLI can decrypt; "
            "use `pulumi preview` for this stack"
        ],
        id="encrypted value of this program",
    ),
    pytest.param(
        "config:\n  trade2026:portBlock: !!int s3cr3t\n",
        [
            F + "trade2026:portBlock: line 2: tagged !!int, but its text reads as !!str, "
            "which the Pulumi CLI cannot decode"
        ],
        id="a tag its text does not fit, the text not shown",
    ),
    pytest.param(
        "config:\n  trade2026:services: {opa: {memoryMb: .inf}}\n",
        [F + "trade2026:services: +Inf cannot be passed to the program (JSON has no such number)"],
        id="infinity",
    ),
    pytest.param(
        "config:\n  trade2026:portBlock: -.inf\n",
        [F + "trade2026:portBlock: -Inf cannot be passed to the program (JSON has no such number)"],
        id="infinity where Pulumi.yaml declares an integer",
    ),
    pytest.param(
        _laughs(),
        [F + "trade2026:x.a3[3][6][2][3]: expands aliases excessively (as the Pulumi CLI's YAML reader refuses)"],
        id="billion laughs",
    ),
    pytest.param(
        "config:\n  trade2026:a: *nowhere\n",
        [F + "trade2026:a: unknown anchor 'nowhere' referenced"],
        id="unknown anchor",
    ),
    pytest.param(
        "config:\n  trade2026:a: &A [*A]\n",
        [F + "trade2026:a[0]: anchor 'A' value contains itself"],
        id="anchor inside itself",
    ),
    pytest.param(
        "config:\n  trade2026:a: 1\n---\nconfig:\n  trade2026:a: 2\n",
        [F + "holds more than one YAML document; the Pulumi CLI reads only the first"],
        id="two documents (the CLI ignores the second)",
    ),
    pytest.param(
        "%YAML 1.2\n---\nconfig: {}\n",
        [F + "%YAML 1.2: the Pulumi CLI reads only %YAML 1.1 documents"],
        id="YAML 1.2 directive",
    ),
    pytest.param(
        "config:\n  trade2026:waitForHealthy: yes\n  trade2026:portBlock: 1.5\n  trade2026:protectData: on\n",
        [
            F + "trade2026:portBlock: must be of type 'integer', as Pulumi.yaml declares it (the Pulumi CLI checks)",
            F + "trade2026:protectData: must be of type 'boolean', as Pulumi.yaml declares it (the Pulumi CLI checks)",
            F
            + "trade2026:waitForHealthy: must be of type 'boolean', as Pulumi.yaml declares it (the Pulumi CLI checks)",
        ],
        id="YAML 1.1 booleans are text, which Pulumi.yaml's declared types refuse",
    ),
    pytest.param(
        "config:\n  trade2026:services: " + "[" * 1000 + "]" * 1000 + "\n",
        [F + "trade2026:services: nested deeper than 999 levels, the most the offline reader reads"],
        id="nested a thousand levels",
    ),
    pytest.param(
        "config:\n  trade2026:services: " + "[" * 5000 + "\n",
        [F + "trade2026:services: nested deeper than 999 levels, the most the offline reader reads"],
        id="nested five thousand levels, never closed",
    ),
    pytest.param(
        "config:\n  trade2026:registryMirror: " + "m" * 131073 + "\n",
        [
            F + "trade2026:registryMirror: a value of 131073 characters, "
            "more than the 131072 an environment variable can carry"
        ],
        id="huge scalar",
    ),
    pytest.param(
        "config:\n  docker:a: " + "a" * 70000 + "\n  docker:b: " + "b" * 70000 + "\n",
        [
            F + "docker:a: the largest value of a config of 140261 bytes as PULUMI_CONFIG, more than the 131072 bytes "
            "Linux lets one environment variable hold, so the Python language host could not start the program"
        ],
        id="config too large to pass to the program",
    ),
    pytest.param(
        'config:\n  trade2026:registryMirror: "\\ud800"\n',
        [F + "not valid YAML (found invalid Unicode character escape code at line 2, column 32)"],
        id="lone surrogate",
    ),
    pytest.param(
        "config:\n  trade2026:registryMirror: !!binary /w==\n",
        [F + "trade2026:registryMirror: line 2: !!binary value is not UTF-8 text"],
        id="binary that is not text",
    ),
    pytest.param(
        "secretsprovider: {x: 1}\nconfig:\n  x: 1\n  trade2026:x: 2\n  trade2026:portBlock: abc\n  trade2026:ok: 1\n",
        [
            F + "secretsprovider: expected text, got a map",
            F + "trade2026:x: set as x and trade2026:x, which are one key "
            "(the Pulumi CLI would use one of them at random); keep one",
            F + "trade2026:portBlock: must be of type 'integer', as Pulumi.yaml declares it (the Pulumi CLI checks)",
        ],
        id="independent problems all at once",
    ),
    pytest.param(
        "config:\n  hostPorts: fixed\n  trade2026:hostPorts: auto\n  trade2026:services: {nats: {}, nats: {}}\n"
        "  trade2026:waitForHealthy: yes\n  trade2026:portBlock: !!int abc\n",
        [
            F + "trade2026:services.nats: defined twice in one mapping (lines 4 and 4)",
            F + "trade2026:portBlock: line 6: tagged !!int, but its text reads as !!str, "
            "which the Pulumi CLI cannot decode",
            F + "trade2026:hostPorts: set as hostPorts and trade2026:hostPorts, which are one key "
            "(the Pulumi CLI would use one of them at random); keep one",
            F
            + "trade2026:waitForHealthy: must be of type 'boolean', as Pulumi.yaml declares it (the Pulumi CLI checks)",
        ],
        id="problems of the YAML and of the config at once, each once",
    ),
]


@pytest.mark.parametrize(("content", "lines"), MALFORMED)
def test_a_malformed_stack_file_is_one_line_per_problem_naming_it(
    project: Path, content: str | bytes, lines: list[str]
) -> None:
    _stack_file(project, content)
    assert _refusal() == lines


def test_a_100_mb_stack_file_is_refused_before_it_is_read(project: Path) -> None:
    with (project / "Pulumi.broken.yaml").open("wb") as file:
        file.truncate(100 * 1024 * 1024)  # sparse: 100 MB long, nothing written
    started = time.monotonic()
    assert _refusal() == [
        F + "104857600 bytes, more than the 262144 a stack or project file may have here "
        "(the program's whole config has to fit in 131072 bytes)"
    ]
    assert time.monotonic() - started < 1


def test_linux_passes_an_environment_variable_of_the_bound_and_not_one_byte_more() -> None:
    # The bound on PULUMI_CONFIG is the kernel's (MAX_ARG_STRLEN), counting NAME=, value and NUL.
    fits = "x" * (goyaml.MAX_CONFIG_ENV_BYTES - len("PULUMI_CONFIG=") - 1)
    program = [sys.executable, "-c", "pass"]
    subprocess.run(program, env={"PULUMI_CONFIG": fits}, check=True)
    with pytest.raises(OSError) as caught:
        subprocess.run(program, env={"PULUMI_CONFIG": fits + "x"}, check=True)
    assert caught.value.errno == errno.E2BIG


def _refused_at_once(stack: str = "broken") -> list[str]:
    """The refusal, from a thread that must finish within seconds (a FIFO opened would block it)."""
    outcome: list[list[str]] = []
    worker = threading.Thread(target=lambda: outcome.append(_refusal(stack)), daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert outcome, "load_stack blocked on the file"
    return outcome[0]


def test_a_fifo_in_place_of_a_stack_file_is_refused_without_opening_it(project: Path) -> None:
    os.mkfifo(project / "Pulumi.broken.yaml")
    assert _refused_at_once() == [F + "is a named pipe (FIFO), not a file; refused without reading it"]


def test_a_symlink_to_a_fifo_is_refused_without_opening_it(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    fifo = tmp_path_factory.mktemp("elsewhere") / "pipe"
    os.mkfifo(fifo)
    (project / "Pulumi.broken.yaml").symlink_to(fifo)
    assert _refused_at_once() == [
        F + "is a named pipe (FIFO) (through a symbolic link), not a file; refused without reading it"
    ]


def test_a_symlink_to_a_device_is_refused_without_opening_it(project: Path) -> None:
    (project / "Pulumi.broken.yaml").symlink_to("/dev/zero")
    assert _refused_at_once() == [
        F + "is a character device (through a symbolic link), not a file; refused without reading it"
    ]


def test_a_directory_in_place_of_a_stack_file_is_refused(project: Path) -> None:
    (project / "Pulumi.broken.yaml").mkdir()
    assert _refusal() == [F + "is a directory, not a file; refused without reading it"]


def test_a_dangling_symlink_is_refused_not_read_as_an_empty_stack(project: Path) -> None:
    # The CLI treats it as a missing file and runs the stack on Pulumi.yaml's defaults alone.
    (project / "Pulumi.broken.yaml").symlink_to(project / "nowhere.yaml")
    assert _refusal() == [F + "is a symbolic link to a file that does not exist"]


def test_a_symlink_to_a_stack_file_is_read_through(project: Path) -> None:
    target = _stack_file(project, "config:\n  trade2026:hostPorts: fixed\n", stack="real")
    (project / "Pulumi.linked.yaml").symlink_to(target)
    assert load_stack("linked").config["trade2026:hostPorts"] == "fixed"


def test_a_malformed_project_file_is_one_line_naming_it(project: Path) -> None:
    (project / "Pulumi.yaml").write_text("name: trade2026\nconfig: [bindAddress]\n")
    assert _refusal("dev") == ["Pulumi.yaml: config: expected a map of key declarations"]


PROJECT_FILES = [
    pytest.param(
        "config:\n  bindAddress:\n    type: string\n    default: 1.1.1.1\n"
        "  trade2026:bindAddress:\n    type: string\n    default: 2.2.2.2\n",
        [
            "Pulumi.yaml: config.trade2026:bindAddress: declared as bindAddress and trade2026:bindAddress, which are "
            "one key (the Pulumi CLI uses the one that sorts first); keep one"
        ],
        id="one key declared twice",
    ),
    pytest.param(
        "config:\n  a: 1\n  a: 2\n",
        ["Pulumi.yaml: config.a: defined twice in one mapping (lines 4 and 5)"],
        id="duplicate declaration",
    ),
    pytest.param(
        "config:\n  docker:host:\n    default: unix:///x.sock\n",
        ["Pulumi.yaml: config.docker:host: not in the project's namespace, so it takes a value, not a default"],
        id="default for a provider's key",
    ),
    pytest.param(
        "config:\n  portBlock:\n    type: integer\n    default: abc\n",
        ["Pulumi.yaml: config.portBlock.default: not of the declared type 'integer'"],
        id="default of the wrong type",
    ),
]


@pytest.mark.parametrize(("config", "lines"), PROJECT_FILES)
def test_a_project_file_the_cli_refuses_is_refused(project: Path, config: str, lines: list[str]) -> None:
    (project / "Pulumi.yaml").write_text("name: trade2026\nruntime: python\n" + config)
    assert _refusal("dev") == lines


def test_project_shorthands_and_values_are_passed_as_the_cli_passes_them(project: Path) -> None:
    (project / "Pulumi.yaml").write_text(
        "name: trade2026\nruntime: python\nconfig:\n"
        "  bindAddress: 0.0.0.0\n  portBlock: 3\n  list: [1, a]\n  docker:host: unix:///x.sock\n"
        "  docker:opts:\n    value: {a: 1, b: [x]}\n  stamp:\n    default: 2001-12-14\n  big:\n    default: 1e6\n"
    )
    assert load_stack("none") == StackConfig(
        {
            "trade2026:bindAddress": "0.0.0.0",
            "trade2026:portBlock": "3",
            "trade2026:list": '[1,"a"]',
            "docker:host": "unix:///x.sock",
            "docker:opts": '{"a":1,"b":["x"]}',
            "trade2026:stamp": "2001-12-14T00:00:00Z",
            "trade2026:big": "1000000",
        },
        (),
    )


def test_a_key_pulumi_yaml_requires_must_be_set_by_the_stack(project: Path) -> None:
    (project / "Pulumi.yaml").write_text("name: trade2026\nruntime: python\nconfig:\n  needed:\n    type: string\n")
    _stack_file(project, "config:\n  trade2026:other: 1\n")
    assert _refusal() == [F + "trade2026:needed: Pulumi.yaml declares it without a default, so the stack must set it"]


def test_a_stack_name_that_is_not_one_is_refused_before_any_file_is_read(project: Path) -> None:
    assert _refusal("../etc") == ["stack name '../etc' is not letters, digits, '_', '.' and '-' (at most 100)"]


# Each scalar as the CLI 3.274.1 handed it to a program (yaml.v3, then Go's text for the value).
SCALARS = {
    "yes": "yes",
    "on": "on",
    "no": "no",
    "True": "true",
    "TRUE": "true",
    "0x10": "16",
    "010": "8",
    "0o10": "8",
    "0b101": "5",
    "1_000": "1000",
    "0x_1F": "31",
    "+5": "5",
    "-0": "0",
    "-0.0": "0",
    "007": "7",
    "08": "8",
    "1e3": "1000",
    "1.0": "1",
    "1.5": "1.5",
    ".5": "0.5",
    "1.": "1",
    "1e": "1e",
    "99999999999999999999": "100000000000000000000",
    "18446744073709551615": "18446744073709551615",
    "-9223372036854775809": "-9223372036854776000",
    "123456789012345678901234567890": "1.2345678901234568e+29",
    "1e21": "1e+21",
    "1e-7": "1e-7",
    "~": "",
    "null": "",
    '""': "",
    "": "",
    "2001-12-14": "2001-12-14 00:00:00 +0000 UTC",
    "2001-12-14T21:59:43.10-05:00": "2001-12-14 21:59:43.1 -0500 -0500",
    "2001-12-14t21:59:43.10Z": "2001-12-14 21:59:43.1 +0000 UTC",
    "2001-12-14 21:59:43.10 -5": "2001-12-14 21:59:43.10 -5",
    "2001-02-29": "2001-02-29",
    '"16"': "16",
    "1:20": "1:20",
    "!!str 0x10": "0x10",
    "!!float 1": "1",
    "!!binary aGVsbG8=": "hello",
    '"<&>"': "<&>",
    '"\\0"': "\x00",
}


def test_scalars_reach_the_program_as_the_cli_passes_them(project: Path) -> None:
    names = {f"trade2026:s{index}": text for index, text in enumerate(SCALARS)}
    _stack_file(project, "config:\n" + "".join(f"  {key}: {text}\n" for key, text in names.items()), stack="scalars")
    config = load_stack("scalars").config
    assert {names[key]: config[key] for key in names} == SCALARS


# Structured values as the CLI handed them over: Go's JSON (sorted keys, no spaces, HTML escaped).
STRUCTURED = {
    "{b: 0x10, a: yes, c: [1.0, ~, 2001-12-14, '<&>'], d: 1e21}": (
        '{"a":"yes","b":16,"c":[1,null,"2001-12-14 00:00:00 +0000 UTC","\\u003c\\u0026\\u003e"],"d":1e+21}'
    ),
    "[a, 1]": '["a",1]',
    "{1: a, true: b, ~: c, 1.5: d, 2001-12-14: e, 1e6: f}": (
        '{"1":"a","1.5":"d","1e+06":"f","2001-12-14 00:00:00 +0000 UTC":"e","\\u003cnil\\u003e":"c","true":"b"}'
    ),
    "{}": "{}",
    "[]": "[]",
    "{x: ~, y: [~]}": '{"x":null,"y":[null]}',
    "[1e6, -0.0, 1e-7, 1e21, 0.1]": "[1000000,0,1e-7,1e+21,0.1]",
    '{b: "\\u00e9\\U0001F600", "k<": 1}': '{"b":"\u00e9\U0001f600","k\\u003c":1}',
    "{secure: 123}": '{"secure":123}',
    "{secure: 5, other: 1}": '{"other":1,"secure":5}',
}


def test_structured_values_reach_the_program_as_the_cli_passes_them(project: Path) -> None:
    names = {f"trade2026:o{index}": text for index, text in enumerate(STRUCTURED)}
    _stack_file(project, "config:\n" + "".join(f"  {key}: {text}\n" for key, text in names.items()), stack="objects")
    config = load_stack("objects").config
    assert {names[key]: config[key] for key in names} == STRUCTURED


def test_anchors_aliases_merges_and_block_scalars_are_read_as_the_cli_reads_them(project: Path) -> None:
    _stack_file(
        project,
        "config:\n"
        "  trade2026:a: &B {x: 1, y: 2}\n"
        "  trade2026:b:\n    <<: *B\n    y: 3\n"
        "  trade2026:c: [*B, *B]\n"
        "  trade2026:literal: |\n    line1\n    line2\n"
        "  trade2026:folded: >-\n    a\n    b\n"
        "  <<: {trade2026:merged: in}\n",
        stack="yaml",
    )
    config = load_stack("yaml").config
    assert {key: config[key] for key in config if key not in DEFAULTS} == {
        "trade2026:a": '{"x":1,"y":2}',
        "trade2026:b": '{"x":1,"y":3}',
        "trade2026:c": '[{"x":1,"y":2},{"x":1,"y":2}]',
        "trade2026:literal": "line1\nline2\n",
        "trade2026:folded": "a b",
        "trade2026:merged": "in",
    }


def test_keys_without_a_namespace_belong_to_the_project_as_the_cli_reads_them(project: Path) -> None:
    _stack_file(project, "config:\n  hostPorts: fixed\n  trade2026:config:portBlock: 3\n", stack="bare")
    config = load_stack("bare").config
    assert (config["trade2026:hostPorts"], config["trade2026:portBlock"]) == ("fixed", "3")


def test_an_empty_stack_file_a_bom_and_a_null_config_are_the_project_defaults(project: Path) -> None:
    _stack_file(project, "", stack="empty")
    _stack_file(project, "# nothing but a comment\n", stack="comment")
    _stack_file(project, "config: ~\n", stack="null")
    _stack_file(project, b"\xef\xbb\xbfconfig:\n  trade2026:hostPorts: auto\n", stack="bom")
    assert load_stack("missing") == StackConfig(DEFAULTS, ())
    assert [load_stack(name) for name in ("empty", "comment", "null", "bom")] == [StackConfig(DEFAULTS, ())] * 4


def test_encrypted_provider_values_become_a_marked_placeholder_and_a_secret_key(project: Path) -> None:
    _stack_file(
        project,
        "config:\n"
        "  docker:registryAuth:\n"
        "    - address: mirror.internal:5000\n"
        "      username: ci-puller\n"
        "      password:\n"
        "        secure: AAABAJ5hbGciOiJ\n",
        stack="mirror",
    )
    stack = load_stack("mirror")
    assert stack.secret_keys == ("docker:registryAuth",)
    assert stack.config["docker:registryAuth"] == (
        '[{"address":"mirror.internal:5000","password":"[secure value: only the Pulumi CLI decrypts it]",'
        '"username":"ci-puller"}]'
    )
    assert SECURE_PLACEHOLDER == "[secure value: only the Pulumi CLI decrypts it]"


def test_the_committed_dev_stack_loads_as_the_cli_passes_it() -> None:
    assert load_stack("dev") == StackConfig(
        {**DEFAULTS, "trade2026:services": '{"opensearch":{"securityPlugin":false}}'}, ()
    )


GATED = [
    case
    for case in MALFORMED
    if case.id
    in (
        "invalid YAML",
        "top-level list",
        "misspelt config (the CLI ignores it)",
        "duplicates nested and at the top, both reported",
        "billion laughs",
        "independent problems all at once",
        "problems of the YAML and of the config at once, each once",
    )
]


@pytest.mark.parametrize(("content", "lines"), GATED)
def test_preview_exits_2_with_every_line(
    project: Path, capsys: pytest.CaptureFixture[str], content: str, lines: list[str]
) -> None:
    _stack_file(project, content)
    assert preview.main(["--stack", "broken"]) == 2
    assert capsys.readouterr().err.splitlines() == [f"error: {line}" for line in lines]


@pytest.mark.parametrize(("content", "lines"), GATED)
def test_gate_exits_2_with_every_line(
    project: Path, capsys: pytest.CaptureFixture[str], content: str, lines: list[str]
) -> None:
    _stack_file(project, content)
    assert gate.main(["--stack", "broken"]) == 2
    assert capsys.readouterr().err.splitlines() == [f"gate: {line}" for line in lines]


def test_gate_refuses_a_fifo_at_once(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.mkfifo(project / "Pulumi.broken.yaml")
    assert gate.main(["--stack", "broken"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "gate: " + F + "is a named pipe (FIFO), not a file; refused without reading it"
    ]


# --- Properties: whatever the file, one line per problem naming it, and no value ever shown -------

SCALAR_TEXT = st.sampled_from(
    [*SCALARS, "*a", "&a x", "!!int x", "!!timestamp x", "!!binary @@", "<<", ".nan", "-.inf", "? x", "[", "{", "'"]
) | st.text(max_size=12)
YAML_VALUE = st.recursive(
    SCALAR_TEXT,
    lambda children: (
        st.lists(children, max_size=4).map(lambda items: f"[{', '.join(items)}]")
        | st.lists(st.tuples(SCALAR_TEXT, children), max_size=4).map(
            lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
        )
    ),
    max_leaves=12,
)
KEY = st.sampled_from(
    ["trade2026:hostPorts", "hostPorts", "trade2026:config:hostPorts", "docker:host", "a:b:c", "1", "~"]
)
STACK_TEXT = st.lists(st.tuples(KEY | st.text(max_size=10), YAML_VALUE), max_size=5).map(
    lambda entries: "config:\n" + "".join(f"  {key}: {value}\n" for key, value in entries)
) | st.text(max_size=200)


def _outcome(content: str | bytes) -> list[str]:
    """The lines of a refusal, or [] when the file loads; anything but StackConfigError propagates."""
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        shutil.copy(ROOT / "Pulumi.yaml", root / "Pulumi.yaml")
        path = root / "Pulumi.any.yaml"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
        try:
            stack = load_stack("any", root)
        except StackConfigError as error:
            assert error.lines
            for line in error.lines:
                assert line.startswith("Pulumi.any.yaml: "), line
                assert "\n" not in line and "\r" not in line, line
            return error.lines
        assert all(isinstance(value, str) for value in stack.config.values())
        return []


@settings(max_examples=300, deadline=None)
@given(STACK_TEXT | st.binary(max_size=100))
def test_any_stack_file_loads_or_is_refused_one_line_per_problem_naming_it(content: str | bytes) -> None:
    _outcome(content)


TOKEN = st.text(alphabet="qxzjQXZJ", min_size=8, max_size=16)
SHAPES = [
    "{t}",
    "!!int {t}",
    "!!float {t}",
    "!!bool {t}",
    "!!timestamp {t}",
    "!!binary {t}",
    "[{t}, !!null {t}]",
    "{{a: !!int {t}}}",
    "{{a: {t}, a: {t}}}",
    "{{credentials: {{valkey: {{password: !!int {t}}}}}}}",
    '"{t}\\ud800"',
]


@settings(max_examples=200, deadline=None)
@given(TOKEN, st.sampled_from(SHAPES), st.sampled_from(["trade2026:credentials", "trade2026:portBlock", "docker:x"]))
def test_no_refusal_ever_shows_a_value(token: str, shape: str, key: str) -> None:
    lines = _outcome(f"config:\n  {key}: {shape.format(t=token)}\n")
    assert not any(token in line for line in lines), lines


@settings(max_examples=100, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_go_float_text_round_trips_to_the_same_number(number: float) -> None:
    text = goyaml.json_float(number)
    assert float(text) == number
    assert text == text.strip() and " " not in text


KUBERNETES_NAMESPACE = (
    "  trade2026:kubernetes.namespace: unset, so the stack's namespace is trade2026-Dev_Alice, made from stack name "
    "Dev_Alice, which Kubernetes refuses (up to 63 lowercase letters, digits and '-'); "
    "set trade2026:kubernetes.namespace"
)


def test_gate_and_preview_refuse_a_kubernetes_stack_whose_name_makes_no_namespace(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _stack_file(project, "config:\n  trade2026:platform: kubernetes\n", stack="Dev_Alice")
    assert gate.main(["--stack", "Dev_Alice"]) == 2
    assert capsys.readouterr().err.splitlines() == ["gate: invalid stack config:", KUBERNETES_NAMESPACE]
    assert preview.main(["--stack", "Dev_Alice"]) == 2
    assert capsys.readouterr().err.splitlines() == ["error: invalid stack config:", KUBERNETES_NAMESPACE]


# Credentials encrypted in a committed stack file ----------------------------------------------------

_ENCRYPTED_CREDENTIALS = """config:
  trade2026:credentials:
    postgres:
      password:
        secure: v1:tUz3KQjHzpeoWz8c:bW9jayBjaXBoZXJ0ZXh0
    valkey:
      password:
        secure: v1:Q2k0dTh5cVh2ZmFo:YW5vdGhlciBjaXBoZXJ0ZXh0
"""


def test_a_credential_encrypted_with_config_set_secret_is_previewed_with_a_secret_stand_in(project: Path) -> None:
    # `pulumi config set --secret --path trade2026:credentials.postgres.password ...` writes this;
    # the offline tools cannot decrypt it, and must neither refuse the stack nor show a value.
    _stack_file(project, _ENCRYPTED_CREDENTIALS, stack="dev-vault")
    loaded = load_stack("dev-vault")
    assert "trade2026:credentials" in loaded.secret_keys
    assert json.loads(loaded.config["trade2026:credentials"]) == {
        "postgres": {"password": SECURE_CREDENTIAL},
        "valkey": {"password": SECURE_CREDENTIAL},
    }
    assert loaded.notes == tuple(
        f"trade2026:credentials.{service}.password: a secure: value, previewed with a stand-in; "
        "`pulumi preview` judges the value itself"
        for service in ("postgres", "valkey")
    )


def test_a_stack_with_encrypted_credentials_passes_the_gate_and_renders_them_secret(project: Path) -> None:
    _stack_file(project, _ENCRYPTED_CREDENTIALS, stack="dev-vault")
    loaded = load_stack("dev-vault")
    plan = engine.run_program("dev-vault", loaded.config, secret_keys=loaded.secret_keys, preview=True)
    report = gate.run_gate(plan, ROOT / "policies" / "config" / "ci.json", config=loaded.config)
    assert report.mandatory == []
    postgres = next(r for r in plan.resources if r.type.endswith("container:Container") and r.name == "postgres")
    [upload] = [u for u in postgres.inputs["uploads"] if u["file"] == "/run/secrets/postgres-password"]
    assert isinstance(upload["content"], engine.Secret)
    assert engine.reveal(upload["content"]).strip() == SECURE_CREDENTIAL


def test_a_whole_encrypted_credentials_object_is_refused_naming_the_key(project: Path) -> None:
    _stack_file(project, "config:\n  trade2026:credentials:\n    secure: v1:AAAA:BBBB\n")
    assert _refusal() == [
        "Pulumi.broken.yaml: trade2026:credentials: a secure: value, which only the Pulumi CLI can decrypt; "
        "use `pulumi preview` for this stack"
    ]


def test_a_stack_name_without_a_file_is_named_with_the_stacks_there_are(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `./preview.sh --stack dev-alcie`: a typo must not preview the defaults as if it were a stack.
    _stack_file(project, "config: {}\n", stack="dev")
    _stack_file(project, "config: {}\n", stack="prod")
    assert gate.main(["--stack", "dev-alcie"]) == 2
    assert preview.main(["--stack", "dev-alcie"]) == 2
    expected = (
        f"stack dev-alcie: no Pulumi.dev-alcie.yaml in {project} (stacks here: dev, prod); "
        "for a stack of your own: cp Pulumi.dev.yaml Pulumi.dev-alcie.yaml"
    )
    assert capsys.readouterr().err.splitlines() == [f"gate: {expected}", f"error: {expected}"]
