"""Policy config files reconciled like the Pulumi CLI, with every mistake refused by name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from offline.policy_config import PolicyConfigError, PolicyInfo, PolicySettings, reconcile

PACK = [
    PolicyInfo("no-bind-mounts", "mandatory", {}),
    PolicyInfo(
        "loopback-port-bindings",
        "mandatory",
        {"properties": {"allowedHostIps": {"type": "array", "items": {"type": "string"}, "default": ["127.0.0.1"]}}},
    ),
    PolicyInfo("restart-policy-set", "advisory", {"properties": {"maxRetries": {"type": "integer", "default": 5}}}),
]


def _reconcile(tmp_path: Path, config: Any) -> dict[str, PolicySettings]:
    path = tmp_path / "policy.json"
    path.write_text(config if isinstance(config, str) else json.dumps(config))
    return reconcile(path, PACK)


def _errors(tmp_path: Path, config: Any) -> list[str]:
    with pytest.raises(PolicyConfigError) as caught:
        _reconcile(tmp_path, config)
    return [line.removeprefix(f"{tmp_path / 'policy.json'}: ") for line in str(caught.value).splitlines()]


def test_an_empty_config_keeps_each_policys_level_and_schema_defaults(tmp_path: Path) -> None:
    assert _reconcile(tmp_path, {}) == {
        "no-bind-mounts": PolicySettings("mandatory", {}),
        "loopback-port-bindings": PolicySettings("mandatory", {"allowedHostIps": ["127.0.0.1"]}),
        "restart-policy-set": PolicySettings("advisory", {"maxRetries": 5}),
    }


def test_all_sets_every_level_and_a_named_policy_overrides_it(tmp_path: Path) -> None:
    result = _reconcile(
        tmp_path, {"all": "advisory", "no-bind-mounts": "mandatory", "restart-policy-set": {"maxRetries": 3}}
    )
    assert result == {
        "no-bind-mounts": PolicySettings("mandatory", {}),
        "loopback-port-bindings": PolicySettings("advisory", {"allowedHostIps": ["127.0.0.1"]}),
        "restart-policy-set": PolicySettings("advisory", {"maxRetries": 3}),
    }


def test_an_object_entry_sets_level_and_properties_together(tmp_path: Path) -> None:
    result = _reconcile(
        tmp_path, {"loopback-port-bindings": {"enforcementLevel": "disabled", "allowedHostIps": ["0.0.0.0"]}}
    )
    assert result["loopback-port-bindings"] == PolicySettings("disabled", {"allowedHostIps": ["0.0.0.0"]})


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        pytest.param('{"all": ', ["not valid JSON: Expecting value at line 1 column 9"], id="broken JSON"),
        pytest.param("[]", ["expected a JSON object of policy names"], id="not an object"),
        pytest.param(
            {"no-bind-mount": "mandatory"}, ["no-bind-mount: no such policy in the pack"], id="unknown policy"
        ),
        pytest.param(
            {"no-bind-mounts": "required"},
            ['no-bind-mounts.enforcementLevel: "required" is not one of advisory, mandatory, remediate, disabled'],
            id="invalid level",
        ),
        pytest.param(
            {"restart-policy-set": {"maxRetry": 3}},
            ["restart-policy-set.maxRetry: unknown property"],
            id="unknown property",
        ),
        pytest.param(
            {"restart-policy-set": {"maxRetries": "3"}},
            ["restart-policy-set.maxRetries: '3' is not of type 'integer'"],
            id="wrong property type",
        ),
        pytest.param(
            {"loopback-port-bindings": {"allowedHostIps": [1]}},
            ["loopback-port-bindings.allowedHostIps.0: 1 is not of type 'string'"],
            id="wrong item type",
        ),
        pytest.param(
            {"all": {"maxRetries": 3}},
            ["all: takes only an enforcement level, not maxRetries"],
            id="all with properties",
        ),
        pytest.param(
            {"environments": ["trade2026/ci"], "all": "mandatory"},
            ["environments: Pulumi ESC environments are not resolved offline"],
            id="ESC environments",
        ),
        pytest.param(
            '{"all": ' + "9" * 5000 + "}",
            [
                "not valid JSON: Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits; "
                "use sys.set_int_max_str_digits() to increase the limit"
            ],
            id="integer too long",
        ),
        pytest.param(
            {"no-bind-mounts": 1},
            ["no-bind-mounts: expected an enforcement level or an object, got 1"],
            id="not a level",
        ),
    ],
)
def test_bad_policy_config_is_refused_with_one_line_per_problem(
    tmp_path: Path, config: Any, expected: list[str]
) -> None:
    assert _errors(tmp_path, config) == expected


def test_every_problem_in_a_file_is_reported_at_once(tmp_path: Path) -> None:
    assert _errors(tmp_path, {"nope": "advisory", "restart-policy-set": {"maxRetries": "x", "foo": 1}}) == [
        "nope: no such policy in the pack",
        "restart-policy-set.foo: unknown property",
        "restart-policy-set.maxRetries: 'x' is not of type 'integer'",
    ]


def test_a_missing_file_is_reported_by_path(tmp_path: Path) -> None:
    with pytest.raises(PolicyConfigError, match="cannot read: No such file or directory"):
        reconcile(tmp_path / "missing.json", PACK)


def test_the_packs_initial_config_sits_between_the_defaults_and_the_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"restart-policy-set": {"maxRetries": 2}}))
    initial = {
        "all": PolicySettings("mandatory", {}),
        "loopback-port-bindings": PolicySettings("advisory", {"allowedHostIps": ["::1"]}),
        "restart-policy-set": PolicySettings("mandatory", {"maxRetries": 4}),
    }
    assert reconcile(path, PACK, initial) == {
        "no-bind-mounts": PolicySettings("mandatory", {}),
        "loopback-port-bindings": PolicySettings("advisory", {"allowedHostIps": ["::1"]}),
        "restart-policy-set": PolicySettings("mandatory", {"maxRetries": 2}),
    }
