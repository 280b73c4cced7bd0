"""The catalog: what a data sheet is, what a stack may set per service, and which sheet an instance is.

A data sheet (`components/<kind>.py`, its `SHEET`) is the one entry for its service: the settings
model its stack key takes, the spec it declares from those settings, the environment variables its
clients read, the round trip `python -m verify` makes, and the least memory it starts with. A
program names its instances (`Catalog({"postgres": postgres.SHEET, ...})`): an instance's name is
its resources', its settings key and its key in every output; its sheet is what it is. Lookups go
through the sheet, never the name, so two instances of one sheet can coexist.

Nothing here imports Pulumi: `python -m verify` reads a sheet (components/<kind>.py, found by the
kind the stack outputs give each instance) without it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from .images import pinning_problem
from .roundtrips import Check, Credentials, Endpoints
from .spec import ServiceSpec

_BOOLEANS = {"true": True, "True": True, "false": False, "False": False}
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,9}")
# A sheet's kind is its module's name under components/.
KIND = re.compile(r"[a-z][a-z0-9_]{0,39}")
# Every DNS name an instance answers to (its own, `<name>-headless` on a cluster, its aliases) is a
# DNS-1035 label: Kubernetes Services take nothing else.
_DNS_NAME = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")


def _cli_bool(value: Any) -> Any:
    # Exactly what pulumi.Config.get_bool accepts ("true"/"false" are how the CLI passes
    # booleans), plus JSON booleans inside structured values. No guessing: "no" is not false.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in _BOOLEANS:
        return _BOOLEANS[value]
    raise ValueError("expected true or false")


def _cli_int(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        return int(value)
    raise ValueError("expected a whole number")


CliBool = Annotated[bool, BeforeValidator(_cli_bool)]
CliInt = Annotated[int, BeforeValidator(_cli_int)]


class Strict(BaseModel):
    # Config keys are the camelCase aliases only (parse_settings validates by alias); the program
    # and its tests build settings by field name.
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=to_camel, validate_by_alias=True, validate_by_name=True
    )


class ServiceSettings(Strict):
    """What a stack may set for one instance (`trade2026:services.<name>`); a sheet with settings of
    its own extends it."""

    enabled: CliBool = Field(True, description="Run the service; when false its data volume is kept.")
    image: str | None = Field(None, description="Pinned image reference replacing the service's own.")
    memory_mb: CliInt | None = Field(None, le=65536, description="Container memory limit; at least the floor.")
    wait_timeout_seconds: CliInt | None = Field(
        None, ge=10, le=3600, description="How long `pulumi up` waits for the service to be healthy."
    )

    @field_validator("image")
    @classmethod
    def _is_pinned(cls, value: str | None) -> str | None:
        problem = None if value is None else pinning_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    def memory(self, default_mb: int) -> int:
        """The container memory limit: the stack's override, else the sheet's default. Sheets size
        in-process limits (JVM heap, maxmemory) from this same number."""
        return self.memory_mb or default_mb


S = TypeVar("S", bound=ServiceSettings)


@dataclass(frozen=True)
class Sheet(Generic[S]):
    """One service, as the catalog knows it."""

    # Its module's name under components/ (`postgres`): how `verify` finds it from the stack outputs.
    kind: str
    # The component's type token is trade2026:infra:<component>: a literal, so renaming nothing in
    # Python changes a URN.
    component: str
    settings: type[S]
    # The sheet's own declaration from its settings; `declare` applies what every sheet shares.
    spec: Callable[[S], ServiceSpec]
    # Variable name -> value for its clients (the `connections` output), from its host endpoints
    # (role -> URL) and its entry in the `credentials` output.
    variables: Callable[[Endpoints, Credentials], dict[str, str]]
    check: Check
    # The least memory it starts and serves with, in MB (the settings refuse a smaller memoryMb), and
    # why where the number is not obvious. Conservative guesses from the images' documentation,
    # none measured here.
    memory_floor_mb: int
    floor_reason: str = ""

    def __post_init__(self) -> None:
        if not KIND.fullmatch(self.kind):
            raise ValueError(f"sheet kind {self.kind!r} is not a module name (lower-case letters, digits and _)")

    @property
    def type_token(self) -> str:
        return f"trade2026:infra:{self.component}"

    def declare(self, overrides: S | None = None) -> ServiceSpec:
        """The final spec for these settings (the sheet's defaults when None): the stack's image and
        wait timeout replace the sheet's own. Creates nothing."""
        chosen = self.settings() if overrides is None else overrides
        if not isinstance(chosen, self.settings):
            raise TypeError(f"{self.kind} takes {self.settings.__name__}, not {type(chosen).__name__}")
        spec = self.spec(chosen)
        return replace(
            spec,
            image=chosen.image or spec.image,
            wait_timeout=chosen.wait_timeout_seconds or spec.wait_timeout,
        )


class Catalog(Mapping[str, Sheet[Any]]):
    """The program's instances: name -> sheet, in the order their outputs list them. Refuses names
    no target can use and instances that would take each other's DNS names or fixed host ports
    whatever the stack's config (two instances of one sheet share slots: settings.py refuses that
    only where their host ports would really clash)."""

    def __init__(self, instances: Mapping[str, Sheet[Any]]) -> None:
        self._instances = dict(instances)
        problems = [*self._name_problems(), *self._slot_problems()]
        if problems:
            raise ValueError("invalid catalog: " + "; ".join(problems))

    def __getitem__(self, name: str) -> Sheet[Any]:
        return self._instances[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._instances)

    def __len__(self) -> int:
        return len(self._instances)

    def _name_problems(self) -> Iterator[str]:
        owners: dict[str, str] = {}
        for name, sheet in self._instances.items():
            spec = sheet.declare()
            for dns in (name, f"{name}-headless", *spec.aliases(name)):
                if not _DNS_NAME.fullmatch(dns):
                    yield f"{name}: {dns} is not a DNS name (lower-case letters, digits and inner '-', at most 63)"
                    break  # the names made from it say the same again
                if dns in owners:
                    yield f"{name} and {owners[dns]} both answer to {dns}"
                owners.setdefault(dns, name)

    def _slot_problems(self) -> Iterator[str]:
        owners: dict[str, dict[int, tuple[str, str]]] = {"slot": {}, "well-known host port": {}}
        seen: set[str] = set()
        for sheet in self._instances.values():
            if sheet.kind in seen:
                continue  # a second instance of a sheet: its slots are the first one's
            seen.add(sheet.kind)
            for port in sheet.declare().ports:
                if not port.published:
                    continue
                for what, number in (("slot", port.slot), ("well-known host port", port.host_number)):
                    if number is None:
                        continue
                    kind, role = owners[what].setdefault(number, (sheet.kind, port.role))
                    if (kind, role) != (sheet.kind, port.role):
                        yield f"{sheet.kind}'s {port.role} port takes {what} {number}, which {kind}'s {role} port has"
