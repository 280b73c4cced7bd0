"""The stand-in image's demo configuration of OpenSearch's security plugin (trade2026.DemoConfiguration
in tests/real/opensearch-node), run with this machine's Java as the image's entrypoint runs it before
the node: which OPENSEARCH_INITIAL_ADMIN_PASSWORD it refuses, in the plugin's words and with its exit
status, never showing the password; the certificate it writes once. And the program's own check at
preview (components/credential_rules.py, Python's zxcvbn) against it (zxcvbn4j 1.9.0, the plugin's):
what one refuses the other refuses, but for the special character the program asks for and the
plugin's regex does not."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from components.credential_rules import problem
from tests.real.built_servers import opensearch_launcher
from tests.real.support import require, require_program

pytestmark = pytest.mark.real_server

ADVICE = (
    " Please re-try with a minimum 8 character password and must contain at least one uppercase letter, one"
    " lowercase letter, one digit, and one special character that is strong. Password strength can be tested"
    " here: https://lowe.github.io/tryzxcvbn"
)


def _failed(reason: str) -> str:
    return f'Password (not shown by the trade2026 stand-in) failed validation: "{reason}".{ADVICE}'


def _demo_configuration(config: Path, password: str) -> subprocess.CompletedProcess[str]:
    launcher = opensearch_launcher()
    with zipfile.ZipFile(launcher) as jar:
        built = "trade2026/DemoConfiguration.class" in jar.namelist()
    hint = f"rebuild {launcher} with tools/opensearch.sh"
    require(True if built else None, "the launcher with DemoConfiguration", hint)
    java = require_program("java", "apt-get install openjdk-17-jdk-headless")
    config.mkdir(exist_ok=True)
    return subprocess.run(
        [java, "-cp", f"{launcher}:{launcher.parent / 'lib'}/*", "trade2026.DemoConfiguration", str(config)],
        env={"OPENSEARCH_INITIAL_ADMIN_PASSWORD": password, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


REFUSED = [
    (
        "",
        "No custom admin password found. Please provide a password via the environment variable"
        " OPENSEARCH_INITIAL_ADMIN_PASSWORD.",
    ),
    ("Sh0rt!x", _failed("Password is too short")),
    ("Aa1!" + "x7Qz" * 25, _failed("Password is too long")),
    ("all-lower-case-and-9", _failed("Password does not match validation regex")),
    ("Password123!", _failed("Weak password")),
    ("admin_Admin-1234", _failed("Password is similar to user name")),
]


@pytest.mark.parametrize(("password", "said"), REFUSED, ids=["missing", "short", "long", "regex", "weak", "similar"])
def test_a_refused_password_stops_with_the_plugins_message_and_status_255_and_is_not_shown(
    tmp_path: Path, password: str, said: str
) -> None:
    result = _demo_configuration(tmp_path / "config", password)
    assert (result.returncode, result.stdout.splitlines()) == (255, [said]), result.stderr
    if password:
        assert password not in result.stdout + result.stderr
    assert list((tmp_path / "config").iterdir()) == [], "a refused start left a certificate behind"
    # The program refuses each of these at preview already.
    assert problem("opensearch", "admin-password", password) is not None


def test_an_accepted_password_writes_the_certificate_once(tmp_path: Path) -> None:
    config = tmp_path / "config"
    first = _demo_configuration(config, "Vault_OpenSearch-8eW2q")
    assert (first.returncode, first.stdout.splitlines()) == (0, ["Admin password set successfully."]), first.stderr
    keystore = config / "trade2026-stand-in-node.p12"
    written = keystore.read_bytes()
    # The container's next start: already configured, as the plugin's installer with -s says.
    again = _demo_configuration(config, "Vault_OpenSearch-8eW2q")
    assert (again.returncode, again.stdout.splitlines()) == (
        0,
        [f"{config}/opensearch.yml seems to be already configured for Security. Quit."],
    )
    assert keystore.read_bytes() == written
    assert sorted(path.name for path in config.iterdir()) == ["trade2026-stand-in-node.p12"]


def test_a_digit_passes_for_the_special_character_in_the_plugin_but_not_in_the_program(tmp_path: Path) -> None:
    password = "Tr0ubadorHorseBattery9"
    assert _demo_configuration(tmp_path / "config", password).returncode == 0
    assert problem("opensearch", "admin-password", password) == (
        "needs an upper-case letter, a lower-case letter, a digit and a special character "
        "(OpenSearch's security plugin refuses it otherwise)"
    )
