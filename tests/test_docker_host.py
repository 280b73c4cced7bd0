"""Remote Docker hosts: endpoints name what reaches the published ports from the developer's machine,
ssh:// hosts with loopback binds get `ssh -L` lines, and what cannot work is refused in one line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from components.settings import ConfigError
from offline import preview
from offline.engine import Plan, Secret, reveal, run_program
from tests.conftest import SERVICE_KEYS, config


def _run(monkeypatch: pytest.MonkeyPatch, env: dict[str, str] | None = None, **settings: Any) -> Plan:
    """The dev stack with `trade2026:` settings; `docker:` keys passed as docker_<key>."""
    docker = {f"docker:{key.removeprefix('docker_')}": v for key, v in settings.items() if key.startswith("docker_")}
    ours = {key: v for key, v in settings.items() if not key.startswith("docker_")}
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    return run_program("dev", {**config(**ours), **docker})


@pytest.mark.parametrize(
    ("docker", "env"),
    [
        ({}, {}),
        ({"docker_host": "unix:///var/run/docker.sock"}, {}),
        ({}, {"DOCKER_HOST": "unix:///run/user/1000/docker.sock"}),
        ({"docker_host": "npipe:////./pipe/docker_engine"}, {}),
        ({"docker_host": "tcp://127.0.0.1:2375"}, {}),
        ({"docker_host": "ssh://dev@localhost"}, {}),
    ],
)
def test_a_local_docker_host_keeps_loopback_endpoints_and_needs_no_forwarding(
    monkeypatch: pytest.MonkeyPatch, docker: dict[str, str], env: dict[str, str]
) -> None:
    plan = _run(monkeypatch, env, hostPorts="fixed", portBlock=1, **docker)
    assert plan.outputs["endpoints"]["nats"] == {
        "client": "nats://127.0.0.1:20000",
        "monitoring": "http://127.0.0.1:20001",
    }
    assert "portForward" not in plan.outputs


def test_tcp_remote_host_with_a_wildcard_bind_names_the_remote_host_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = _run(monkeypatch, hostPorts="fixed", portBlock=1, bindAddress="0.0.0.0", docker_host="tcp://devbox:2376")
    assert plan.outputs["endpoints"]["postgres"] == {"client": "postgresql://devbox:20010"}
    assert reveal(plan.outputs["connections"])["nats"] == {"NATS_URL": "nats://devbox:20000"}
    assert "portForward" not in plan.outputs


def test_a_bind_to_one_of_the_remote_hosts_addresses_names_that_address(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = _run(monkeypatch, {"DOCKER_HOST": "tcp://devbox.lan:2376"}, bindAddress="10.0.0.5", hostPorts="fixed")
    assert plan.outputs["endpoints"]["opa"] == {"rest": "http://10.0.0.5:8181"}


def test_tcp_remote_host_with_a_loopback_bind_is_refused_naming_both_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as refused:
        _run(monkeypatch, docker_host="tcp://devbox:2376")
    assert str(refused.value) == (
        "invalid stack config:\n  trade2026:bindAddress 127.0.0.1 is the loopback of the remote Docker host "
        "(docker:host tcp://devbox:2376), which nothing else reaches: bind one of its addresses (0.0.0.0 for all) "
        "or reach it over ssh:// for tunnels"
    )


def test_docker_host_config_wins_over_the_environment_as_in_the_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = _run(monkeypatch, {"DOCKER_HOST": "tcp://devbox:2376"}, docker_host="unix:///var/run/docker.sock")
    assert plan.outputs["endpoints"]["valkey"]["client"].startswith("redis://127.0.0.1:")
    with pytest.raises(ConfigError, match=r"\(DOCKER_HOST tcp://devbox:2376\)"):
        _run(monkeypatch, {"DOCKER_HOST": "tcp://devbox:2376"})


def test_ssh_remote_host_with_loopback_binds_outputs_one_ssh_line_per_service(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = _run(
        monkeypatch,
        hostPorts="fixed",
        portBlock=2,
        docker_host="ssh://dev@devbox:2222",
        docker_sshOpts=json.dumps(["-i", "~/.ssh/devbox", "-o", "ServerAliveInterval=30"]),
    )
    forwards = plan.outputs["portForward"]
    assert sorted(forwards) == sorted(SERVICE_KEYS)
    assert forwards["nats"] == (
        "ssh -N -p 2222 -i '~/.ssh/devbox' -o ServerAliveInterval=30 "
        "-L 127.0.0.1:20020:127.0.0.1:20020 -L 127.0.0.1:20021:127.0.0.1:20021 dev@devbox"
    )
    assert forwards["postgres"] == (
        "ssh -N -p 2222 -i '~/.ssh/devbox' -o ServerAliveInterval=30 -L 127.0.0.1:20030:127.0.0.1:20030 dev@devbox"
    )
    assert plan.outputs["endpoints"]["postgres"] == {"client": "postgresql://127.0.0.1:20030"}
    component = plan.outputs_of("trade2026:infra:Postgres", "postgres")
    assert component["portForward"] == forwards["postgres"]


def test_ssh_forwards_to_an_ipv6_loopback_bind_bracket_the_remote_address(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = _run(monkeypatch, hostPorts="fixed", bindAddress="::1", docker_host="ssh://devbox")
    assert plan.outputs["portForward"]["opa"] == "ssh -N -L '127.0.0.1:8181:[::1]:8181' devbox"
    assert plan.outputs["endpoints"]["opa"] == {"rest": "http://127.0.0.1:8181"}


def test_ssh_forwards_of_docker_assigned_ports_print_as_assigned_at_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DOCKER_HOST", "ssh://dev@devbox")
    assert preview.main(["--stack", "dev"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "        opa: ssh -N -L 127.0.0.1:<assigned at up>:127.0.0.1:<assigned at up> dev@devbox" in lines


def test_a_docker_context_is_read_from_the_docker_cli_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    meta = tmp_path / "contexts" / "meta" / hashlib.sha256(b"devbox").hexdigest()
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(
        json.dumps({"Name": "devbox", "Endpoints": {"docker": {"Host": "ssh://dev@devbox"}}})
    )
    plan = _run(
        monkeypatch, {"DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "devbox"}, hostPorts="fixed", portBlock=1
    )
    assert plan.outputs["portForward"]["opa"] == "ssh -N -L 127.0.0.1:20011:127.0.0.1:20011 dev@devbox"
    with pytest.raises(ConfigError) as refused:
        _run(monkeypatch, {"DOCKER_CONFIG": str(tmp_path)}, docker_context="staging")
    assert (
        str(refused.value)
        == f"invalid stack config:\n  docker:context: no Docker context 'staging' under {tmp_path}/contexts"
    )


@pytest.mark.parametrize(
    ("host", "message"),
    [
        (
            "devbox:2376",
            "docker:host: 'devbox:2376' is not a Docker host the Docker provider connects to (unix://, tcp://, ssh://)",
        ),
        ("tcp://:2376", "docker:host: 'tcp://:2376' names no host"),
        ("ssh://dev@devbox:ssh", "docker:host: 'ssh://dev@devbox:ssh' has a port that is not a number from 0 to 65535"),
    ],
)
def test_a_docker_host_that_is_no_address_is_one_line(monkeypatch: pytest.MonkeyPatch, host: str, message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        _run(monkeypatch, docker_host=host)
    assert str(refused.value) == f"invalid stack config:\n  {message}"


HOST_PASSWORD = "Hunter2-docker-host-pw"


@pytest.mark.parametrize(
    ("setting", "url", "message"),
    [
        (
            "docker_host",
            f"ssh://dev:{HOST_PASSWORD}@devbox",
            "docker:host: 'ssh://dev:[secret]@devbox' carries a password, which the Docker provider does not use: "
            "log in over ssh:// with a key (docker:sshOpts -i ...) or over tcp:// with TLS certificates",
        ),
        (
            "docker_host",
            f"tcp://dev:{HOST_PASSWORD}@devbox:2376",
            "docker:host: 'tcp://dev:[secret]@devbox:2376' carries a password, which the Docker provider does not "
            "use: log in over ssh:// with a key (docker:sshOpts -i ...) or over tcp:// with TLS certificates",
        ),
        (
            "DOCKER_HOST",
            f"ssh://:{HOST_PASSWORD}@devbox:22",
            "DOCKER_HOST: 'ssh://:[secret]@devbox:22' carries a password, which the Docker provider does not use: "
            "log in over ssh:// with a key (docker:sshOpts -i ...) or over tcp:// with TLS certificates",
        ),
        (
            "docker_host",
            f"ssh://dev:{HOST_PASSWORD}@devbox:ssh",
            "docker:host: 'ssh://dev:[secret]@devbox:ssh' has a port that is not a number from 0 to 65535",
        ),
        (
            "docker_host",
            f"ssh://dev:{HOST_PASSWORD}@[::1",
            "docker:host: 'ssh://dev:[secret]@[::1' is not a URL (unix://, tcp://, ssh://)",
        ),
        (
            "docker_host",
            f"dev:{HOST_PASSWORD}@devbox",
            "docker:host: 'dev:[secret]@devbox' is not a Docker host the Docker provider connects to "
            "(unix://, tcp://, ssh://)",
        ),
        (
            "docker_host",
            f"ssh://dev:{HOST_PASSWORD[:6]}/{HOST_PASSWORD[6:]}@devbox",
            "docker:host: 'ssh://dev:[secret]@devbox' has a port that is not a number from 0 to 65535",
        ),
    ],
)
def test_a_docker_host_url_with_a_password_is_refused_without_showing_it(
    monkeypatch: pytest.MonkeyPatch, setting: str, url: str, message: str
) -> None:
    env = {setting: url} if setting == "DOCKER_HOST" else {}
    docker = {} if env else {setting: url}
    with pytest.raises(ConfigError) as refused:
        _run(monkeypatch, env, **docker)
    assert str(refused.value) == f"invalid stack config:\n  {message}"
    assert HOST_PASSWORD[6:] not in str(refused.value)


def test_a_docker_context_with_a_password_is_refused_without_showing_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    meta = tmp_path / "contexts" / "meta" / hashlib.sha256(b"devbox").hexdigest()
    meta.mkdir(parents=True)
    host = f"ssh://dev:{HOST_PASSWORD}@devbox"
    (meta / "meta.json").write_text(json.dumps({"Endpoints": {"docker": {"Host": host}}}))
    with pytest.raises(ConfigError) as refused:
        _run(monkeypatch, {"DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "devbox"})
    assert str(refused.value).startswith(
        "invalid stack config:\n  DOCKER_CONTEXT devbox: 'ssh://dev:[secret]@devbox' carries a password"
    )


def test_a_loopback_refusal_names_the_remote_host_without_its_password() -> None:
    from components import dockerhost

    docker = dockerhost.DockerHost(f"tcp://dev:{HOST_PASSWORD}@devbox:2376", "docker:host")
    with pytest.raises(dockerhost.DockerHostError) as refused:
        dockerhost.reach(docker, "127.0.0.1")
    assert "(docker:host tcp://dev:[secret]@devbox:2376)" in str(refused.value)
    assert HOST_PASSWORD not in str(refused.value)


SSH_SECRET = "ProxyCommand=vault-ssh-proxy --token Tk7-s3cret-proxy-token"
SSH_OPTS = json.dumps(["-o", SSH_SECRET])


def _plain_strings(value: Any) -> list[str]:
    """Every string a plan would store or print unencrypted."""
    if isinstance(value, Secret):
        return []
    if isinstance(value, dict):
        return [text for item in value.values() for text in _plain_strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _plain_strings(item)]
    return [value] if isinstance(value, str) else []


def _everything_plain(plan: Plan) -> list[str]:
    texts = _plain_strings(plan.outputs)
    texts += [text for outputs in plan.component_outputs.values() for text in _plain_strings(outputs)]
    return texts + [text for r in plan.resources for text in _plain_strings(r.inputs)]


def test_port_forward_built_from_secret_ssh_options_is_a_secret_output_everywhere() -> None:
    plan = run_program(
        "dev",
        {**config(hostPorts="fixed", portBlock=2), "docker:host": "ssh://dev@devbox", "docker:sshOpts": SSH_OPTS},
        secret_keys=("docker:sshOpts",),
    )
    forwards = plan.outputs["portForward"]
    assert all(isinstance(line, Secret) for line in forwards.values()), forwards
    assert reveal(forwards["opa"]) == (
        "ssh -N -o 'ProxyCommand=vault-ssh-proxy --token Tk7-s3cret-proxy-token' "
        "-L 127.0.0.1:20031:127.0.0.1:20031 dev@devbox"
    )
    assert isinstance(plan.outputs_of("trade2026:infra:Postgres", "postgres")["portForward"], Secret)
    assert [text for text in _everything_plain(plan) if "Tk7-s3cret" in text] == []
    # What a ready-data error may name: the forwards, the secret setting named, not given.
    stream = plan.get("pulumi-python:dynamic/trade2026:JetStreamStream", "nats-stream-ORDERS")
    assert stream.inputs["tunnel"] == (
        "ssh -N '[secret docker:sshOpts]' -L 127.0.0.1:20020:127.0.0.1:20020 -L 127.0.0.1:20021:127.0.0.1:20021 "
        "dev@devbox"
    )


def test_port_forward_from_ssh_options_not_marked_secret_stays_plain() -> None:
    plan = run_program(
        "dev",
        {**config(hostPorts="fixed", portBlock=2), "docker:host": "ssh://dev@devbox", "docker:sshOpts": SSH_OPTS},
    )
    assert not isinstance(plan.outputs["portForward"]["opa"], Secret)
    assert "Tk7-s3cret" in plan.outputs["portForward"]["opa"]


def test_a_secret_docker_host_keeps_every_output_naming_it_secret() -> None:
    wildcard = run_program(
        "dev",
        {**config(hostPorts="fixed", portBlock=1, bindAddress="0.0.0.0"), "docker:host": "tcp://vault-devbox:2376"},
        secret_keys=("docker:host",),
    )
    assert all(isinstance(urls, Secret) for urls in wildcard.outputs["endpoints"].values())
    assert reveal(wildcard.outputs["endpoints"]["postgres"]) == {"client": "postgresql://vault-devbox:20010"}
    assert [text for text in _everything_plain(wildcard) if "vault-devbox" in text] == []
    bucket = wildcard.get("pulumi-python:dynamic/trade2026:S3Bucket", "seaweedfs-bucket-models")
    assert bucket.inputs["endpointSecret"] is True
    tunneled = run_program(
        "dev",
        {**config(hostPorts="fixed", portBlock=1), "docker:host": "ssh://dev@vault-devbox"},
        secret_keys=("docker:host",),
    )
    assert isinstance(tunneled.outputs["portForward"]["opa"], Secret)
    assert not isinstance(tunneled.outputs["endpoints"]["opa"], Secret), "127.0.0.1 endpoints name no host"
    assert [text for text in _everything_plain(tunneled) if "vault-devbox" in text] == []


def test_a_docker_host_not_marked_secret_keeps_endpoints_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = _run(monkeypatch, hostPorts="fixed", portBlock=1, bindAddress="0.0.0.0", docker_host="tcp://devbox:2376")
    assert not any(isinstance(urls, Secret) for urls in plan.outputs["endpoints"].values())
    bucket = plan.get("pulumi-python:dynamic/trade2026:S3Bucket", "seaweedfs-bucket-models")
    assert "endpointSecret" not in bucket.inputs
