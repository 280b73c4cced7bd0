"""Property-based: whatever config arrives, the settings parser either parses it or refuses it with
a ConfigError of one line per problem, each naming a trade2026: key; never another exception, and
never a value of a secret key."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from components.settings import UNLISTED, ConfigError, StackSettings, parse_settings
from tests.conftest import CATALOG

TOP_LEVEL = ["bindAddress", "hostPorts", "portBlock", "registryMirror", "waitForHealthy", "protectData", "services"]
SERVICES = ["nats", "valkey", "questdb", "clickhouse", "seaweedfs", "opensearch", "postgres", "opa"]
SERVICE_FIELDS = ["enabled", "image", "memoryMb", "waitTimeoutSeconds", "securityPlugin"]
# Strings the CLI could pass for any key: the interesting ones, then anything.
CLI_TEXT = st.sampled_from(
    [
        "true",
        "false",
        "True",
        "yes",
        "no",
        "off",
        "0",
        "1",
        "-1",
        "64",
        "1024",
        "",
        " ",
        "fixed",
        "auto",
        "127.0.0.1",
        "::1",
        "fe80::1%eth0",
        "255.255.255.255",
        "mirror.internal:5000",
        "nats:2.10.29-alpine",
        "nats:latest",
        "[",
        "{",
        "null",
        "99999999999999999999",
    ]
) | st.text(max_size=40)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | CLI_TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=25,
)
SERVICE = st.dictionaries(st.sampled_from(SERVICE_FIELDS) | st.text(max_size=12), JSON_VALUES, max_size=5)
SERVICES_JSON = st.dictionaries(st.sampled_from(SERVICES) | st.text(max_size=12), SERVICE | JSON_VALUES, max_size=9)
NESTING = st.integers(min_value=1, max_value=200_000).flatmap(
    lambda n: st.sampled_from(["[" * n, "[" * n + "]" * n, '{"a":' * n + "1" + "}" * n, "9" * n])
)
KEYS = (
    st.sampled_from([f"trade2026:{key}" for key in TOP_LEVEL])
    | st.sampled_from(
        ["trade2026x:bindAddress", "Trade2026:services", "trade2062:hostPorts", "docker:host", "bindAddress"]
    )
    # Look-alikes in compatibility forms: full-width, subscript and ligature letters, other cases.
    | st.sampled_from(
        ["\uff54\uff52\uff41\uff44\uff45\uff12\uff10\uff12\uff16", "TRADE\u2082\u2080\u2082\u2086", "trade2026"]
    ).flatmap(
        lambda namespace: st.sampled_from(
            [*TOP_LEVEL, "bindaddress", "\uff50\uff4f\uff52\uff54\uff22\uff4c\uff4f\uff43\uff4b", "\ufb01x"]
        ).map(lambda name: f"{namespace}:{name}")
    )
    | st.text(max_size=20).map(lambda name: f"trade2026:{name}")
    | st.text(max_size=30)
)
VALUES = CLI_TEXT | SERVICES_JSON.map(json.dumps) | JSON_VALUES.map(json.dumps) | NESTING | JSON_VALUES
PROBLEM_LINE = re.compile(r"  \S[^\n]*?: \S.*")
# pydantic's own wording, which no problem line may carry (tests/test_settings.py words each kind).
PYDANTIC_PHRASES = re.compile(
    r"Input should|Value error|Extra inputs|Field required|validation error|errors\.pydantic\.dev|\[type="
)


def _outcome(config: dict[str, Any], secret_keys: tuple[str, ...] = ()) -> list[str]:
    """The problem lines, or [] when the config parses. Anything but ConfigError propagates."""
    return _outcome_for(config, None, secret_keys)


def _outcome_for(config: dict[str, Any], stack: str | None, secret_keys: tuple[str, ...] = ()) -> list[str]:
    try:
        assert isinstance(parse_settings(config, CATALOG, secret_keys, stack), StackSettings)
    except ConfigError as error:
        message = str(error)
        assert message.splitlines() == message.split("\n"), "a problem broke across lines"
        header, *lines = message.split("\n")
        assert header == "invalid stack config:"
        assert lines
        for line in lines:
            assert PROBLEM_LINE.fullmatch(line), line
            assert "trade2026:" in line, line
            assert not PYDANTIC_PHRASES.search(line), line
            assert UNLISTED not in line, f"a kind of error without words of its own: {line}"
        return lines
    return []


@settings(max_examples=250, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_any_config_parses_or_is_refused_one_line_per_problem_naming_the_key(config: dict[str, Any]) -> None:
    _outcome(config)


@settings(max_examples=200, deadline=None)
@given(SERVICES_JSON)
def test_any_services_object_parses_or_is_refused_one_line_per_problem(services: dict[str, Any]) -> None:
    _outcome({"trade2026:services": json.dumps(services)})


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(TOP_LEVEL),
    st.text(alphabet="qxzjQXZJ", min_size=8, max_size=20),
    st.sampled_from(["{}", '"{}"', '{"opa": {"image": "{}"}}', '{"{}": 1}', '{"nats": {"{}": 1}}', "[{}]"]),
)
def test_no_refusal_ever_shows_a_secret_value(key: str, secret: str, shape: str) -> None:
    value = shape.replace("{}", secret) if shape != "{}" else secret
    lines = _outcome({f"trade2026:{key}": value}, secret_keys=(f"trade2026:{key}",))
    assert not any(secret in line for line in lines)


STACK_NAMES = st.from_regex(r"[A-Za-z0-9_.-]{1,100}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(STACK_NAMES, st.dictionaries(KEYS, VALUES, max_size=3))
def test_any_stack_name_on_kubernetes_parses_or_is_refused_one_line_per_problem(
    stack: str, config: dict[str, Any]
) -> None:
    lines = _outcome_for({**config, "trade2026:platform": "kubernetes"}, stack)
    namespace = f"trade2026-{stack}"
    made = re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", namespace) is not None
    refused = any(line.startswith("  trade2026:kubernetes.namespace: unset,") for line in lines)
    if refused:
        assert not made, lines
    if not lines:  # accepted: the namespace is a DNS label, or the stack names one of its own
        assert made or "trade2026:kubernetes" in config
