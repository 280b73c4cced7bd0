"""Policy config files (`--policy-pack-config`), reconciled the way the Pulumi CLI does it.

The CLI (pkg/resource/analyzer/config.go) starts from each policy's default level and the
`default`s of its config schema, applies `all`'s level, then each policy's level and properties,
and validates the result against the schema. It lets unknown policy names and unknown properties
through; this gate refuses them, because a misspelt key silently changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

LEVELS = ("advisory", "mandatory", "remediate", "disabled")


class PolicyConfigError(Exception):
    """Invalid policy config: one line per problem, each naming the file and the key."""


@dataclass(frozen=True)
class PolicyInfo:
    """What GetAnalyzerInfo says of one policy."""

    name: str
    level: str
    schema: dict[str, Any]  # {"properties": {...}, "required": [...]}, empty when unconfigurable


@dataclass(frozen=True)
class PolicySettings:
    level: str
    properties: dict[str, Any]


def _split(path: Path, key: str, value: Any, problems: list[str]) -> tuple[str | None, dict[str, Any]]:
    """An entry's enforcement level and properties, as the CLI parses them."""
    if isinstance(value, str):
        value = {"enforcementLevel": value}
    if not isinstance(value, dict):
        problems.append(f"{path}: {key}: expected an enforcement level or an object, got {json.dumps(value)}")
        return None, {}
    properties = dict(value)
    level = properties.pop("enforcementLevel", None)
    if level is not None and level not in LEVELS:
        problems.append(f"{path}: {key}.enforcementLevel: {json.dumps(level)} is not one of {', '.join(LEVELS)}")
        level = None
    return level, properties


def reconcile(path: Path, policies: list[PolicyInfo]) -> dict[str, PolicySettings]:
    """The config each policy runs with; raises PolicyConfigError listing every problem."""
    try:
        given = json.loads(path.read_text())
    except OSError as exc:
        raise PolicyConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise PolicyConfigError(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(given, dict):
        raise PolicyConfigError(f"{path}: expected a JSON object of policy names")

    known = {policy.name: policy for policy in policies}
    result = {
        policy.name: PolicySettings(
            policy.level,
            {k: v["default"] for k, v in policy.schema.get("properties", {}).items() if "default" in v},
        )
        for policy in policies
    }
    problems: list[str] = []
    entries = {key: _split(path, key, value, problems) for key, value in given.items()}

    all_level, all_properties = entries.pop("all", (None, {}))
    if all_properties:
        problems.append(f"{path}: all: takes only an enforcement level, not {', '.join(sorted(all_properties))}")
    if all_level:
        result = {name: PolicySettings(all_level, s.properties) for name, s in result.items()}

    for name, (level, properties) in entries.items():
        if name not in known:
            problems.append(f"{path}: {name}: no such policy in the pack")
            continue
        schema_properties = known[name].schema.get("properties", {})
        for prop in sorted(set(properties) - set(schema_properties)):
            problems.append(f"{path}: {name}.{prop}: unknown property")
        current = result[name]
        result[name] = PolicySettings(level or current.level, {**current.properties, **properties})

    for name, settings in result.items():
        schema = {"type": "object", "additionalProperties": False, **known[name].schema}
        for error in jsonschema.Draft7Validator(schema).iter_errors(settings.properties):
            where = ".".join(str(p) for p in error.absolute_path)
            if error.validator != "additionalProperties":  # reported above, by name
                problems.append(
                    f"{path}: {name}.{where}: {error.message}" if where else f"{path}: {name}: {error.message}"
                )
    if problems:
        raise PolicyConfigError("\n".join(problems))
    return result
