"""Supplied credentials the image would refuse, or that would break the file they land in, are
refused in one line naming the key and never the value; generated ones pass the same rules."""

from __future__ import annotations

import secrets
import string
from typing import Any

import pytest

from components.credential_rules import problem
from components.settings import ConfigError, parse_settings
from offline.engine import run_program
from tests.conftest import CATALOG, PASSWORD, config
from tests.supplied import SECRET_KEYS, SUPPLIED, credentials_config

CONTROL = "holds a control character or line break, which would split the config files and environment it goes into"
WEAK = (
    "too guessable: OpenSearch's security plugin needs zxcvbn strength 3 (strong) or more; "
    "try a longer password with fewer words and patterns"
)
CLASSES = (
    "needs an upper-case letter, a lower-case letter, a digit and a special character "
    "(OpenSearch's security plugin refuses it otherwise)"
)


def _refused(service: str, name: str, value: str) -> list[str]:
    # prod: its OpenSearch has the security plugin on, so it declares an admin password.
    raw = {**config("prod"), **credentials_config({service: {name: value}})}
    with pytest.raises(ConfigError) as caught:
        parse_settings(raw, CATALOG, SECRET_KEYS)
    text = str(caught.value)
    assert value not in text, "the refused value is in the message"
    first, *lines = text.splitlines()
    assert first == "invalid stack config:"
    return [line.strip() for line in lines]


@pytest.mark.parametrize(
    ("service", "name", "value"),
    [
        pytest.param("valkey", "password", "vault-valkey\nrename-command CONFIG x", id="newline in valkey.conf"),
        pytest.param("postgres", "password", "vault-postgres\r-L5kJ2hGf8d", id="carriage return"),
        pytest.param("questdb", "pg-password", "vault-questdb\x00R4tY8uNb2c", id="NUL"),
        pytest.param("clickhouse", "password", "vault-clickhouse\tH6jK3sDf5g", id="tab"),
        pytest.param("seaweedfs", "s3-secret-key", "vault-s3\x1b[2J-secret", id="escape"),
        pytest.param("postgres", "password", "vault-postgres\x85L5kJ2hGf8d", id="NEL"),
        pytest.param("opensearch", "admin-password", "Vault_Open\u2028Search-8eW2q", id="line separator"),
    ],
)
def test_a_control_character_or_line_break_in_any_supplied_credential_is_refused(
    service: str, name: str, value: str
) -> None:
    assert _refused(service, name, value) == [f"trade2026:credentials.{service}.{name}: {CONTROL}"]


@pytest.mark.parametrize(
    ("service", "name", "value", "message"),
    [
        ("postgres", "password", "Sh0rt!x", "shorter than 8 characters"),
        (
            "valkey",
            "password",
            "vault valkey 7Qm2xW9pLk",
            "holds a space or a quote, which valkey.conf's `requirepass` line would split or unquote",
        ),
        (
            "valkey",
            "password",
            'vault"valkey"7Qm2xW9pLk',
            "holds a space or a quote, which valkey.conf's `requirepass` line would split or unquote",
        ),
        (
            "clickhouse",
            "password",
            "x</password><access_management>1",
            "holds < or &, which the ClickHouse image writes unescaped into its users XML",
        ),
        (
            "clickhouse",
            "password",
            "vault&clickhouse-H6jK3sDf5g",
            "holds < or &, which the ClickHouse image writes unescaped into its users XML",
        ),
        (
            "seaweedfs",
            "s3-access-key",
            "vault/s3,access=Z1xC7vBn4m",
            "may hold only letters, digits and - . _ ~ (an S3 access key is split out of signed request headers)",
        ),
        ("opensearch", "admin-password", "vault_opensearch-8ew2q", CLASSES),
        ("opensearch", "admin-password", "VAULT_OPENSEARCH-8EW2Q", CLASSES),
        ("opensearch", "admin-password", "Vault_OpenSearch-eWqZr", CLASSES),
        ("opensearch", "admin-password", "VaultOpenSearch8eW2q", CLASSES),
        ("opensearch", "admin-password", "Passw0rd!", WEAK),
        ("opensearch", "admin-password", "Aa1!aaaa", WEAK),
        (
            "opensearch",
            "admin-password",
            "Admin_Xy7#kq92LmQ",
            "resembles the user name admin, which OpenSearch's security plugin refuses",
        ),
        (
            "opensearch",
            "admin-password",
            "Aa1!" + "x9Qz" * 25,
            "longer than the 100 characters OpenSearch's security plugin accepts",
        ),
    ],
)
def test_a_credential_its_image_would_refuse_or_its_file_format_would_break_is_refused(
    service: str, name: str, value: str, message: str
) -> None:
    assert _refused(service, name, value) == [f"trade2026:credentials.{service}.{name}: {message}"]


@pytest.mark.parametrize(
    ("service", "name", "value"),
    [
        # What each rule lets through, right at its edge.
        ("postgres", "password", "Exactly8"),
        ("valkey", "password", "vault-valkey_7Qm2xW9pLk!%$#"),
        ("clickhouse", "password", "vault>clickhouse'H6jK3s\"Df5g"),
        ("seaweedfs", "s3-access-key", "vault.s3_access~Z1xC7-vBn4m"),
        ("seaweedfs", "s3-secret-key", "vault/s3+secret=P0oI9uYt3r <&>"),
        ("opensearch", "admin-password", "Vault_OpenSearch-8eW2q"),
        ("opensearch", "admin-password", "Kx9#" + "mQ2vTz7pLw" * 9 + "R4"),
    ],
)
def test_a_credential_within_the_rules_is_accepted(service: str, name: str, value: str) -> None:
    settings = parse_settings({**config("prod"), **credentials_config({service: {name: value}})}, CATALOG, SECRET_KEYS)
    assert settings.credentials[service][name].get_secret_value() == value


def test_every_value_the_tests_supply_passes_the_rules() -> None:
    assert {(s, n): problem(s, n, v) for s, creds in SUPPLIED.items() for n, v in creds.items()} == {
        (s, n): None for s, creds in SUPPLIED.items() for n in creds
    }


def _generate(inputs: dict[str, Any]) -> str:
    """A password as pulumi-random's RandomPassword builds one from these inputs: the minimum of
    each class, the rest from every allowed class, shuffled."""
    specials = inputs.get("overrideSpecial", "") if inputs["special"] else ""
    classes = [
        (string.ascii_lowercase, inputs["minLower"]),
        (string.ascii_uppercase, inputs["minUpper"]),
        (string.digits, inputs["minNumeric"]),
        (specials, inputs["minSpecial"]),
    ]
    chars = [secrets.choice(alphabet) for alphabet, count in classes for _ in range(count)]
    everything = "".join(alphabet for alphabet, _ in classes)
    chars += [secrets.choice(everything) for _ in range(inputs["length"] - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def test_passwords_generated_with_the_programs_random_password_settings_pass_the_same_rules() -> None:
    plan = run_program("dev", config(services={"opensearch": {"securityPlugin": True}}))
    generators = {p.name: p.inputs for p in plan.of_type(PASSWORD)}
    assert len(generators) == 7
    owners = {
        "valkey-password": ("valkey", "password"),
        "questdb-pg-password": ("questdb", "pg-password"),
        "clickhouse-password": ("clickhouse", "password"),
        "seaweedfs-s3-access-key": ("seaweedfs", "s3-access-key"),
        "seaweedfs-s3-secret-key": ("seaweedfs", "s3-secret-key"),
        "opensearch-admin-password": ("opensearch", "admin-password"),
        "postgres-password": ("postgres", "password"),
    }
    refused = []
    for name, inputs in generators.items():
        for _ in range(50):
            value = _generate(inputs)
            if problem(*owners[name], value):
                refused.append((name, problem(*owners[name], value)))
    assert refused == []
