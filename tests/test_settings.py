"""Stack config: every kind of bad input refused with one exact line naming the key."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
import yaml

from components import settings as settings_module
from components.settings import ConfigError, StackSettings, load_settings, parse_settings
from offline import engine
from offline.engine import ROOT, Plan, run_program, stack_config
from tests.conftest import CATALOG, CONTAINER, config

FLOATING = (
    "(an exact release has 3 version parts; a pinned reference looks like repo:1.2.3 or repo@sha256:<64 hex digits>)"
)
EXAMPLE = "(a pinned reference looks like repo:1.2.3 or repo@sha256:<64 hex digits>)"
ALL_OFF = {key: {"enabled": False} for key in ("nats", "valkey", "questdb", "clickhouse")} | {
    key: {"enabled": "false"} for key in ("seaweedfs", "opensearch", "postgres", "opa")
}


def _errors(raw: dict[str, Any], secret_keys: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(raw, CATALOG, secret_keys)
    first, *lines = str(caught.value).splitlines()
    assert first == "invalid stack config:"
    return [line.strip() for line in lines]


def _services(**services: Any) -> dict[str, str]:
    return {"trade2026:services": json.dumps(services)}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param({"trade2026:bindAdress": "0.0.0.0"}, "trade2026:bindAdress: unknown key", id="misspelt key"),
        pytest.param(
            {"trade2026:waitForHealthy": "maybe"},
            "trade2026:waitForHealthy: expected true or false (got 'maybe')",
            id="wrong type",
        ),
        pytest.param(
            _services(opensearch={"securityPlugin": "no"}),
            "trade2026:services.opensearch.securityPlugin: expected true or false (got 'no')",
            id="no is not false",
        ),
        pytest.param(
            _services(opensearch={"securityPlugin": "off"}),
            "trade2026:services.opensearch.securityPlugin: expected true or false (got 'off')",
            id="off is not false",
        ),
        pytest.param(
            _services(opensearch={"securityPlugin": 0}),
            "trade2026:services.opensearch.securityPlugin: expected true or false (got 0)",
            id="0 is not false",
        ),
        pytest.param(
            {"trade2026:protectData": "yes"},
            "trade2026:protectData: expected true or false (got 'yes')",
            id="yes is not true",
        ),
        pytest.param(
            _services(nats={"memoryMb": "lots"}),
            "trade2026:services.nats.memoryMb: expected a whole number (got 'lots')",
            id="not a number",
        ),
        pytest.param(
            _services(nats={"memoryMb": 256.5}),
            "trade2026:services.nats.memoryMb: expected a whole number (got 256.5)",
            id="not a whole number",
        ),
        pytest.param(
            _services(opensearch={"memoryMb": 512}),
            "trade2026:services.opensearch.memoryMb: below the 1024 MB opensearch needs to start; "
            "its JVM heap is half the limit and needs 512 MB (got 512)",
            id="OpenSearch below its floor",
        ),
        pytest.param(
            _services(questdb={"memoryMb": 256}),
            "trade2026:services.questdb.memoryMb: below the 512 MB questdb needs to start; "
            "its JVM heap is half the limit, and 128 MB of heap ran out creating the tables (got 256)",
            id="QuestDB below its floor",
        ),
        pytest.param(
            _services(clickhouse={"memoryMb": 64}),
            "trade2026:services.clickhouse.memoryMb: below the 512 MB clickhouse needs to start (got 64)",
            id="ClickHouse below its floor",
        ),
        pytest.param(
            _services(nats={"memoryMb": -1}),
            "trade2026:services.nats.memoryMb: below the 64 MB nats needs to start (got -1)",
            id="negative memory",
        ),
        pytest.param(
            _services(nats={"memoryMb": 70000}),
            "trade2026:services.nats.memoryMb: expected at most 65536 (got 70000)",
            id="memory above the maximum",
        ),
        pytest.param(
            _services(opensearch={"waitTimeoutSeconds": 30}),
            "trade2026:services.opensearch.waitTimeoutSeconds: shorter than opensearch's 60 s start period, "
            "so `pulumi up` would give up while it starts (got 30)",
            id="wait shorter than the start period",
        ),
        pytest.param(_services(mongodb={}), "trade2026:services.mongodb: unknown key", id="unknown service"),
        pytest.param(
            _services(nats={"memory": 512}), "trade2026:services.nats.memory: unknown key", id="unknown service setting"
        ),
        pytest.param(
            {"trade2026:services": '{"nats": '},
            "trade2026:services: not valid JSON (Expecting value at column 10)",
            id="broken JSON",
        ),
        pytest.param(
            {"trade2026:services": "[" * 100_000},
            "trade2026:services: longer than 65536 characters",
            id="huge JSON",
        ),
        pytest.param(
            {"trade2026:services": "[" * 5000 + "]" * 5000},
            "trade2026:services: not valid JSON this program can read",
            id="JSON nested beyond the recursion limit",
        ),
        pytest.param(
            {"trade2026:services": '{"nats": ' * 20 + "{}" + "}" * 20},
            "trade2026:services: nested deeper than 8 levels",
            id="deeply nested JSON",
        ),
        pytest.param(
            {"trade2026:services": '{"nats": {"memoryMb": ' + "9" * 5000 + "}}"},
            "trade2026:services: not valid JSON this program can read",
            id="number beyond the digit limit",
        ),
        pytest.param(
            {"trade2026:services": "nats"},
            "trade2026:services: not valid JSON (Expecting value at column 1)",
            id="scalar for an object",
        ),
        pytest.param(
            {"trade2026:services": "[1, 2]"},
            "trade2026:services: expected an object (got [1, 2])",
            id="list for an object",
        ),
        pytest.param(
            {"trade2026:services": '{"nats": []}'},
            "trade2026:services.nats: expected an object (got [])",
            id="list for a service",
        ),
        pytest.param(
            {"trade2026:bindAddress": "localhost"},
            "trade2026:bindAddress: expected an IP address such as 127.0.0.1, 0.0.0.0 or ::1 (no brackets) "
            "(got 'localhost')",
            id="not an address",
        ),
        pytest.param(
            {"trade2026:bindAddress": "[::1]"},
            "trade2026:bindAddress: expected an IP address such as 127.0.0.1, 0.0.0.0 or ::1 (no brackets) "
            "(got '[::1]')",
            id="IPv6 in brackets",
        ),
        pytest.param(
            {"trade2026:bindAddress": "255.255.255.255"},
            "trade2026:bindAddress: is the broadcast address; a host cannot bind a listening port to it "
            "(got '255.255.255.255')",
            id="broadcast",
        ),
        pytest.param(
            {"trade2026:bindAddress": "224.0.0.1"},
            "trade2026:bindAddress: is a multicast address; a host cannot bind a listening port to it "
            "(got '224.0.0.1')",
            id="IPv4 multicast",
        ),
        pytest.param(
            {"trade2026:bindAddress": "ff02::1"},
            "trade2026:bindAddress: is a multicast address; a host cannot bind a listening port to it (got 'ff02::1')",
            id="IPv6 multicast",
        ),
        pytest.param(
            {"trade2026:bindAddress": "::ffff:239.1.1.1"},
            "trade2026:bindAddress: is a multicast address; a host cannot bind a listening port to it "
            "(got '::ffff:239.1.1.1')",
            id="IPv4-mapped multicast",
        ),
        pytest.param(
            {"trade2026:bindAddress": "fe80::1%eth0"},
            "trade2026:bindAddress: is zone-scoped (%zone); Docker cannot publish ports on it (got 'fe80::1%eth0')",
            id="zone-scoped link-local",
        ),
        pytest.param(
            {"trade2026:bindAddress": "fe80::1"},
            "trade2026:bindAddress: is IPv6 link-local, which needs a zone Docker cannot take (got 'fe80::1')",
            id="link-local without a zone",
        ),
        pytest.param(
            {"trade2026:portBlock": "3"},
            "trade2026:portBlock: only applies when trade2026:hostPorts is 'fixed' (got '3')",
            id="port block without fixed ports",
        ),
        pytest.param(
            {"trade2026:hostPorts": "fixed", "trade2026:portBlock": "639"},
            "trade2026:portBlock: expected at most 638 (got 639)",
            id="port block beyond the last",
        ),
        pytest.param(
            {"trade2026:hostPorts": "fixed", "trade2026:portBlock": "-1"},
            "trade2026:portBlock: expected at least 0 (got -1)",
            id="negative port block",
        ),
        pytest.param(
            {"trade2026:portOffset": "100"},
            "trade2026:portOffset: replaced by trade2026:portBlock (one block of host ports per stack)",
            id="the retired offset names its successor",
        ),
        pytest.param(
            {"trade2026:hostPorts": "static"},
            "trade2026:hostPorts: expected 'auto' or 'fixed' (got 'static')",
            id="unknown port scheme",
        ),
        pytest.param(
            {"trade2026:registryMirror": "https://mirror.internal"},
            "trade2026:registryMirror: has a scheme; write host[:port][/path]; expected host[:port][/path] "
            "(got 'https://mirror.internal')",
            id="mirror with scheme",
        ),
        pytest.param(
            {"trade2026:registryMirror": "mirror.internal:0"},
            "trade2026:registryMirror: has an invalid port (expected 1 to 65535); expected host[:port][/path] "
            "(got 'mirror.internal:0')",
            id="mirror port 0",
        ),
        pytest.param(
            {"trade2026:registryMirror": "mirror.internal:70000"},
            "trade2026:registryMirror: has an invalid port (expected 1 to 65535); expected host[:port][/path] "
            "(got 'mirror.internal:70000')",
            id="mirror port out of range",
        ),
        pytest.param(
            {"trade2026:registryMirror": "mirror..internal"},
            "trade2026:registryMirror: has an empty host label (a leading, trailing or doubled dot); "
            "expected host[:port][/path] (got 'mirror..internal')",
            id="mirror with an empty label",
        ),
        pytest.param(
            {"trade2026:registryMirror": "mirror.internal/"},
            "trade2026:registryMirror: has a path that is not lower-case components separated by single slashes "
            "(no trailing /); expected host[:port][/path] (got 'mirror.internal/')",
            id="mirror with a trailing slash",
        ),
        pytest.param(
            {"trade2026:bind_address": "0.0.0.0"},
            "trade2026:bind_address: unknown key",
            id="snake case is not the config spelling",
        ),
        pytest.param(
            _services(opa={"image": ""}),
            "trade2026:services.opa.image: is empty; remove the key to use the pinned image, or give one "
            f"{EXAMPLE} (got '')",
            id="empty image",
        ),
        pytest.param(
            _services(opa={"image": "openpolicyagent/opa: 1.4.2"}),
            f"trade2026:services.opa.image: is not an image reference {EXAMPLE} (got 'openpolicyagent/opa: 1.4.2')",
            id="image with a space",
        ),
        pytest.param(
            _services(opa={"image": "openpolicyagent/opa"}),
            "trade2026:services.opa.image: has no tag, so it runs whatever latest is "
            f"{EXAMPLE} (got 'openpolicyagent/opa')",
            id="image without a tag",
        ),
        pytest.param(
            _services(opa={"image": "openpolicyagent/opa:latest"}),
            "trade2026:services.opa.image: uses the tag latest, which moves with every release "
            f"{EXAMPLE} (got 'openpolicyagent/opa:latest')",
            id="image tagged latest",
        ),
        pytest.param(
            _services(nats={"image": "nats:2.10-alpine"}),
            f"trade2026:services.nats.image: uses the floating tag 2.10-alpine {FLOATING} (got 'nats:2.10-alpine')",
            id="image with a floating tag",
        ),
        pytest.param(
            {"trade2026:services": json.dumps(ALL_OFF)},
            "trade2026:services: every service is switched off, so the stack would run nothing "
            "(`pulumi destroy` removes a stack)",
            id="every service off",
        ),
        pytest.param(
            {"bindAddress": "0.0.0.0"},
            "bindAddress: has no namespace; set it as trade2026:bindAddress",
            id="no namespace",
        ),
        pytest.param(
            {"trade2026x:bindAddress": "0.0.0.0"},
            "trade2026x:bindAddress: namespace trade2026x is not this project's; did you mean trade2026:bindAddress?",
            id="look-alike namespace",
        ),
        pytest.param(
            {"trade2062:protectData": "true"},
            "trade2062:protectData: namespace trade2062 is not this project's; did you mean trade2026:protectData?",
            id="misspelt namespace",
        ),
        pytest.param(
            {"Trade2026:protectData": "true"},
            "Trade2026:protectData: namespace Trade2026 is not this project's; did you mean trade2026:protectData?",
            id="namespace in another case",
        ),
        pytest.param(
            {"\uff54\uff52\uff41\uff44\uff45\uff12\uff10\uff12\uff16:protectData": "true"},
            "'\\uff54\\uff52\\uff41\\uff44\\uff45\\uff12\\uff10\\uff12\\uff16:p...: namespace "
            "'\\uff54\\uff52\\uff41\\uff44\\uff45\\uff12\\uff10\\uff12\\uff16' is not this project's; "
            "did you mean trade2026:protectData?",
            id="namespace in full-width letters",
        ),
        pytest.param(
            {"TRADE\u2082\u2080\u2082\u2086:hostports": "fixed"},
            "'TRADE\\u2082\\u2080\\u2082\\u2086:hostports': namespace 'TRADE\\u2082\\u2080\\u2082\\u2086' is not "
            "this project's; did you mean trade2026:hostPorts?",
            id="namespace in subscript digits, name in another case",
        ),
        pytest.param(
            {"trade2026:bindaddress": "0.0.0.0"},
            "trade2026:bindaddress: unknown key; did you mean trade2026:bindAddress?",
            id="name in another case",
        ),
        pytest.param(
            {"trade2026:\uff50\uff4f\uff52\uff54\uff22\uff4c\uff4f\uff43\uff4b": "3"},
            "trade2026:'\\uff50\\uff4f\\uff52\\uff54\\uff22\\uff4c\\uff4f\\uff43\\uff4b': unknown key; "
            "did you mean trade2026:portBlock?",
            id="name in full-width letters",
        ),
        pytest.param(
            {"trade2026:services": json.dumps({"NATS": {}})},
            "trade2026:services.NATS: unknown key; did you mean trade2026:services.nats?",
            id="nested name in another case",
        ),
        pytest.param(
            {"trade2026:services.nats.enabled": "false"},
            "trade2026:services.nats.enabled: unknown key (nested settings are set with `pulumi config set --path`)",
            id="a path set without --path",
        ),
        pytest.param(
            {"trade2026:services": json.dumps({"na\nts\u2028": {}})},
            "trade2026:services.'na\\nts\\u2028': unknown key",
            id="line breaks in a key stay on one line",
        ),
    ],
)
def test_bad_config_is_refused_with_one_line_naming_the_key(raw: dict[str, str], expected: str) -> None:
    assert _errors(raw) == [expected]


def test_every_problem_is_reported_at_once() -> None:
    assert _errors({"trade2026:bindAdress": "x", "trade2026:protectData": "perhaps"}) == [
        "trade2026:bindAdress: unknown key",
        "trade2026:protectData: expected true or false (got 'perhaps')",
    ]


def test_checks_across_keys_run_on_what_was_accepted_in_the_same_run() -> None:
    """Before, a memory floor, a start period, a supplied credential and a volume size were only
    checked once every other key was valid: each fix revealed the next problem."""
    raw = {
        "trade2026:platform": "kubernetes",
        "trade2026:protectData": "perhaps",
        **_services(
            opensearch={"image": "opensearchproject/opensearch:latest", "memoryMb": 512, "waitTimeoutSeconds": 30},
            nats={"memoryMb": "lots"},
            mongodb={},
        ),
        "trade2026:kubernetes": json.dumps(
            {"volumes": {"postgres": {"dtaa": {"size": "2Gi"}, "data": {"size": "1Tb"}}}}
        ),
        "trade2026:credentials": json.dumps({"postgres": {"pasword": "vault-typo-value"}, "valkey": {"password": 5}}),
    }
    assert _errors(raw, secret_keys=("trade2026:credentials",)) == [
        "trade2026:credentials.postgres.pasword: postgres declares no such credential (its credentials are password)",
        "trade2026:credentials.valkey.password: expected text (got [secret])",
        "trade2026:kubernetes.volumes.postgres.data.size: expected a Kubernetes quantity such as 10Gi or 500Mi "
        "(got '1Tb')",
        "trade2026:kubernetes.volumes.postgres.dtaa: postgres has no data volume dtaa (it has: data)",
        "trade2026:protectData: expected true or false (got 'perhaps')",
        "trade2026:services.mongodb: unknown key",
        "trade2026:services.nats.memoryMb: expected a whole number (got 'lots')",
        "trade2026:services.opensearch.image: uses the tag latest, which moves with every release "
        f"{EXAMPLE} (got 'opensearchproject/opensearch:latest')",
        "trade2026:services.opensearch.memoryMb: below the 1024 MB opensearch needs to start; "
        "its JVM heap is half the limit and needs 512 MB (got 512)",
        "trade2026:services.opensearch.waitTimeoutSeconds: shorter than opensearch's 60 s start period, "
        "so `pulumi up` would give up while it starts (got 30)",
    ]


def test_a_check_that_reads_a_refused_value_is_left_out_not_guessed() -> None:
    # The namespace is refused, so it is not "unset": the stack-name check would be wrong to run.
    raw = config(platform="kubernetes", kubernetes={"namespace": "Trading_Dev"})
    with pytest.raises(ConfigError) as caught:
        parse_settings(raw, CATALOG, stack="Dev")
    assert str(caught.value).splitlines()[1:] == [
        "  trade2026:kubernetes.namespace: expected a namespace name: up to 63 lowercase letters, digits and '-' "
        "(got 'Trading_Dev')"
    ]


# One input per kind of error pydantic raises for these models, and the line it gives.
ERROR_KINDS = [
    pytest.param(
        "value_error",
        {"trade2026:waitForHealthy": "maybe"},
        "trade2026:waitForHealthy: expected true or false (got 'maybe')",
        id="value_error",
    ),
    pytest.param(
        "string_type", _services(nats={"image": 5}), "trade2026:services.nats.image: expected text (got 5)", id="string"
    ),
    pytest.param(
        "model_type",
        {"trade2026:services": '{"nats": []}'},
        "trade2026:services.nats: expected an object (got [])",
        id="model",
    ),
    pytest.param(
        "dict_type",
        {"trade2026:platform": "kubernetes", "trade2026:kubernetes": '{"volumes": []}'},
        "trade2026:kubernetes.volumes: expected an object (got [])",
        id="dict",
    ),
    pytest.param(
        "literal_error",
        {"trade2026:hostPorts": "static"},
        "trade2026:hostPorts: expected 'auto' or 'fixed' (got 'static')",
        id="literal",
    ),
    pytest.param(
        "less_than_equal",
        _services(nats={"memoryMb": 70000}),
        "trade2026:services.nats.memoryMb: expected at most 65536 (got 70000)",
        id="at most",
    ),
    pytest.param(
        "greater_than_equal",
        _services(postgres={"waitTimeoutSeconds": 5}),
        "trade2026:services.postgres.waitTimeoutSeconds: expected at least 10 (got 5)",
        id="at least",
    ),
]


@pytest.mark.parametrize(("kind", "raw", "expected"), ERROR_KINDS)
def test_every_kind_of_error_the_models_raise_is_worded_by_this_program(
    monkeypatch: pytest.MonkeyPatch, kind: str, raw: dict[str, str], expected: str
) -> None:
    seen: list[str] = []
    worded = settings_module.pydantic_message

    def spy(error: Any) -> str:
        seen.append(error["type"])
        return worded(error)

    monkeypatch.setattr(settings_module, "pydantic_message", spy)
    assert _errors(raw) == [expected]
    assert seen == [kind]


def test_the_wording_table_has_an_input_for_each_of_its_kinds_and_no_other() -> None:
    # extra_forbidden (an unknown key) is worded apart, with its did-you-mean hints.
    assert sorted(settings_module._MESSAGES) == sorted(case.values[0] for case in ERROR_KINDS)


def test_a_kind_of_error_not_in_the_table_still_reads_in_this_programs_words() -> None:
    error = {"type": "int_parsing", "msg": "Input should be a valid integer", "input": "x", "loc": ("a",)}
    assert settings_module.pydantic_message(error) == settings_module.UNLISTED == "is not a value this key takes"


def test_a_secret_value_that_fails_validation_is_shown_as_secret() -> None:
    lines = _errors({"trade2026:registryMirror": "hunter2://pw"}, secret_keys=("trade2026:registryMirror",))
    assert lines == [
        "trade2026:registryMirror: has a scheme; write host[:port][/path]; expected host[:port][/path] (got [secret])"
    ]


def test_nothing_of_a_secret_structured_value_is_echoed_but_this_programs_own_key_names() -> None:
    raw = {"trade2026:services": json.dumps({"hunter2": {}, "opa": {"image": "hunter2 pw", "hunter3": 1}})}
    assert _errors(raw, secret_keys=("trade2026:services",)) == [
        "trade2026:services.[secret]: unknown key",
        "trade2026:services.opa.[secret]: unknown key",
        f"trade2026:services.opa.image: is not an image reference {EXAMPLE} (got [secret])",
    ]


def test_config_of_other_namespaces_is_left_to_their_owners() -> None:
    assert parse_settings({"docker:host": "unix:///var/run/docker.sock", "random:x": "1"}, CATALOG) == parse_settings(
        {}, CATALOG
    )


def test_string_values_from_the_cli_are_parsed_to_their_types() -> None:
    settings = parse_settings(config(hostPorts="fixed", portBlock=3, protectData=True), CATALOG)
    assert (settings.host_ports, settings.port_block, settings.protect_data) == ("fixed", 3, True)


@pytest.mark.parametrize(("text", "value"), [("true", True), ("True", True), ("false", False), ("False", False)])
def test_booleans_are_accepted_exactly_as_pulumi_config_get_bool_accepts_them(text: str, value: bool) -> None:
    assert parse_settings({"trade2026:protectData": text}, CATALOG).protect_data is value


def test_booleans_inside_structured_config_may_be_json_booleans() -> None:
    settings = parse_settings(_services(opensearch={"securityPlugin": False}, questdb={"enabled": "false"}), CATALOG)
    assert (settings.services["opensearch"].security_plugin, settings.services["questdb"].enabled) == (False, False)


def test_upper_case_registry_hosts_are_accepted() -> None:
    assert (
        parse_settings({"trade2026:registryMirror": "Mirror.Internal:5000"}, CATALOG).registry_mirror
        == "Mirror.Internal:5000"
    )


def test_bind_address_is_kept_in_its_canonical_form() -> None:
    assert parse_settings({"trade2026:bindAddress": "0:0:0:0:0:0:0:1"}, CATALOG).bind_address == "::1"


def test_a_pinned_image_override_is_accepted() -> None:
    image = "registry.corp/opa@sha256:" + "ab" * 32
    assert parse_settings(_services(opa={"image": image}), CATALOG).services["opa"].image == image


def test_wait_timeout_equal_to_the_start_period_is_accepted() -> None:
    assert (
        parse_settings(_services(opensearch={"waitTimeoutSeconds": 60}), CATALOG)
        .services["opensearch"]
        .wait_timeout_seconds
        == 60
    )


def test_memory_at_the_floor_is_accepted() -> None:
    assert parse_settings(_services(clickhouse={"memoryMb": 512}), CATALOG).services["clickhouse"].memory_mb == 512


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
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"trade2026:hostPorts": "fixed", "trade2026:portBlock": "7"}))
    assert load_settings(CATALOG).port_block == 7


def test_a_misspelt_key_the_cli_passes_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    passed = {"trade2026:protectdata": "true", "trade2026x:bindAddress": "0.0.0.0"}
    pulumi.runtime.set_all_config(passed)
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(passed))
    with pytest.raises(ConfigError) as caught:
        load_settings(CATALOG)
    assert str(caught.value).splitlines()[1:] == [
        "  trade2026:protectdata: unknown key; did you mean trade2026:protectData?",
        "  trade2026x:bindAddress: namespace trade2026x is not this project's; did you mean trade2026:bindAddress?",
    ]


def test_the_program_hides_values_of_keys_the_cli_marks_secret() -> None:
    with pytest.raises(ConfigError) as caught:
        run_program(
            "dev",
            config(registryMirror="hunter2.example:99999"),
            secret_keys=["trade2026:registryMirror"],
        )
    assert "hunter2" not in str(caught.value)
    assert str(caught.value).splitlines()[1] == (
        "  trade2026:registryMirror: has an invalid port (expected 1 to 65535); expected host[:port][/path] "
        "(got [secret])"
    )


def test_project_file_declares_every_scalar_setting_with_the_models_default() -> None:
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    fields = {
        field.alias: field.default
        for name, field in StackSettings.model_fields.items()
        if name not in ("services", "kubernetes", "credentials")  # structured keys, documented in docs/config.md
    }
    assert {key: value["default"] for key, value in declared.items()} == fields


def test_committed_stack_configs_are_valid() -> None:
    for path in sorted(ROOT.glob("Pulumi.*.yaml")):
        stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        assert parse_settings(stack_config(stack), CATALOG), path.name
        assert yaml.safe_load(path.read_text())["config"], f"{path.name} sets nothing"


MEMORY_FLOOR_MB = {
    "nats": 64,
    "valkey": 64,
    "questdb": 512,
    "clickhouse": 512,
    "seaweedfs": 128,
    "opensearch": 1024,
    "postgres": 256,
    "opa": 64,
}


def test_memory_floors_and_start_periods_are_the_documented_numbers() -> None:
    assert {name: sheet.memory_floor_mb for name, sheet in CATALOG.items()} == MEMORY_FLOOR_MB
    started = {name: sheet.declare().start_period for name, sheet in CATALOG.items()}
    assert {name: start for name, start in started.items() if start} == {
        "questdb": 10,
        "clickhouse": 30,
        "opensearch": 60,
    }


def test_every_services_default_memory_is_at_least_its_floor(dev_plan: Plan) -> None:
    memory = {c.name: c.inputs["memory"] for c in dev_plan.of_type(CONTAINER)}
    assert {key: memory[key] >= floor for key, floor in MEMORY_FLOOR_MB.items()} == dict.fromkeys(MEMORY_FLOOR_MB, True)


def test_the_name_of_an_unknown_secret_key_is_shown_but_not_its_value() -> None:
    assert _errors({"trade2026:apiToken": "hunter2"}, secret_keys=("trade2026:apiToken",)) == [
        "trade2026:apiToken: unknown key"
    ]
