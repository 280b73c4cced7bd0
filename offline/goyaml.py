"""YAML read the way the Pulumi CLI reads Pulumi.yaml and Pulumi.<stack>.yaml: gopkg.in/yaml.v3 3.0.1
decoding into Go values, and Go's own text for those values (encoding/json, strconv, time).

Why a reader of our own: PyYAML's resolver is YAML 1.1 (`yes` and `on` are true, `010` is 8 but
`0o10` is text, `1_000` is 1000 but `1e3` is text), ruamel.yaml's is YAML 1.2 (`010` is 10, `0x_1F`
text) and yaml.v3 is neither: `True`/`TRUE` are booleans, `yes`/`on` text, `010` and `0o10` both
8, `0x_1F` 31, `1e3` 1000. No library matches it, so this module resolves scalars with yaml.v3's
own rules (resolve.go) and uses PyYAML only for what every YAML parser agrees on: the event stream
(libyaml's, which yaml.v3 is a port of). Composing and decoding are iterative (no recursion limit)
and bounded: a billion-laughs file, a huge file, deep nesting or a huge scalar each end in one
problem line, quickly and in little memory.

Values come out as the CLI's program would see them after its round trip (yaml.v3 decodes the
file, re-encodes it, decodes again): str, int, float (only non-integral ones: `1.0` reaches the
program as `1`), bool, None, GoTime, list and dict with str keys (`Key`).
"""

from __future__ import annotations

import base64
import binascii
import functools
import math
import os
import re
import stat
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

# A stack file must fit the program's config in 128 KiB (MAX_CONFIG_ENV_BYTES); twice that leaves
# room for comments and layout, and the worst such file (all one-character values) decodes in
# about a second.
MAX_FILE_BYTES = 256 << 10
# Linux's MAX_ARG_STRLEN: the most one environment variable can hold, `NAME=` and the final NUL
# included (32 pages of 4 KiB). pulumi-language-python passes the whole config to the program as
# one variable, PULUMI_CONFIG (sdk/python/cmd/pulumi-language-python/main.go, constructConfig), so a
# larger config fails `pulumi up` when the program starts ("argument list too long").
MAX_CONFIG_ENV_BYTES = 131072
# No single value can be longer than the variable that has to carry it.
MAX_SCALAR_CHARS = MAX_CONFIG_ENV_BYTES
# yaml.v3's scanner reads up to 10000 flow and 10000 indentation levels (scannerc.go max_flow_level,
# max_indents); libyaml, which PyYAML's fast parser is, refuses a thousandth level of both together
# (and PyYAML's pure-Python parser is quadratic in depth). So the offline reader refuses documents
# nested deeper than 999 levels that the CLI would read: no config nests anywhere near that deep
# (components/settings.py refuses more than 8).
MAX_DEPTH = 999
# Nearly every value or key decoded (aliases expanded) becomes at least half a byte of PULUMI_CONFIG,
# so a document decoding to more than this could not reach the program; it bounds time and memory.
MAX_DECODES = 2 * MAX_CONFIG_ENV_BYTES
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (a key path, empty for the whole file) and what."""

    path: tuple[str | int, ...]
    message: str


class YAMLFileError(Exception):
    """Every independent problem found in one file."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class Key(str):
    """A mapping key as the program sees it, and whether it was text in the file (`1:` and `true:`
    are not: the CLI only namespaces config keys of a map whose keys are all text)."""

    text: bool
    line: int

    def __new__(cls, value: str, text: bool, line: int) -> Key:
        key = super().__new__(cls, value)
        key.text, key.line = text, line
        return key


@dataclass(frozen=True)
class GoTime:
    """A YAML timestamp as Go's time.Time holds it, so it prints as the CLI prints it."""

    year: int
    month: int
    day: int
    hour: int = 0
    minute: int = 0
    second: int = 0
    nanosecond: int = 0
    offset: int = 0  # seconds east of UTC
    zone: str = "UTC"  # "" for a fixed offset Go made up a zone for

    def _clock(self, separator: str) -> str:
        text = f"{self.year:04d}-{self.month:02d}-{self.day:02d}{separator}"
        text += f"{self.hour:02d}:{self.minute:02d}:{self.second:02d}"
        return text + (f".{self.nanosecond:09d}".rstrip("0") if self.nanosecond else "")

    def _numeric_zone(self, colon: str) -> str:
        minutes = abs(self.offset) // 60
        return f"{'-' if self.offset < 0 else '+'}{minutes // 60:02d}{colon}{minutes % 60:02d}"

    def string(self) -> str:
        """time.Time.String(): what a stack file's timestamp reaches the program as."""
        return f"{self._clock(' ')} {self._numeric_zone('')} {self.zone or self._numeric_zone('')}"

    def rfc3339(self) -> str:
        """time.RFC3339Nano, as encoding/json writes a time.Time (Pulumi.yaml defaults)."""
        return self._clock("T") + ("Z" if self.offset == 0 else self._numeric_zone(":"))


# --- Reading the file -----------------------------------------------------------------------------

_KINDS: dict[int, str] = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def _not_a_file(mode: int, linked: bool) -> str | None:
    if stat.S_ISREG(mode):
        return None
    kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
    through = " (through a symbolic link)" if linked else ""
    # Told apart before it is opened: reading a FIFO waits for a writer, a device may never end.
    return f"is {kind}{through}, not a file; refused without reading it"


def read_bytes(path: Path) -> bytes | None:
    """The file's bytes, None when there is no file (not even a dangling link), or YAMLFileError."""
    try:
        linked = stat.S_ISLNK(os.lstat(path).st_mode)
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.lexists(path):
            raise YAMLFileError([Problem((), "is a symbolic link to a file that does not exist")]) from None
        return None
    except OSError as exc:
        raise YAMLFileError([Problem((), f"cannot be read ({exc.strerror})")]) from None
    problem = _not_a_file(mode, linked)
    if problem:
        raise YAMLFileError([Problem((), problem)])
    try:
        # O_NONBLOCK: if the path became a FIFO since the check above, opening it must not wait.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise YAMLFileError([Problem((), f"cannot be read ({exc.strerror})")]) from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        problem = _not_a_file(info.st_mode, linked)
        if problem:
            raise YAMLFileError([Problem((), problem)])
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES or info.st_size > MAX_FILE_BYTES:
        size = max(len(data), info.st_size)
        raise YAMLFileError(
            [
                Problem(
                    (),
                    f"{size} bytes, more than the {MAX_FILE_BYTES} a stack or project file may have here "
                    f"(the program's whole config has to fit in {MAX_CONFIG_ENV_BYTES} bytes)",
                )
            ]
        )
    return data


def decode_text(data: bytes) -> str:
    """Text as yaml.v3 reads it: UTF-8 (a BOM dropped, as the CLI drops it), or UTF-16 with a BOM."""
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise YAMLFileError([Problem((), "not UTF-8 text")]) from None


# --- Composing: events to nodes -------------------------------------------------------------------


class _Node:
    __slots__ = ("anchor", "children", "done", "kind", "line", "style", "tag", "target", "value")

    def __init__(self, kind: str, tag: str, value: str, style: str, line: int) -> None:
        self.kind, self.tag, self.value, self.style, self.line = kind, tag, value, style, line
        self.children: list[_Node] = []
        self.anchor = ""
        self.target: _Node | None = None
        self.done = kind in ("scalar", "alias")


def _short_tag(tag: str | None) -> str:
    """yaml.v3's shortTag, with no tag and the non-specific `!` both as ""."""
    if not tag or tag == "!":
        return ""
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def _open_path(stack: list[_Node]) -> tuple[str | int, ...]:
    """Where the next node goes: the raw keys and indices of the collections still open."""
    path: list[str | int] = []
    for depth, node in enumerate(stack):
        inner = depth + 1 < len(stack)  # the next open collection is this one's last child
        count = len(node.children)
        if node.kind == "sequence":
            path.append(count - 1 if inner else count)
            continue
        awaiting_value = count % 2 == 0 if inner else count % 2 == 1
        if awaiting_value:
            key = node.children[-2] if inner else node.children[-1]
            path.append(key.value if key.kind == "scalar" else "?")
    return tuple(path)


def _parse_error(exc: yaml.YAMLError) -> Problem:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return Problem((), f"not valid YAML ({exc.problem}{where})")
    return Problem((), f"not valid YAML ({str(exc).splitlines()[0]})")


def _events(text: str) -> Iterator[Any]:
    try:
        yield from yaml.parse(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise YAMLFileError([_parse_error(exc)]) from None


def _too_deep(stack: list[_Node], libyaml: bool = False) -> YAMLFileError:
    path = _open_path(stack)
    while libyaml and path and isinstance(path[-1], int):
        path = path[:-1]  # libyaml refuses ahead of the events, so the indices are not known yet
    message = f"nested deeper than {MAX_DEPTH} levels, the most the offline reader reads"
    return YAMLFileError([Problem(path, message)])


def _too_long(stack: list[_Node], length: int) -> YAMLFileError:
    message = f"a value of {length} characters, more than the {MAX_SCALAR_CHARS} an environment variable can carry"
    return YAMLFileError([Problem(_open_path(stack), message)])


def _document_start(event: Any, documents: int) -> None:
    if documents > 1:
        raise YAMLFileError([Problem((), "holds more than one YAML document; the Pulumi CLI reads only the first")])
    if event.version not in (None, (1, 1)):
        # yaml.v3 reads YAML 1.1 documents only (parserc.go: "found incompatible YAML document").
        version = ".".join(map(str, event.version))
        raise YAMLFileError([Problem((), f"%YAML {version}: the Pulumi CLI reads only %YAML 1.1 documents")])


def compose(text: str) -> _Node | None:
    """The first document's root node (None for an empty file), anchors linked, bounds checked."""
    stack: list[_Node] = []
    anchors: dict[str, _Node] = {}
    root: _Node | None = None
    documents = 0
    try:
        for event in _events(text):
            kind = type(event)
            if kind is yaml.ScalarEvent:
                if len(event.value) > MAX_SCALAR_CHARS:
                    raise _too_long(stack, len(event.value))
                node = _Node("scalar", _short_tag(event.tag), event.value, event.style or "", event.start_mark.line + 1)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if len(stack) >= MAX_DEPTH:
                    raise _too_deep(stack)
                collection = "mapping" if kind is yaml.MappingStartEvent else "sequence"
                node = _Node(collection, _short_tag(event.tag), "", "", event.start_mark.line + 1)
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                stack.pop().done = True
                continue
            elif kind is yaml.AliasEvent:
                target = anchors.get(event.anchor)
                if target is None or not target.done:
                    problem = "referenced" if target is None else "value contains itself"
                    prefix = "unknown anchor" if target is None else "anchor"
                    raise YAMLFileError([Problem(_open_path(stack), f"{prefix} '{event.anchor}' {problem}")])
                node = _Node("alias", "", event.anchor, "", event.start_mark.line + 1)
                node.target = target
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                _document_start(event, documents)
                continue
            else:
                continue  # stream and document ends
            if kind is not yaml.AliasEvent and event.anchor:
                node.anchor = event.anchor
                anchors[event.anchor] = node
            if stack:
                stack[-1].children.append(node)
            else:
                root = node
            if not node.done:
                stack.append(node)
    except YAMLFileError as error:
        # libyaml stops at 1000 levels itself, a token or two before the event that would tell us.
        if "maximum nesting depth" in error.problems[0].message:
            raise _too_deep(stack, libyaml=True) from None
        raise
    return root


# --- Resolving scalars as yaml.v3 does (resolve.go) -----------------------------------------------

_NULL, _BOOL, _INT, _FLOAT, _STR = "!!null", "!!bool", "!!int", "!!float", "!!str"
_TIMESTAMP, _BINARY, _MERGE = "!!timestamp", "!!binary", "!!merge"
_RESOLVABLE = frozenset({"", _STR, _BOOL, _INT, _FLOAT, _NULL, _TIMESTAMP})
_SPECIAL: dict[str, tuple[str, Any]] = {
    **{text: (_BOOL, True) for text in ("true", "True", "TRUE")},
    **{text: (_BOOL, False) for text in ("false", "False", "FALSE")},
    **{text: (_NULL, None) for text in ("", "~", "null", "Null", "NULL")},
    **{text: (_FLOAT, math.nan) for text in (".nan", ".NaN", ".NAN")},
    **{text: (_FLOAT, math.inf) for text in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")},
    **{text: (_FLOAT, -math.inf) for text in ("-.inf", "-.Inf", "-.INF")},
    "<<": (_MERGE, "<<"),
}
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")
_QUOTED = frozenset({"'", '"', "|", ">"})
_SURROGATE = re.compile("[\ud800-\udfff]")
_DIGITS = {2: "01", 8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}


class _RefusedError(Exception):
    """A scalar yaml.v3 refuses to decode."""


def _parse_uint(text: str) -> int | None:
    """strconv.ParseUint(text, 0, 64): 0x/0o/0b prefixes, and a leading 0 for octal."""
    base, body = 10, text
    if text[:1] == "0":
        prefix = text[1:2].lower()
        if len(text) >= 3 and prefix in ("b", "o", "x"):
            base, body = {"b": 2, "o": 8, "x": 16}[prefix], text[2:]
        else:
            base, body = 8, text[1:]
    if (not body and base != 8) or any(c not in _DIGITS[base] for c in body):
        return None
    value = int(body, base) if body else 0
    return value if value < 1 << 64 else None


def _parse_int(text: str) -> int | None:
    """strconv.ParseInt(text, 0, 64)."""
    negative = text[:1] == "-"
    body = text[1:] if text[:1] in "+-" else text
    value = _parse_uint(body) if body else None
    if value is None:
        return None
    value = -value if negative else value
    return value if -(1 << 63) <= value < 1 << 63 else None


def _go_float(text: str) -> float | None:
    """strconv.ParseFloat of text already known to be decimal: None where Go reports out of range."""
    value = float(text)
    return value if math.isfinite(value) else None


def _getnum(text: str, pos: int) -> tuple[int, int] | None:
    """Go's time getnum: one or two digits."""
    if pos >= len(text) or not text[pos].isascii() or not text[pos].isdigit():
        return None
    if pos + 1 < len(text) and text[pos + 1].isascii() and text[pos + 1].isdigit():
        return int(text[pos : pos + 2]), pos + 2
    return int(text[pos]), pos + 1


def _days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _time_layout(text: str, separator: str | None, zoned: bool) -> GoTime | None:
    """time.Parse with one of yaml.v3's layouts ("2006-1-2" + separator + "15:4:5.999999999" [+ "Z07:00"])."""
    if not text[:4].isascii() or not text[:4].isdigit() or text[4:5] != "-":
        return None
    fields = [int(text[:4])]
    pos = 5
    for before in ("", "-"):
        if not text.startswith(before, pos):
            return None
        got = _getnum(text, pos + len(before))
        if got is None:
            return None
        fields.append(got[0])
        pos = got[1]
    year, month, day = fields
    if not 1 <= month <= 12 or not 1 <= day <= _days_in(month, year):
        return None
    if separator is None:
        return GoTime(year, month, day) if pos == len(text) else None
    if separator == " ":
        # A space in a Go layout matches any run of spaces.
        if text[pos : pos + 1] != " ":
            return None
        pos = len(text) - len(text[pos:].lstrip(" "))
    elif text[pos : pos + 1] != separator:
        return None
    else:
        pos += 1
    clock = []
    for index, limit in enumerate((24, 60, 60)):
        if index and text[pos : pos + 1] != ":":
            return None
        got = _getnum(text, pos + (1 if index else 0))
        if got is None or got[0] >= limit:
            return None
        clock.append(got[0])
        pos = got[1]
    nanosecond = 0
    if text[pos : pos + 1] in (".", ",") and text[pos + 1 : pos + 2].isascii() and text[pos + 1 : pos + 2].isdigit():
        end = pos + 1
        while end < len(text) and text[end].isascii() and text[end].isdigit():
            end += 1
        nanosecond = int(text[pos + 1 : end][:9].ljust(9, "0"))
        pos = end
    offset, zone = 0, "UTC"
    if zoned:
        if text[pos : pos + 1] == "Z":
            pos += 1
        else:
            part = text[pos : pos + 6]
            if len(part) < 6 or part[3] != ":" or part[0] not in "+-" or not (part[1:3] + part[4:6]).isdigit():
                return None
            hours, minutes = int(part[1:3]), int(part[4:6])
            if hours > 24 or minutes > 60:
                return None
            offset = (hours * 60 + minutes) * 60 * (-1 if part[0] == "-" else 1)
            # Go names the zone after the local one when the offset is the local offset; the CLI
            # runs on UTC hosts here (CI, containers), so only a zero offset gets a name.
            zone = "UTC" if offset == 0 else ""
            pos += 6
    if pos != len(text):
        return None
    hour, minute, second = clock
    return GoTime(year, month, day, hour, minute, second, nanosecond, offset, zone)


def _timestamp(text: str) -> GoTime | None:
    """yaml.v3 parseTimestamp: the first of its four layouts that parses."""
    if text[4:5] != "-" or not text[:4].isascii() or not text[:4].isdigit():
        return None  # yaml.v3's quick check: every layout starts with YYYY-
    for separator, zoned in (("T", True), ("t", True), (" ", False), (None, False)):
        parsed = _time_layout(text, separator, zoned)
        if parsed is not None:
            return parsed
    return None


_DECIMAL = re.compile(r"[1-9][0-9]{0,17}")


@functools.lru_cache(maxsize=4096)
def _resolve_untyped(tag: str, text: str) -> tuple[str, Any]:
    if _DECIMAL.fullmatch(text):
        return _INT, int(text)  # the common case, and what the rules below make of it
    first = text[:1]
    hint = "N" if not first else "M" if first in "yYnNtTfFoO~" else "D" if first.isascii() and first.isdigit() else ""
    hint = {"+": "S", "-": "S", ".": "."}.get(first, hint)
    if hint and tag not in (_STR, _BINARY):
        if text in _SPECIAL:
            return _SPECIAL[text]
        if hint == "." and _DOT_FLOAT.fullmatch(text):
            number = _go_float(text)
            if number is not None:
                return _FLOAT, number
        elif hint in ("D", "S"):
            if tag in ("", _TIMESTAMP):
                when = _timestamp(text)
                if when is not None:
                    return _TIMESTAMP, when
            plain = text.replace("_", "")
            whole = _parse_int(plain) if plain else None
            if whole is None:
                whole = _parse_uint(plain)
            if whole is not None:
                return _INT, whole
            if _YAML_FLOAT.fullmatch(plain):
                number = _go_float(plain)
                if number is not None:
                    return _FLOAT, number
    return _STR, text


def resolve(tag: str, text: str) -> tuple[str, Any]:
    """yaml.v3 resolve(): the tag a scalar resolves to and its Go value, or _RefusedError."""
    if tag not in _RESOLVABLE:
        return tag, text
    resolved, value = _resolve_untyped(tag, text)
    if tag in ("", resolved, _STR):
        return resolved, value
    if tag == _FLOAT and resolved == _INT:
        return _FLOAT, float(value)
    # yaml.v3 says "cannot decode !!str `<the text>` as a !!int"; the text is left out here, as
    # everywhere in these messages: a value typed in clear may still be one that must not be shown.
    raise _RefusedError(f"tagged {tag}, but its text reads as {resolved}, which the Pulumi CLI cannot decode")


# --- Go's text for numbers and values (strconv, encoding/json, fmt) ------------------------------


def _shortest(number: float) -> tuple[str, int]:
    """The shortest digits that round-trip abs(number), and where the decimal point goes."""
    _, digits, exponent = Decimal(repr(abs(number))).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    assert isinstance(exponent, int)
    return text, len(digits) + exponent


def _format(number: float, style: str) -> str:
    """strconv.FormatFloat(number, style, -1, 64) for style 'e', 'f' or 'g'."""
    sign = "-" if math.copysign(1.0, number) < 0 else ""
    if number == 0:
        return sign + "0" if style != "e" else sign + "0e+00"
    digits, point = _shortest(number)
    exponent = point - 1
    if style == "g":
        style = "e" if exponent < -4 or exponent >= 6 else "f"
    if style == "e":
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def round_trip(number: float) -> int | float:
    """A float after the CLI's decode, encode, decode: yaml.v3 writes it with %g, and what reads
    back as a whole number (`1.0` -> `1`, `-0.0` -> `0`) is an int from then on."""
    if not math.isfinite(number):
        return number
    text = _format(number, "g")
    return int(text) if re.fullmatch(r"-?[0-9]+", text) else number


class UnsupportedValueError(Exception):
    """A value encoding/json cannot write (+Inf, -Inf, NaN)."""


def json_float(number: float) -> str:
    """encoding/json's text for a float64."""
    if not math.isfinite(number):
        raise UnsupportedValueError("+Inf" if number > 0 else "-Inf" if number < 0 else "NaN")
    if number != 0 and (abs(number) < 1e-6 or abs(number) >= 1e21):
        text = _format(number, "e")
        return re.sub(r"e-0([0-9])$", r"e-\1", text)
    return _format(number, "f")


def key_text(value: Any) -> str | None:
    """fmt's %v of a decoded mapping key, as the CLI turns a non-text key into a name; None for a
    list or map, which yaml.v3 refuses as a key."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return ("+Inf" if value > 0 else "-Inf") if math.isinf(value) else _format(value, "g")
    if value is None:
        return "<nil>"
    if isinstance(value, GoTime):
        return value.string()
    return None


_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_JSON_SPECIAL = re.compile('["\\\\\x00-\x1f<>&\u2028\u2029]')


def json_string(text: str) -> str:
    """encoding/json's text for a string (HTML characters escaped, as json.Marshal does)."""
    return '"' + _JSON_SPECIAL.sub(lambda m: _JSON_ESCAPES.get(m.group(), f"\\u{ord(m.group()):04x}"), text) + '"'


class _Raw(str):
    """Text json_text emits as it is (punctuation), not as a JSON string."""


def json_text(value: Any, times: Callable[[GoTime], str] = GoTime.string) -> str:
    """json.Marshal of a decoded value: keys sorted, no spaces, `times` for timestamps. Iterative, so
    nesting as deep as yaml.v3 allows is fine."""
    parts: list[str] = []
    todo: list[Any] = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, _Raw):
            parts.append(item)
        elif isinstance(item, dict):
            parts.append("{")
            todo.append(_Raw("}"))
            keys = sorted(item)
            for index in range(len(keys) - 1, -1, -1):
                todo.append(item[keys[index]])
                todo.append(_Raw(json_string(keys[index]) + ":"))
                if index:
                    todo.append(_Raw(","))
        elif isinstance(item, list):
            parts.append("[")
            todo.append(_Raw("]"))
            for index in range(len(item) - 1, -1, -1):
                todo.append(item[index])
                if index:
                    todo.append(_Raw(","))
        elif isinstance(item, bool):
            parts.append("true" if item else "false")
        elif isinstance(item, str):
            parts.append(json_string(item))
        elif isinstance(item, int):
            parts.append(str(item))
        elif isinstance(item, float):
            parts.append(json_float(item))
        elif isinstance(item, GoTime):
            parts.append(json_string(times(item)))
        elif item is None:
            parts.append("null")
        else:
            raise TypeError(f"no JSON for {type(item).__name__}")
    return "".join(parts)


# --- Decoding nodes into values, as yaml.v3 decodes into interface{} (decode.go) -----------------

# yaml.v3's alias budget (decode.go allowedAliasRatio): 99% of decodes may come from aliases up to
# 400,000 decodes, falling to 10% at 4,000,000.
_RATIO_LOW, _RATIO_HIGH = 400_000, 4_000_000


def _allowed_alias_ratio(decodes: int) -> float:
    if decodes <= _RATIO_LOW:
        return 0.99
    if decodes >= _RATIO_HIGH:
        return 0.10
    return 0.99 - 0.89 * (decodes - _RATIO_LOW) / (_RATIO_HIGH - _RATIO_LOW)


class _TooMuchError(Exception):
    pass


@dataclass
class _Decoder:
    problems: list[Problem] = field(default_factory=list)
    decodes: int = 0
    aliased: int = 0
    alias_depth: int = 0

    def run(self, root: _Node) -> Any:
        stack: list[Generator[Any, Any, Any]] = [self._decode(root, ())]
        sent: Any = None
        while stack:
            try:
                request = stack[-1].send(sent)
            except StopIteration as done:
                stack.pop()
                sent = done.value
                continue
            stack.append(self._decode(*request))
            sent = None
        return sent

    def _count(self, path: tuple[str | int, ...], part: str | int | None = None) -> None:
        """One decode, as yaml.v3 counts them; `part` (if any) is the last step of the path, joined
        only when there is a problem to report."""
        self.decodes += 1
        if self.alias_depth:
            self.aliased += 1
        if (
            self.aliased > 100
            and self.decodes > 1000
            and self.aliased / self.decodes > _allowed_alias_ratio(self.decodes)
        ):
            message = "expands aliases excessively (as the Pulumi CLI's YAML reader refuses)"
            self.problems.append(Problem(_joined(path, part), message))
            raise _TooMuchError
        if self.decodes > MAX_DECODES:
            self.problems.append(
                Problem(
                    _joined(path, part),
                    f"more than {MAX_DECODES} values and keys with aliases expanded, more than the "
                    f"{MAX_CONFIG_ENV_BYTES} bytes of config the program can be passed",
                )
            )
            raise _TooMuchError

    def _decode(
        self,
        node: _Node,
        path: tuple[str | int, ...],
        into: dict[str, Any] | None = None,
        merged: set[str] | None = None,
    ) -> Generator[Any, Any, Any]:
        self._count(path)
        if node.kind == "alias":
            assert node.target is not None
            self.alias_depth += 1
            value = yield (node.target, path, into, merged)
            self.alias_depth -= 1
            return value
        if node.kind == "scalar":
            return self._scalar(node, path, None)
        if node.kind == "sequence":
            items = []
            for index, child in enumerate(node.children):
                if child.kind == "scalar":
                    self._count(path, index)
                    items.append(self._scalar(child, path, index))
                else:
                    items.append((yield (child, (*path, index), None, None)))
            return items
        result = yield from self._mapping(node, path, {} if into is None else into, merged)
        return result

    def _child(self, node: _Node, path: tuple[str | int, ...], part: str | None) -> Generator[Any, Any, Any]:
        """A child's value: a scalar decoded here (most nodes are), anything else by the driver."""
        if node.kind == "scalar":
            self._count(path, part)
            return self._scalar(node, path, part)
        value = yield (node, _joined(path, part), None, None)
        return value

    def _scalar(self, node: _Node, parent: tuple[str | int, ...], part: str | int | None) -> Any:
        if node.tag == _STR or (node.tag == "" and node.style in _QUOTED):
            value: Any = node.value
        else:
            try:
                tag, value = resolve(node.tag, node.value)
            except _RefusedError as refused:
                self.problems.append(Problem(_joined(parent, part), f"line {node.line}: {refused}"))
                return None
            if tag == _BINARY:
                try:
                    data = base64.b64decode(node.value.replace("\r", "").replace("\n", ""), validate=True)
                    value = data.decode("utf-8")
                except binascii.Error:
                    problem = f"line {node.line}: !!binary value contains invalid base64 data"
                    self.problems.append(Problem(_joined(parent, part), problem))
                    return None
                except UnicodeDecodeError:
                    problem = f"line {node.line}: !!binary value is not UTF-8 text"
                    self.problems.append(Problem(_joined(parent, part), problem))
                    return None
            elif isinstance(value, float):
                value = round_trip(value)
        if isinstance(value, str) and _SURROGATE.search(value):
            problem = f"line {node.line}: not valid Unicode (a lone surrogate escape)"
            self.problems.append(Problem(_joined(parent, part), problem))
            return None
        return value

    def _key(self, node: _Node, value: Any) -> Key | None:
        text = key_text(value)
        if text is None:
            return None
        target = node.target if node.kind == "alias" else node
        assert target is not None
        quoted = target.style in _QUOTED
        is_text = target.kind == "scalar" and (
            target.tag == _STR or (target.tag == "" and (quoted or resolve("", target.value)[0] in (_STR, _MERGE)))
        )
        return Key(text, is_text, node.line)

    def _mapping(
        self, node: _Node, path: tuple[str | int, ...], into: dict[str, Any], merged: set[str] | None
    ) -> Generator[Any, Any, dict[str, Any]]:
        pairs = []
        seen: dict[tuple[str, str], _Node] = {}
        for key_node, value_node in zip(node.children[::2], node.children[1::2], strict=True):
            # yaml.v3 compares keys as written: `a` and "a" are one key, `1` and `01` are not.
            first = seen.setdefault((key_node.kind, key_node.value), key_node)
            if first is key_node:
                pairs.append((key_node, value_node))
                continue
            shown = first.value if first.kind != "alias" else f"*{first.value}"
            lines = f"lines {first.line} and {key_node.line}"
            self.problems.append(Problem((*path, shown), f"defined twice in one mapping ({lines})"))
            # yaml.v3 stops at such a mapping; reading on finds the file's other problems too.
        merge: _Node | None = None
        own: dict[str, Key] = {}
        for key_node, value_node in pairs:
            if _is_merge(key_node):
                merge = value_node
                continue
            key = self._key(key_node, (yield from self._child(key_node, path, None)))
            if key is None:
                self.problems.append(Problem(path, f"line {key_node.line}: a list or map cannot be a key"))
                continue
            if key in own:
                earlier = own[key]
                self.problems.append(
                    Problem((*path, key), f"two keys mean the same key (lines {earlier.line} and {key.line}); keep one")
                )
                continue
            own[key] = key
            if merged is not None:
                if key in merged:
                    continue
                merged.add(key)
            into[key] = yield from self._child(value_node, path, key)
        if merge is not None:
            yield from self._merge(node, merge, path, into, merged)
        return into

    def _merge(
        self, parent: _Node, merge: _Node, path: tuple[str | int, ...], into: dict[str, Any], merged: set[str] | None
    ) -> Generator[Any, Any, None]:
        if merged is None:
            merged = set()
            for key_node in parent.children[::2]:
                key = self._key(key_node, (yield from self._child(key_node, path, None)))
                if key is not None:
                    merged.add(key)
        sources = merge.children if merge.kind == "sequence" else [merge]
        for source in sources:
            target = source.target if source.kind == "alias" else source
            if target is None or target.kind != "mapping":
                self.problems.append(
                    Problem(path, f"line {merge.line}: map merge requires map or sequence of maps as the value")
                )
                return
        for source in sources:
            yield (source, path, into, merged)


def _joined(path: tuple[str | int, ...], part: str | int | None) -> tuple[str | int, ...]:
    return path if part is None else (*path, part)


def _is_merge(node: _Node) -> bool:
    return node.kind == "scalar" and node.value == "<<" and (node.tag == _MERGE or (node.tag == "" and not node.style))


def decode(text: str) -> tuple[Any, list[Problem]]:
    """The first document of `text` decoded as the CLI's program would see it, and the problems
    found on the way (a duplicate key, a value yaml.v3 cannot decode), after which decoding goes on
    so that one run reports them all; the value holds None where a problem was. Problems that
    leave nothing to decode (a syntax error, a bound crossed) raise YAMLFileError."""
    root = compose(text)
    if root is None:
        return None, []
    decoder = _Decoder()
    try:
        value = decoder.run(root)
    except _TooMuchError:
        raise YAMLFileError(decoder.problems) from None
    return value, decoder.problems


def load(text: str) -> Any:
    """`decode`, refusing every problem: YAMLFileError listing them all."""
    value, problems = decode(text)
    if problems:
        raise YAMLFileError(problems)
    return value


def read(path: Path) -> tuple[bool, Any, list[Problem]]:
    """(whether the file exists, its decoded first document, the problems `decode` found)."""
    data = read_bytes(path)
    if data is None:
        return False, None, []
    value, problems = decode(decode_text(data))
    return True, value, problems
