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
    reference: str = ""  # compliance framework and item, as `framework: item`
    url: str = ""


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


def _read(path: Path) -> dict[str, Any]:
    """The file's JSON object; every way it can be unreadable is one line naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PolicyConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyConfigError(f"{path}: not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start})") from None
    if not text.strip():
        # The CLI runs the pack's defaults on an empty file; a gate treats it as a truncated one.
        raise PolicyConfigError(f"{path}: empty; write {{}} to run the pack's defaults")
    try:
        given = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise PolicyConfigError(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise PolicyConfigError(f"{path}: not valid JSON: nested too deeply") from None
    except ValueError as exc:  # NaN/Infinity (Go's JSON has none), integers too long to parse
        raise PolicyConfigError(f"{path}: not valid JSON: {str(exc).splitlines()[0]}") from None
    if not isinstance(given, dict):
        raise PolicyConfigError(f"{path}: expected a JSON object of policy names")
    return given


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def reconcile(
    path: Path, policies: list[PolicyInfo], initial: dict[str, PolicySettings] | None = None
) -> dict[str, PolicySettings]:
    """The config each policy runs with: defaults, the pack's initialConfig, then the file, as
    the CLI applies them; raises PolicyConfigError listing every problem."""
    given = _read(path)
    if "environments" in given:
        raise PolicyConfigError(f"{path}: environments: Pulumi ESC environments are not resolved offline")

    known = {policy.name: policy for policy in policies}
    result = {
        policy.name: PolicySettings(
            policy.level,
            {k: v["default"] for k, v in policy.schema.get("properties", {}).items() if "default" in v},
        )
        for policy in policies
    }
    for name, settings in (initial or {}).items():
        if name == "all":
            result = {n: PolicySettings(settings.level, s.properties) for n, s in result.items()}
        elif name in result:
            result[name] = PolicySettings(settings.level, {**result[name].properties, **settings.properties})
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
