"""The offline engine reads Pulumi.yaml and Pulumi.<stack>.yaml as the Pulumi CLI does, and turns a
file it cannot use into one line naming the file: exit 2 from the preview and the gate."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from offline import engine, gate, preview
from offline.engine import ROOT, SECURE_PLACEHOLDER, StackConfig, StackConfigError, load_stack


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's Pulumi.yaml in a directory the engine treats as the project root."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    monkeypatch.setattr(engine, "ROOT", tmp_path)
    return tmp_path


def _stack_file(project: Path, content: str | bytes, stack: str = "broken") -> None:
    path = project / f"Pulumi.{stack}.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)


MALFORMED = [
    pytest.param(
        "config: [\n  a: b\n",
        "Pulumi.broken.yaml: not valid YAML (expected ',' or ']', but got '<stream end>' at line 3, column 1)",
        id="invalid YAML",
    ),
    pytest.param(
        "- trade2026:hostPorts: fixed\n",
        "Pulumi.broken.yaml: expected a map with a config: key, got a list",
        id="top-level list",
    ),
    pytest.param(
        "config: [trade2026:hostPorts]\n",
        "Pulumi.broken.yaml: config: expected a map of keys to values",
        id="config not a map",
    ),
    pytest.param(
        "confg:\n  trade2026:hostPorts: fixed\n",
        "Pulumi.broken.yaml: unknown top-level key 'confg' "
        "(a stack file holds config, encryptedkey, encryptionsalt, environment, secretsprovider)",
        id="misspelt config",
    ),
    pytest.param(
        b"config:\n  trade2026:registryMirror: caf\xe9\n",
        "Pulumi.broken.yaml: not UTF-8 text",
        id="not UTF-8",
    ),
    pytest.param(
        "config:\n  trade2026:services: " + "[" * 5000 + "\n",
        "Pulumi.broken.yaml: not valid YAML (or nested too deeply to read)",
        id="nested beyond the recursion limit",
    ),
    pytest.param(
        "config:\n  trade2026:services:\n    2024-01-01: 1\n",
        "Pulumi.broken.yaml: a config value cannot be passed on as JSON (nested too deeply, or a key is not text)",
        id="a key that is not text",
    ),
    pytest.param(
        "config:\n  a:b:c: 1\n",
        "Pulumi.broken.yaml: config key 'a:b:c' is not of the form <namespace>:<name>",
        id="key with too many colons",
    ),
    pytest.param(
        "environment:\n  - trading/dev\n",
        "Pulumi.broken.yaml: environment: imports Pulumi ESC environments, which the offline engine cannot open; "
        "use `pulumi preview` for this stack",
        id="ESC environment",
    ),
    pytest.param(
        "config:\n  trade2026:registryMirror:\n    secure: AAABAJ5hbGciOiJ\n",
        "Pulumi.broken.yaml: 'trade2026:registryMirror' is a secure: value, which only the Pulumi CLI can decrypt; "
        "use `pulumi preview` for this stack",
        id="encrypted value of this program",
    ),
]


@pytest.mark.parametrize(("content", "message"), MALFORMED)
def test_a_malformed_stack_file_is_one_line_naming_it(project: Path, content: str | bytes, message: str) -> None:
    _stack_file(project, content)
    with pytest.raises(StackConfigError) as caught:
        load_stack("broken")
    assert str(caught.value) == message


def test_an_unreadable_stack_file_is_one_line_naming_it(project: Path) -> None:
    (project / "Pulumi.broken.yaml").mkdir()
    with pytest.raises(StackConfigError, match=r"^Pulumi\.broken\.yaml: cannot be read \(Is a directory\)$"):
        load_stack("broken")


def test_a_malformed_project_file_is_one_line_naming_it(project: Path) -> None:
    (project / "Pulumi.yaml").write_text("name: trade2026\nconfig: [bindAddress]\n")
    with pytest.raises(StackConfigError, match=r"^Pulumi\.yaml: config: expected a map of key declarations$"):
        load_stack("dev")


def test_a_stack_name_that_is_not_one_is_refused_before_any_file_is_read(project: Path) -> None:
    with pytest.raises(StackConfigError, match=r"^stack name '\.\./etc' is not letters"):
        load_stack("../etc")


@pytest.mark.parametrize(("content", "message"), MALFORMED[:4])
def test_preview_exits_2_with_the_one_line(
    project: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    _stack_file(project, content)
    assert preview.main(["--stack", "broken"]) == 2
    assert capsys.readouterr().err.splitlines() == [f"error: {message}"]


def test_gate_exits_2_with_the_one_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _stack_file(project, "- trade2026:hostPorts: fixed\n")
    assert gate.main(["--stack", "broken"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "gate: Pulumi.broken.yaml: expected a map with a config: key, got a list"
    ]


def test_keys_without_a_namespace_belong_to_the_project_as_the_cli_reads_them(project: Path) -> None:
    _stack_file(project, "config:\n  hostPorts: fixed\n  trade2026:config:portBlock: 3\n", stack="bare")
    config = load_stack("bare").config
    assert (config["trade2026:hostPorts"], config["trade2026:portBlock"]) == ("fixed", "3")


def test_an_empty_stack_file_is_the_project_defaults(project: Path) -> None:
    _stack_file(project, "", stack="empty")
    assert load_stack("empty") == load_stack("missing")


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
        '[{"address": "mirror.internal:5000", "username": "ci-puller", '
        '"password": "[secure value: only the Pulumi CLI decrypts it]"}]'
    )
    assert SECURE_PLACEHOLDER == "[secure value: only the Pulumi CLI decrypts it]"


def test_the_committed_dev_stack_loads_as_the_cli_passes_it() -> None:
    assert load_stack("dev") == StackConfig(
        {
            "trade2026:platform": "docker",
            "trade2026:bindAddress": "127.0.0.1",
            "trade2026:hostPorts": "auto",
            "trade2026:portBlock": "0",
            "trade2026:registryMirror": "",
            "trade2026:waitForHealthy": "true",
            "trade2026:protectData": "false",
            "trade2026:services": '{"opensearch": {"securityPlugin": false}}',
        },
        (),
    )


YAML_TEXT = (
    st.text(max_size=200)
    | st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.dates().map(str),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=15), children, max_size=4),
        max_leaves=20,
    ).map(lambda document: yaml.safe_dump(document))
    | st.dictionaries(
        st.sampled_from(["config", "confg", "environment", "secretsprovider"]) | st.text(max_size=10),
        st.dictionaries(st.text(max_size=25), st.text(max_size=10) | st.just({"secure": "AAAB"}), max_size=3)
        | st.lists(st.text(max_size=5), max_size=2),
        max_size=3,
    ).map(lambda document: yaml.safe_dump(document))
)


@settings(max_examples=200, deadline=None)
@given(YAML_TEXT | st.binary(max_size=100))
def test_any_stack_file_loads_or_is_refused_in_one_line_naming_it(content: str | bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        shutil.copy(ROOT / "Pulumi.yaml", root / "Pulumi.yaml")
        path = root / "Pulumi.any.yaml"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        try:
            stack = load_stack("any", root)
        except StackConfigError as error:
            assert str(error).startswith("Pulumi.any.yaml: ")
            assert len(str(error).splitlines()) == 1
        else:
            assert all(isinstance(value, str) for value in stack.config.values())
