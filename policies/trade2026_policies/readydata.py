"""Ready data (components/readydata.py): the JetStream streams a stack creates for the applications."""

from __future__ import annotations

import base64
import binascii
import pickletools
from collections.abc import Iterator
from dataclasses import dataclass

from pulumi_policy import Severity
from pulumi_policy.proxy import UnknownValueError

from .framework import ADVISORY, RuleConfig, Subject, known, own, resource_rule

# One dynamic resource type per kind of ready data (components/readydata.py), each served by the
# provider class of that kind in that module.
READY_DATA_MODULE = "components.readydata"
READY_DATA_KINDS = ("JetStreamStream", "QuestDBTable", "S3Bucket", "IndexTemplate")
READY_DATA_TYPES = tuple(f"pulumi-python:dynamic/trade2026:{kind}" for kind in READY_DATA_KINDS)
STREAM = READY_DATA_TYPES[0]

# Opcodes that only build plain values (numbers, strings, containers, the memo) or name a global,
# create an instance of it (NEWOBJ: `cls.__new__(cls)`) and set its attributes (BUILD). Everything
# that calls a callable (REDUCE, INST, OBJ, NEWOBJ_EX), reaches the extension registry (EXT*) or
# persistent ids is missing on purpose: with the one global checked, nothing else can run.
_STRINGS = frozenset(
    {"STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE", "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8"}
)
_PLAIN_OPCODES = _STRINGS | {
    *("PROTO", "FRAME", "STOP", "MARK", "POP", "POP_MARK", "DUP"),
    *("MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT", "GET", "BINGET", "LONG_BINGET"),
    *("NONE", "NEWTRUE", "NEWFALSE", "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4"),
    *("FLOAT", "BINFLOAT", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8"),
    *("EMPTY_TUPLE", "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "EMPTY_LIST", "LIST", "APPEND", "APPENDS"),
    *("EMPTY_DICT", "DICT", "SETITEM", "SETITEMS", "EMPTY_SET", "ADDITEMS", "FROZENSET", "NEWOBJ", "BUILD"),
}
_MEMO_WRITES = frozenset({"MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT"})
_MEMO_READS = frozenset({"GET", "BINGET", "LONG_BINGET"})


@dataclass(frozen=True)
class PickleContents:
    """What a pickle would do if loaded, read with pickletools: the `module.name` of each global
    it names (None for one whose name this reader cannot follow) and the opcodes outside the
    plain ones."""

    globals: tuple[str | None, ...]
    calls: tuple[str, ...]


def read_pickle(pickled: bytes) -> PickleContents:
    """Walk a pickle's opcodes without loading it, following string constants through the memo
    (dill fetches a module name it wrote once with BINGET). Raises ValueError if malformed."""
    found: list[str | None] = []
    calls: list[str] = []
    strings: list[str] = []  # string constants on top of the stack, innermost last
    memo: dict[int, str | None] = {}
    try:
        for opcode, argument, _ in pickletools.genops(pickled):
            name = opcode.name
            if name == "GLOBAL":
                found.append(str(argument).replace(" ", "."))
            elif name == "STACK_GLOBAL":
                found.append(f"{strings[-2]}.{strings[-1]}" if len(strings) >= 2 else None)
            elif name not in _PLAIN_OPCODES:
                calls.append(name)
            # PUT and GET carry their memo index; MEMOIZE files the top of the stack under the next one.
            index = argument if isinstance(argument, int) else len(memo)
            if name in _STRINGS:
                strings.append(str(argument))
            elif name in _MEMO_WRITES:
                memo[index] = strings[-1] if strings else None
            elif name in _MEMO_READS and memo.get(index) is not None:
                strings.append(str(memo[index]))
            else:
                strings = []
    except (ValueError, IndexError, EOFError) as error:
        raise ValueError(str(error) or "not a pickle") from None
    return PickleContents(tuple(found), tuple(dict.fromkeys(calls)))


def provider_problem(resource_type: str, encoded: object) -> str | None:
    """Why a ready-data resource's pickled provider (`__provider`, base64) is not exactly the
    program's provider class for that type; None when it is."""
    expected = f"{READY_DATA_MODULE}.{resource_type.rsplit(':', 1)[-1]}Provider"
    try:
        contents = read_pickle(base64.b64decode(str(encoded), validate=True))
    except (binascii.Error, ValueError) as error:
        return f"its pickled provider is not a readable pickle ({error})"
    if contents.globals == (expected,) and not contents.calls:
        return None
    named = ", ".join(sorted({g or "a global by a name it computes" for g in contents.globals})) or "no class"
    calls = f" and runs code while loading ({', '.join(contents.calls)})" if contents.calls else ""
    return f"its pickled provider names {named}{calls}, not only {expected}"


@resource_rule(
    "jetstream-file-storage",
    "Requires JetStream streams to use file storage, so messages survive a restart on the data volume.",
    types=(STREAM,),
    severity=Severity.HIGH,
    anchor=own('Declare the stream with storage="file" in components/nats.py.'),
)
def jetstream_file_storage(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    storage = known(subject.props, "storage")
    if storage is not None and storage != "file":
        yield f"stream {subject.label}: storage is {storage}; a restart would lose its messages, use file"


@resource_rule(
    "bounded-jetstream-streams",
    "Requires every JetStream stream to have a maximum age and size, so it cannot fill the data volume.",
    types=(STREAM,),
    level=ADVISORY,
    severity=Severity.MEDIUM,
    anchor=own("Give the stream max_age_seconds and max_bytes above zero in components/nats.py."),
)
def bounded_jetstream_streams(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    for key, what in (("maxAgeSeconds", "maximum age"), ("maxBytes", "maximum size")):
        value = known(subject.props, key)
        if value is not None and value <= 0:
            yield f"stream {subject.label}: no {what}; it grows until the data volume is full"


@resource_rule(
    "ready-data-providers",
    "Requires each ready-data resource's pickled provider to be the program's own class, read without unpickling it.",
    types=READY_DATA_TYPES,
    severity=Severity.CRITICAL,
    anchor=own(
        "Create ready data only through components.readydata.ready_resource; a dynamic provider of the program's "
        "own runs its code wherever `pulumi up` runs."
    ),
)
def ready_data_providers(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    try:
        encoded = subject.props.get("__provider")
    except UnknownValueError:
        yield f"{subject.type} {subject.name}: its provider was unknown at preview, so what `up` would run is unknown"
        return
    problem = "it has no pickled provider" if encoded is None else provider_problem(subject.type, encoded)
    if problem:
        yield f"{subject.type} {subject.name}: {problem}"
