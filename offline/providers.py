"""The one check the policy pack cannot make: what each ready-data resource's dynamic provider
would run.

A dynamic resource carries its provider pickled (dill, by value) in its `__provider` input, and
the dynamic provider host unpickles and calls it wherever `pulumi up` runs. The Pulumi CLI never
shows a pack that input: it drops every key starting with `__` from the properties it sends
(plugin.MarshalOptions{SkipInternalKeys: true} in pkg/resource/plugin/analyzer_plugin.go; the
real-Docker tier's parity test sees it). So the gate reads it from the program's own
registrations, which it has as the engine does, and reports each problem as a mandatory
violation beside the pack's. `pulumi preview --policy-pack policies` alone does not make it;
`python -m offline.gate` (CI) does.
"""

from __future__ import annotations

import base64
import binascii
import pickletools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .engine import DYNAMIC, UNKNOWN, Registration, reveal

POLICY = "ready-data-providers"
DESCRIPTION = (
    "Requires each ready-data resource's pickled provider to be the program's own class, read without unpickling it."
)
# Every ready-data kind is pulumi-python:dynamic/trade2026:<Kind>, served by <Kind>Provider of
# this module (components/readydata.py); any other dynamic type is refused by the pack's
# allowed-resource-types.
READY_DATA_PREFIX = f"{DYNAMIC}/trade2026:"
READY_DATA_MODULE = "components.readydata"

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


def provider_findings(resources: Iterable[Registration]) -> Iterator[tuple[str, str]]:
    """(urn, message) for each ready-data resource whose provider is not the program's own class."""
    for resource in resources:
        if not resource.type.startswith(READY_DATA_PREFIX):
            continue
        # A secret provider is still the provider the host would unpickle.
        encoded = reveal(resource.inputs.get("__provider"))
        if encoded is None:
            problem: str | None = "it has no pickled provider"
        elif encoded is UNKNOWN:
            problem = "its provider was unknown at preview, so what `up` would run is unknown"
        else:
            problem = provider_problem(resource.type, encoded)
        if problem:
            yield resource.urn, f"{resource.type} {resource.name}: {problem}"
