"""The offline reader of stack files against the real Pulumi CLI 3.274.1: for the same Pulumi.yaml
and Pulumi.<stack>.yaml, what the CLI hands a program (its config and secret keys), or that it
refuses the files, and what `offline.stackfiles.load` makes of them.

One stack, one inline program: each case rewrites the stack file (or Pulumi.yaml) and runs one
`pulumi preview`. The scalars and structures of tests/test_stack_files.py go in one file, so their
expected texts there are proven here with one CLI process. Where the offline reader refuses a
file the CLI runs, the case says why (STRICTER); every other case must agree."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from pulumi import automation as auto

from offline import stackfiles
from offline.stackfiles import StackConfig, StackConfigError
from tests.realengine.support import ROOT, engine_env
from tests.test_stack_files import MALFORMED, PROJECT_FILES, SCALARS, STRUCTURED

pytestmark = pytest.mark.real_engine

STACK = "parity"
# Files the CLI runs and the offline reader refuses, on purpose (docs/_incoming/stack-files.md).
STRICTER = {
    "misspelt config (the CLI ignores it)": "the CLI ignores an unknown top-level key, so config: is lost",
    "bare and namespaced spelling of one key": "the CLI keeps one of the two at random",
    "old and new spelling of one key": "the CLI keeps one of the two at random",
    "two keys that read as one (the CLI keeps the last)": "the CLI keeps the last silently",
    "two documents (the CLI ignores the second)": "the CLI ignores every document after the first",
    "nested a thousand levels": "yaml.v3 reads 10000 levels; the offline reader (libyaml) 999",
    "huge scalar": "too long for PULUMI_CONFIG, which `pulumi up` passes (inline programs get gRPC)",
    "config too large to pass to the program": "the same: PULUMI_CONFIG, not gRPC, is what `pulumi up` uses",
    "one key declared twice": "the CLI uses the declaration that sorts first",
}


@dataclass(frozen=True)
class Outcome:
    config: dict[str, str] | None  # None: refused
    secret_keys: tuple[str, ...] = ()
    error: str = ""


class CliStack:
    """Stack `parity` of project trade2026 on a throwaway backend, its program recording the
    config the CLI hands it."""

    def __init__(self, work: Path) -> None:
        self.project = work / "project"
        self.project.mkdir()
        shutil.copy(ROOT / "Pulumi.yaml", self.project / "Pulumi.yaml")
        env = engine_env(work)
        self.seen: dict[str, Any] = {}
        command = auto.PulumiCommand(root=str(Path(env["TRADE2026_PULUMI_BIN"]).parent))
        self.stack = auto.create_stack(
            STACK,
            project_name="trade2026",
            program=self._program,
            opts=auto.LocalWorkspaceOptions(work_dir=str(self.project), pulumi_command=command, env_vars=env),
        )
        self.file = self.project / f"Pulumi.{STACK}.yaml"
        # The passphrase provider's salt, for the stack files that hold secrets to decrypt.
        self.salt = self.file.read_text()

    def _program(self) -> None:
        # Inline programs get the config the CLI sends the language host, the map it would pass
        # a Python program in PULUMI_CONFIG; pulumi.Config cannot list keys, so read it whole.
        config = dict(pulumi.runtime.config.CONFIG.get())
        self.seen["config"] = config
        self.seen["secret_keys"] = tuple(sorted(k for k in config if pulumi.runtime.is_config_secret(k)))

    def ciphertext(self, key: str, value: str) -> str:
        """`value` encrypted by this stack's secrets provider, as `pulumi config set --secret` writes it."""
        self.stack.set_config(key, auto.ConfigValue(value, secret=True))
        ciphertext = yaml.safe_load(self.file.read_text())["config"][key]["secure"]
        self.stack.remove_config(key)
        return str(ciphertext)

    def cli(self, stack_text: str | bytes, project_text: str | None = None, salted: bool = False) -> Outcome:
        self._write(stack_text, project_text, salted)
        self.seen.clear()
        try:
            self.stack.preview()
        except auto.CommandError as failed:
            return Outcome(None, error=str(failed).split("stderr:", 1)[-1].strip()[:300])
        return Outcome(self.seen["config"], self.seen["secret_keys"])

    def offline(self, stack_text: str | bytes, project_text: str | None = None, salted: bool = False) -> Outcome:
        self._write(stack_text, project_text, salted)
        try:
            loaded: StackConfig = stackfiles.load(STACK, self.project)
        except StackConfigError as refused:
            return Outcome(None, error=str(refused))
        return Outcome(loaded.config, loaded.secret_keys)

    def _write(self, stack_text: str | bytes, project_text: str | None, salted: bool) -> None:
        if isinstance(stack_text, str):
            stack_text = ((self.salt if salted else "") + stack_text).encode()
        self.file.write_bytes(stack_text)
        (self.project / "Pulumi.yaml").write_text(project_text or (ROOT / "Pulumi.yaml").read_text())


@pytest.fixture(scope="module")
def cli_stack(tmp_path_factory: pytest.TempPathFactory) -> CliStack:
    return CliStack(tmp_path_factory.mktemp("stack-file-parity"))


def _agree(cli: Outcome, offline: Outcome, secure: frozenset[str] = frozenset()) -> None:
    assert (cli.config is None) == (offline.config is None), f"CLI: {cli}\noffline: {offline}"
    if cli.config is None or offline.config is None:
        return
    assert cli.secret_keys == offline.secret_keys
    # A secure value outside the program's namespace: the CLI decrypts it, the offline engine
    # passes a marked placeholder (its keys are the secret keys compared above).
    assert {k: v for k, v in cli.config.items() if k not in secure} == {
        k: v for k, v in offline.config.items() if k not in secure
    }


def test_scalars_structures_anchors_and_secrets_reach_the_program_as_offline(cli_stack: CliStack) -> None:
    scalars = {f"trade2026:s{index}": text for index, text in enumerate(SCALARS)}
    structured = {f"trade2026:o{index}": text for index, text in enumerate(STRUCTURED)}
    password = cli_stack.ciphertext("docker:password", "hunter2")
    text = (
        "config:\n"
        + "".join(f"  {key}: {value}\n" for key, value in {**scalars, **structured}.items())
        + "  hostPorts: fixed\n  trade2026:config:portBlock: 3\n"
        + "  trade2026:a: &B {x: 1, y: 2}\n  trade2026:b:\n    <<: *B\n    y: 3\n  trade2026:c: [*B, *B]\n"
        + "  trade2026:literal: |\n    line1\n    line2\n  trade2026:folded: >-\n    a\n    b\n"
        + "  <<: {trade2026:merged: in}\n"
        + f"  docker:registryAuth:\n    - address: mirror.internal:5000\n      password:\n        secure: {password}\n"
        + f"  docker:token:\n    secure: {password}\n"
    )
    cli, offline = cli_stack.cli(text, salted=True), cli_stack.offline(text, salted=True)
    _agree(cli, offline, secure=frozenset({"docker:registryAuth", "docker:token"}))
    assert cli.config is not None
    assert {source: cli.config[key] for key, source in scalars.items()} == SCALARS
    assert {source: cli.config[key] for key, source in structured.items()} == STRUCTURED
    assert cli.secret_keys == ("docker:registryAuth", "docker:token")
    assert cli.config["docker:token"] == "hunter2"


@pytest.mark.parametrize(("content", "lines"), MALFORMED)
def test_a_file_offline_refuses_the_cli_refuses_too_unless_stricter_on_purpose(
    cli_stack: CliStack, request: pytest.FixtureRequest, content: str | bytes, lines: list[str]
) -> None:
    case = request.node.callspec.id
    cli, offline = cli_stack.cli(content), cli_stack.offline(content)
    assert offline.error.splitlines() == [line.replace("Pulumi.broken.yaml", f"Pulumi.{STACK}.yaml") for line in lines]
    if case in STRICTER:
        assert cli.config is not None, f"the CLI refuses it now ({cli.error}): drop it from STRICTER"
    else:
        assert cli.config is None, f"the CLI runs it: {cli.config}"


@pytest.mark.parametrize(("config", "lines"), PROJECT_FILES)
def test_a_project_file_offline_refuses_the_cli_refuses_too_unless_stricter_on_purpose(
    cli_stack: CliStack, request: pytest.FixtureRequest, config: str, lines: list[str]
) -> None:
    project = "name: trade2026\nruntime: python\n" + config
    cli, offline = cli_stack.cli("", project), cli_stack.offline("", project)
    assert offline.error.splitlines() == [line.replace("Pulumi.dev.yaml", f"Pulumi.{STACK}.yaml") for line in lines]
    assert (cli.config is not None) == (request.node.callspec.id in STRICTER), cli.error


PROJECTS = [
    pytest.param(
        "config:\n  bindAddress: 0.0.0.0\n  portBlock: 3\n  list: [1, a]\n  docker:host: unix:///x.sock\n"
        "  docker:opts:\n    value: {a: 1, b: [x]}\n  stamp:\n    default: 2001-12-14\n  big:\n    default: 1e6\n",
        "",
        id="shorthands, values and defaults",
    ),
    pytest.param("config:\n  needed:\n    type: string\n", "", id="a required key the stack does not set"),
    pytest.param("config:\n  needed:\n    type: string\n", "config:\n  needed: here\n", id="a required key set"),
    pytest.param(
        "config:\n  token:\n    type: string\n    secret: true\n",
        "config:\n  token: in clear\n",
        id="a key declared secret set in clear",
    ),
    pytest.param(
        "config:\n  count:\n    type: integer\n  flag:\n    type: boolean\n",
        "config:\n  count: 0x10\n  flag: True\n",
        id="declared types met after yaml.v3 reads the values",
    ),
    pytest.param(
        "config:\n  tags:\n    type: array\n    items:\n      type: string\n",
        "config:\n  tags: [a, 2001-12-14]\n",
        id="an array of strings holding a timestamp",
    ),
    pytest.param(
        "config:\n  tags:\n    type: array\n    items:\n      type: string\n",
        "config:\n  tags: [a, 1]\n",
        id="an array of strings holding a number",
    ),
]


@pytest.mark.parametrize(("project_config", "stack_text"), PROJECTS)
def test_pulumi_yaml_declarations_apply_as_offline(cli_stack: CliStack, project_config: str, stack_text: str) -> None:
    project = "name: trade2026\nruntime: python\n" + project_config
    _agree(cli_stack.cli(stack_text, project), cli_stack.offline(stack_text, project))


@pytest.mark.parametrize("stack", ["dev", "prod", "k8s-dev"])
def test_the_committed_stack_files_reach_the_program_as_offline(cli_stack: CliStack, stack: str) -> None:
    text = (ROOT / f"Pulumi.{stack}.yaml").read_text()
    cli, offline = cli_stack.cli(text), cli_stack.offline(text)
    _agree(cli, offline)
    assert cli.config is not None
