"""Stack config: every kind of bad input refused with one exact line naming the key."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
import yaml

from components.settings import ConfigError, StackSettings, load_settings, parse_settings
from offline import engine
from offline.engine import ROOT, run_program, stack_config
from tests.conftest import config


def _errors(raw: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(raw)
    first, *lines = str(caught.value).splitlines()
    assert first == "invalid stack config:"
    return [line.strip() for line in lines]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param({"trade2026:bindAdress": "0.0.0.0"}, "trade2026:bindAdress: unknown key", id="misspelt key"),
        pytest.param(
            {"trade2026:waitForHealthy": "maybe"},
            "trade2026:waitForHealthy: Input should be a valid boolean, unable to interpret input (got 'maybe')",
            id="wrong type",
        ),
        pytest.param(
            {"trade2026:services": '{"opensearch": {"memoryMb": 10}}'},
            "trade2026:services.opensearch.memoryMb: Input should be greater than or equal to 64 (got 10)",
            id="out of range",
        ),
        pytest.param(
            {"trade2026:services": '{"mongodb": {}}'}, "trade2026:services.mongodb: unknown key", id="unknown service"
        ),
        pytest.param(
            {"trade2026:services": '{"nats": {"memory": 512}}'},
            "trade2026:services.nats.memory: unknown key",
            id="unknown service setting",
        ),
        pytest.param(
            {"trade2026:services": '{"nats": '},
            "trade2026:services: not valid JSON (Expecting value at column 10)",
            id="broken JSON",
        ),
        pytest.param(
            {"trade2026:services": "nats"},
            "trade2026:services: expected an object (got 'nats')",
            id="scalar for an object",
        ),
        pytest.param(
            {"trade2026:bindAddress": "localhost"},
            "trade2026:bindAddress: expected an IP address such as 127.0.0.1 or 0.0.0.0 (got 'localhost')",
            id="not an address",
        ),
        pytest.param(
            {"trade2026:portOffset": "100"},
            "trade2026:portOffset: only applies when trade2026:hostPorts is 'fixed' (got '100')",
            id="offset without fixed ports",
        ),
        pytest.param(
            {"trade2026:hostPorts": "static"},
            "trade2026:hostPorts: Input should be 'auto' or 'fixed' (got 'static')",
            id="unknown port scheme",
        ),
        pytest.param(
            {"trade2026:registryMirror": "https://mirror.internal"},
            "trade2026:registryMirror: expected host[:port][/path], with no scheme, tag or trailing / "
            "(got 'https://mirror.internal')",
            id="mirror with scheme",
        ),
        pytest.param(
            {"trade2026:bind_address": "0.0.0.0"},
            "trade2026:bind_address: unknown key",
            id="snake case is not the config spelling",
        ),
    ],
)
def test_bad_config_is_refused_with_one_line_naming_the_key(raw: dict[str, str], expected: str) -> None:
    assert _errors(raw) == [expected]


def test_every_problem_is_reported_at_once() -> None:
    assert _errors({"trade2026:bindAdress": "x", "trade2026:protectData": "perhaps"}) == [
        "trade2026:bindAdress: unknown key",
        "trade2026:protectData: Input should be a valid boolean, unable to interpret input (got 'perhaps')",
    ]


def test_config_of_other_namespaces_is_left_to_their_owners() -> None:
    assert parse_settings({"docker:host": "unix:///var/run/docker.sock"}) == StackSettings()


def test_string_values_from_the_cli_are_parsed_to_their_types() -> None:
    settings = parse_settings(config(hostPorts="fixed", portOffset=100, protectData=True))
    assert (settings.host_ports, settings.port_offset, settings.protect_data) == ("fixed", 100, True)


def test_bad_config_is_refused_before_any_resource_is_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monitors: list[engine.RecordingMonitor] = []

    class Capturing(engine.RecordingMonitor):
        def __init__(self, mock: Any) -> None:
            super().__init__(mock)
            monitors.append(self)

    monkeypatch.setattr(engine, "RecordingMonitor", Capturing)
    with pytest.raises(ConfigError, match=r"trade2026:services\.nats\.memory: unknown key"):
        run_program("dev", config(services={"nats": {"memory": 1}}))
    assert monitors and monitors[0].registrations == []


def test_config_reaches_the_program_the_way_the_language_host_passes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    pulumi.runtime.set_all_config({})
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"trade2026:hostPorts": "fixed", "trade2026:portOffset": "7"}))
    assert load_settings().port_offset == 7


def test_project_file_declares_every_scalar_setting_with_the_models_default() -> None:
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    fields = {
        field.alias: field.default
        for name, field in StackSettings.model_fields.items()
        if name not in ("services", "kubernetes")  # structured keys, documented in the README
    }
    assert {key: value["default"] for key, value in declared.items()} == fields


def test_committed_stack_configs_are_valid() -> None:
    for path in sorted(ROOT.glob("Pulumi.*.yaml")):
        stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        assert parse_settings(stack_config(stack)), path.name
        assert yaml.safe_load(path.read_text())["config"], f"{path.name} sets nothing"
