"""Pulumi.yaml and Pulumi.<stack>.yaml turned into the config the Pulumi CLI hands the program.

What the CLI (v3.274.1) does, and this module with it: sdk/go/common/workspace/loaders.go decodes
the stack file (yaml.v3, offline/goyaml.py), puts bare config keys in the project's namespace and
reads `<namespace>:config:<name>` as `<namespace>:<name>` (resource/config/key.go ParseKey);
pkg/workspace/config.go then adds Pulumi.yaml's defaults and values for keys the stack does not set,
refuses a stack that lacks a key Pulumi.yaml requires, and checks values against the declared
types. Scalars reach the program as text, structured values as JSON (resource/config/object.go).

Where the CLI does something arbitrary or silent, this module refuses instead, with one line per
problem naming the key: two spellings of one key (`x` and `trade2026:x`; the CLI keeps one at
random), a key that is not text (the CLI drops `~:` silently), a top-level key the CLI ignores
(`confg:`), a second YAML document (ignored), and `secure:` values of this program, which only the
CLI can decrypt.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import goyaml
from .goyaml import GoTime, Key, Problem, YAMLFileError

# What a stack file may hold besides config (the CLI's workspace.ProjectStack).
STACK_FILE_KEYS = frozenset({"config", "environment", "secretsprovider", "encryptedkey", "encryptionsalt"})
_STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
# Stands in for a `secure:` value outside this program's namespace (a provider's password, say),
# which only the Pulumi CLI can decrypt; the mock providers never read it.
SECURE_PLACEHOLDER = "[secure value: only the Pulumi CLI decrypts it]"
# Stands in, offline, for a credential supplied with `pulumi config set --secret --path
# trade2026:credentials.<service>.<credential>`, passed to the program as secret: a value every
# service's credential rules accept (components/credential_rules.py), so the offline preview and
# gate judge everything but the value itself, which `pulumi preview` (it decrypts) and `up` judge.
SECURE_CREDENTIAL = "Kept-By-Pulumi_Secure7Q"
# Pulumi.yaml config declarations: what the project schema allows in one (sdk/go/common/workspace/project.json).
_DECLARATION_KEYS = frozenset({"type", "description", "default", "value", "secret", "items"})
_TYPES = frozenset({"string", "integer", "boolean", "array", "object"})
_PLAIN = re.compile(r"[A-Za-z0-9_.:/-]{1,64}")
_SHOWN_CHARS = 60
_SHOWN_WHERE = 100
_ENV_NAME = "PULUMI_CONFIG="


class StackConfigError(Exception):
    """A Pulumi.yaml or Pulumi.<stack>.yaml the CLI would not run: one line per problem, each
    naming the file and, where there is one, the key."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = list(dict.fromkeys(lines))
        super().__init__("\n".join(self.lines))


@dataclass(frozen=True)
class StackConfig:
    """Config as the language host hands it to the program: `PULUMI_CONFIG` and the secret keys."""

    config: dict[str, str]
    secret_keys: tuple[str, ...]
    # What the offline tools could not see and stood in for (an encrypted credential), to be said.
    notes: tuple[str, ...] = ()


def quoted(part: str) -> str:
    """A name quoted for a message: 'plain' names in quotes, anything else escaped and cut."""
    return f"'{part}'" if _PLAIN.fullmatch(part) else shown(part)


def shown(part: str | int) -> str:
    """A key or key part on one line: plain names as they are, anything else quoted and cut."""
    if isinstance(part, int):
        return f"[{part}]"
    if _PLAIN.fullmatch(part):
        return part
    text = ascii(str(part))
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


def _where(path: tuple[str | int, ...], stack_file: bool) -> str:
    """A problem's place: in a stack file the config key (`trade2026:services.nats.enabled`),
    elsewhere the path from the top (`config.bindAddress.default`)."""
    if stack_file and len(path) > 1 and path[0] == "config":
        path = path[1:]
    text = ""
    for part in path:
        piece = shown(part)
        text += piece if not text or piece.startswith("[") else "." + piece
        if len(text) > _SHOWN_WHERE:
            return text[: _SHOWN_WHERE - 3] + "..."
    return text


def _lines(file: Path, problems: Iterable[Problem], stack_file: bool) -> list[str]:
    lines = []
    for problem in problems:
        where = _where(problem.path, stack_file)
        lines.append(f"{file.name}: {where}: {problem.message}" if where else f"{file.name}: {problem.message}")
    return lines


def _read(path: Path, stack_file: bool) -> tuple[bool, Any, list[Problem]]:
    try:
        return goyaml.read(path)
    except YAMLFileError as error:
        raise StackConfigError(_lines(path, error.problems, stack_file)) from None


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "list", dict: "map", GoTime: "timestamp"}.get(type(value), "null")


def _is_text(key: str) -> bool:
    return not isinstance(key, Key) or key.text


def config_key(project: str, key: str) -> str | None:
    """A config key as the CLI reads it: bare keys belong to the project, and the old
    `<namespace>:config:<name>` form means `<namespace>:<name>`; None for anything else."""
    parts = key.split(":")
    if len(parts) == 1:
        return f"{project}:{key}"
    if len(parts) == 2:
        return str(key)  # a plain str, not the reader's Key
    if len(parts) == 3 and parts[1] == "config":
        return f"{parts[0]}:{parts[2]}"
    return None


# --- Values as the program receives them ---------------------------------------------------------


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("secure"), str)


def _without_secure(value: Any, placeholder: str = SECURE_PLACEHOLDER) -> tuple[Any, bool]:
    """`value` with every `secure:` entry replaced by `placeholder`, and whether it had any."""
    if _is_secure(value):
        return placeholder, True
    found = False
    todo: list[tuple[Any, Any, Any]] = []
    copy: Any = _container_copy(value, todo)
    while todo:
        target, key, item = todo.pop()
        if _is_secure(item):
            target[key], found = placeholder, True
        else:
            target[key] = _container_copy(item, todo)
    return copy, found


def _container_copy(value: Any, todo: list[tuple[Any, Any, Any]]) -> Any:
    """A shallow copy of a list or map, its items queued in `todo` to be filled in (iteratively:
    values may nest as deep as yaml.v3 allows)."""
    if isinstance(value, dict):
        copy: dict[str, Any] = dict.fromkeys(value)
        todo.extend((copy, key, item) for key, item in value.items())
        return copy
    if isinstance(value, list):
        items: list[Any] = [None] * len(value)
        todo.extend((items, index, item) for index, item in enumerate(value))
        return items
    return value


def stack_value_text(value: Any) -> str:
    """A stack file value as the CLI passes it (config.object MarshalString): text as it is, a
    timestamp as Go prints one, numbers and booleans and structures as JSON, nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, GoTime):
        return value.string()
    return goyaml.json_text(value)


def project_value_text(value: Any) -> str:
    """A Pulumi.yaml default or value as the CLI passes it (pkg/workspace/config.go
    createConfigValue): text, whole numbers and booleans with %v, anything else through JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, GoTime):
        return value.rfc3339()
    return goyaml.json_text(value, GoTime.rfc3339)


def config_text(value: Any) -> str:
    """A Python value (True, 3, a dict) as the CLI would pass it had a stack file held it."""
    return stack_value_text(value)


def _valid_type(type_name: str, items: Any, value: Any, json_content: bool = False) -> bool:
    """workspace.ValidateConfigValue: does `value` have the declared type. With `json_content`, as
    the CLI checks a structured stack value: its JSON read back, where a timestamp is text."""
    if type_name == "string":
        return isinstance(value, str) or (json_content and isinstance(value, GoTime))
    if type_name == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return True
        if isinstance(value, float):
            return value.is_integer()
        return isinstance(value, str) and _atoi(value)
    if type_name == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if type_name == "object":
        return isinstance(value, dict)
    if not isinstance(value, list) or not isinstance(items, dict):
        return False
    return all(_valid_type(str(items.get("type")), items.get("items"), item, json_content) for item in value)


def _atoi(text: str) -> bool:
    """strconv.Atoi would accept `text`."""
    return bool(re.fullmatch(r"[+-]?[0-9]+", text)) and -(1 << 63) <= int(text) < 1 << 63


def _type_name(type_name: str, items: Any) -> str:
    """workspace.InferFullTypeName: `array<string>` for arrays."""
    if type_name == "array" and isinstance(items, dict):
        return f"array<{_type_name(str(items.get('type')), items.get('items'))}>"
    return type_name


# --- Pulumi.yaml ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Declaration:
    """One entry of Pulumi.yaml's `config:`."""

    raw: str
    key: str
    ours: bool  # namespaced by the project: may declare a type and a default
    type: str | None = None
    items: Any = None
    has_value: bool = False
    value: Any = None
    secret: bool = False


@dataclass(frozen=True)
class Project:
    name: str
    declarations: tuple[Declaration, ...]


def read_project(path: Path) -> Project:
    """Pulumi.yaml's name and config declarations, or StackConfigError listing every problem."""
    exists, document, problems = _read(path, stack_file=False)
    if not exists:
        raise StackConfigError([f"{path.name}: not found"])
    if problems:
        raise StackConfigError(_lines(path, problems, stack_file=False))
    if not isinstance(document, dict):
        raise StackConfigError([f"{path.name}: expected a map of project settings, got a {_kind(document)}"])
    name = document.get("name")
    if not isinstance(name, str) or not name:
        raise StackConfigError([f"{path.name}: name: expected the project's name as non-empty text"])
    declarations = document.get("config")
    if declarations is None:
        return Project(name, ())
    if not isinstance(declarations, dict):
        raise StackConfigError([f"{path.name}: config: expected a map of key declarations"])
    found: list[Declaration] = []
    for raw, entry in declarations.items():
        declaration = _declaration(name, raw, entry, problems)
        if declaration is not None:
            found.append(declaration)
    declared = ((d.raw, d.key) for d in found)
    problems.extend(_spellings(declared, ("config",), "declared", "uses the one that sorts first"))
    if problems:
        raise StackConfigError(_lines(path, problems, stack_file=False))
    return Project(name, tuple(sorted(found, key=lambda d: d.raw)))


def _declaration(project: str, raw: str, entry: Any, problems: list[Problem]) -> Declaration | None:
    where = ("config", raw)
    key = config_key(project, raw) if _is_text(raw) else None
    if key is None:
        problems.append(Problem(where, "not a config key of the form <namespace>:<name>"))
        return None
    ours = ":" not in raw or raw.startswith(f"{project}:")
    if isinstance(entry, (str, int, bool, list)):
        # A shorthand: a default for the project's own keys, a value for a provider's.
        if _has_key_not_text(entry):
            problems.append(Problem(where, "has a key that is not text, which the Pulumi CLI cannot pass on"))
            return None
        return Declaration(raw, key, ours, has_value=True, value=entry)
    if not isinstance(entry, dict):
        problems.append(Problem(where, f"expected a declaration (type, default, ...) or a value, got a {_kind(entry)}"))
        return None
    for attribute in entry:
        if attribute not in _DECLARATION_KEYS:
            problems.append(Problem((*where, attribute), f"not one of {', '.join(sorted(_DECLARATION_KEYS))}"))
    type_name, items = entry.get("type"), entry.get("items")
    has_default, has_value = entry.get("default") is not None, entry.get("value") is not None
    before = len(problems)
    if has_default and has_value:
        problems.append(Problem(where, "has both a default and a value; the Pulumi CLI refuses that"))
    if type_name is not None and type_name not in _TYPES:
        problems.append(Problem((*where, "type"), f"not one of {', '.join(sorted(_TYPES))}"))
    elif type_name == "array" and items is None:
        problems.append(Problem(where, "declares an array but not the type of its items"))
    if ours and type_name in _TYPES and has_default and not _valid_type(type_name, items, entry["default"]):
        problems.append(Problem((*where, "default"), f"not of the declared type '{_type_name(type_name, items)}'"))
    if not ours and type_name is not None:
        problems.append(Problem(where, "not in the project's namespace, so it cannot declare a type"))
    if not ours and has_default:
        problems.append(Problem(where, "not in the project's namespace, so it takes a value, not a default"))
    if not ours and not has_value and not has_default:
        problems.append(Problem(where, "not in the project's namespace, so it must give a value"))
    value = entry.get("default") if has_default else entry.get("value")
    if _has_key_not_text(value):
        problems.append(Problem(where, "has a key that is not text, which the Pulumi CLI cannot pass on"))
    if len(problems) > before:
        return None
    secret = entry.get("secret") is True
    return Declaration(raw, key, ours, type_name, items, has_default or has_value, value, secret)


def _has_key_not_text(value: Any) -> bool:
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            if not all(_is_text(key) for key in item):
                return True
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    return False


def _spellings(entries: Iterable[tuple[str, str]], where: tuple[str, ...], verb: str, cli_does: str) -> list[Problem]:
    """One problem per config key written more than one way."""
    spellings: dict[str, list[str]] = {}
    for raw, key in entries:
        spellings.setdefault(key, []).append(raw)
    problems = []
    for key, raws in spellings.items():
        if len(raws) > 1:
            names = " and ".join(shown(raw) for raw in raws)
            problems.append(
                Problem(
                    (*where, key),
                    f"{verb} as {names}, which are one key (the Pulumi CLI {cli_does}); keep one",
                )
            )
    return problems


# --- Pulumi.<stack>.yaml -------------------------------------------------------------------------


def _stack_entries(path: Path, project: str) -> tuple[dict[str, tuple[str, Any]], list[Problem], set[str]]:
    """The stack file's config: key -> (the key as written, value); the problems found; and the
    keys whose values had a problem already, so no other check reports them again."""
    exists, document, problems = _read(path, stack_file=True)
    tainted = {str(p.path[1]) for p in problems if len(p.path) > 1 and p.path[0] == "config"}
    if not exists or document is None:
        return {}, problems, tainted  # no stack file, or an empty one, is an empty config, as for the CLI
    if not isinstance(document, dict):
        raise StackConfigError([f"{path.name}: expected a map with a config: key, got a {_kind(document)}"])
    expected = ", ".join(sorted(STACK_FILE_KEYS))
    for key, value in document.items():
        if not _is_text(key):
            problems.append(Problem((), f"top-level key {quoted(key)} is not text (a stack file holds {expected})"))
        elif key not in STACK_FILE_KEYS:
            problems.append(Problem((), f"unknown top-level key {quoted(key)} (a stack file holds {expected})"))
        elif key in ("secretsprovider", "encryptedkey", "encryptionsalt") and not isinstance(value, (str, type(None))):
            problems.append(Problem((key,), f"expected text, got a {_kind(value)}"))
    if document.get("environment"):
        problems.append(
            Problem(
                ("environment",),
                "imports Pulumi ESC environments, which the offline engine cannot open; "
                "use `pulumi preview` for this stack",
            )
        )
    stack_config = document.get("config")
    if stack_config is None:
        return {}, problems, tainted
    if not isinstance(stack_config, dict):
        problems.append(Problem(("config",), "expected a map of keys to values"))
        return {}, problems, tainted
    entries: dict[str, tuple[str, Any]] = {}
    written: list[tuple[str, str]] = []
    for raw, value in stack_config.items():
        key = config_key(project, raw) if _is_text(raw) else None
        if key is None:
            form = "not a config key of the form <namespace>:<name>"
            if not _is_text(raw):
                form = "a config key that is not text (config keys are text of the form <namespace>:<name>)"
            problems.append(Problem(("config", raw), form))
            continue
        written.append((raw, key))
        if raw not in tainted:
            entries.setdefault(key, (raw, value))
    problems.extend(_spellings(written, ("config",), "set", "would use one of them at random"))
    return entries, problems, tainted


def require_stack_file(stack_name: str, root: Path) -> None:
    """The offline tools judge a stack's committed file: a name without one is a typo far more often
    than a stack of defaults (which the CLI would run), so say so, with the stacks there are."""
    stack_file = root / f"Pulumi.{stack_name}.yaml"
    # Anything by that name (a directory, a FIFO, a dangling link) and a bad name get load()'s messages.
    if not _STACK_NAME.fullmatch(stack_name) or stack_file.exists() or stack_file.is_symlink():
        return
    stacks = sorted(path.name.removeprefix("Pulumi.").removesuffix(".yaml") for path in root.glob("Pulumi.*.yaml"))
    raise StackConfigError(
        [
            f"stack {stack_name}: no Pulumi.{stack_name}.yaml in {root} (stacks here: {', '.join(stacks) or 'none'}); "
            f"for a stack of your own: cp Pulumi.dev.yaml Pulumi.{stack_name}.yaml"
        ]
    )


def load(stack_name: str, root: Path) -> StackConfig:
    """The config the Pulumi CLI would hand the program for `stack_name` of the project in `root`;
    StackConfigError, one line per problem, for files the CLI would not run (or would run with a
    key chosen at random)."""
    if not _STACK_NAME.fullmatch(stack_name):
        raise StackConfigError(
            [f"stack name {quoted(stack_name)} is not letters, digits, '_', '.' and '-' (at most 100)"]
        )
    project_file = root / "Pulumi.yaml"
    project = read_project(project_file)
    stack_file = root / f"Pulumi.{stack_name}.yaml"
    entries, problems, tainted = _stack_entries(stack_file, project.name)
    set_keys = {config_key(project.name, raw) for raw in tainted} | set(entries)
    values: dict[str, tuple[Any, bool]] = {key: (value, True) for key, (_, value) in entries.items()}
    missing = []
    for declaration in project.declarations:
        if declaration.key not in entries and declaration.key in set_keys:
            continue  # set, with a problem already reported
        if declaration.key in entries:
            problems.extend(_declared_type_problems(declaration, entries[declaration.key][1]))
        elif declaration.has_value:
            values[declaration.key] = (declaration.value, False)
            if declaration.secret and declaration.type is not None:
                clear = "Pulumi.yaml declares it secret but gives it a default in clear"
                problems.append(Problem(("config", declaration.key), clear))
        elif declaration.ours:
            missing.append(declaration.key)
    problems.extend(
        Problem(("config", key), "Pulumi.yaml declares it without a default, so the stack must set it")
        for key in missing
    )
    passed, secret_keys, notes = _as_passed(project.name, values, problems)
    problems.extend(_size_problems(passed))
    if problems:
        raise StackConfigError(_lines(stack_file, problems, stack_file=True))
    return StackConfig(passed, tuple(sorted(secret_keys)), tuple(notes))


def _declared_type_problems(declaration: Declaration, value: Any) -> list[Problem]:
    """pkg/workspace/config.go validateStackConfigValue, for a key the stack sets."""
    where = ("config", declaration.key)
    if declaration.type is None:
        return []  # the CLI checks only keys declared with a type
    if declaration.secret and not _is_secure(value):
        return [Problem(where, "Pulumi.yaml declares it secret, so set it with `pulumi config set --secret`")]
    if _without_secure(value)[1]:
        return []
    structured = isinstance(value, (dict, list))
    try:
        content = value if structured else stack_value_text(value)
    except goyaml.UnsupportedValueError:
        return []  # reported once, as a value that cannot be passed (_as_passed)
    if _valid_type(declaration.type, declaration.items, content, json_content=structured):
        return []
    expected = _type_name(declaration.type, declaration.items)
    return [Problem(where, f"must be of type '{expected}', as Pulumi.yaml declares it (the Pulumi CLI checks)")]


def _as_passed(
    project: str, values: dict[str, tuple[Any, bool]], problems: list[Problem]
) -> tuple[dict[str, str], list[str], list[str]]:
    passed: dict[str, str] = {}
    secret_keys = []
    notes: list[str] = []
    credentials = f"{project}:credentials"
    for key, (value, from_stack) in values.items():
        plain, secure = _without_secure(value)
        if key == credentials and not _is_secure(value) and secure:
            # Each credential encrypted on its own, as the docs say to set them: the program gets a
            # stand-in it accepts, marked secret as the CLI marks the real one.
            plain, _ = _without_secure(value, SECURE_CREDENTIAL)
            notes.extend(
                f"{'.'.join((key, *path))}: a secure: value, previewed with a stand-in; "
                "`pulumi preview` judges the value itself"
                for path in _secure_paths(value)
            )
        elif secure and key.startswith(f"{project}:"):
            problems.append(
                Problem(
                    ("config", key),
                    "a secure: value, which only the Pulumi CLI can decrypt; use `pulumi preview` for this stack",
                )
            )
            continue
        try:
            passed[key] = stack_value_text(plain) if from_stack else project_value_text(plain)
        except goyaml.UnsupportedValueError as error:
            problems.append(
                Problem(("config", key), f"{error} cannot be passed to the program (JSON has no such number)")
            )
            continue
        if secure:
            secret_keys.append(key)
    return passed, secret_keys, notes


def _secure_paths(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of each `secure:` entry in `value` (credentials nest two levels)."""
    if _is_secure(value):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _secure_paths(item, (*path, str(key)))


def _size_problems(passed: dict[str, str]) -> list[Problem]:
    """The language host passes the config in one environment variable, which Linux caps."""
    size = len(_ENV_NAME) + len(goyaml.json_text(passed).encode()) + 1
    if size <= goyaml.MAX_CONFIG_ENV_BYTES or not passed:
        return []
    largest = max(passed, key=lambda key: len(passed[key].encode()))
    return [
        Problem(
            ("config", largest),
            f"the largest value of a config of {size} bytes as PULUMI_CONFIG, more than the "
            f"{goyaml.MAX_CONFIG_ENV_BYTES} bytes Linux lets one environment variable hold, so the "
            "Python language host could not start the program",
        )
    ]
