"""A kind of ready data the program does not have, added the way a new kind is: its declaration
(as it would stand in components/ready.py) and its provider (in components/readydata.py); nothing
else names it. Here a NATS key-value bucket, on the one NATS instance of a stack."""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from components import nats
from components.catalog import ServiceSettings
from components.ready import ReadyObject
from components.readydata import _Provider
from components.service import Service
from components.settings import StackSettings
from components.spec import ServiceSpec
from components.targets.docker import DockerTarget


@dataclass(frozen=True)
class KeyValueBucket(ReadyObject):
    name: str
    history: int

    kind: ClassVar[str] = "kv-bucket"
    port_role: ClassVar[str] = "client"
    resource_type: ClassVar[str] = "KeyValueBucket"

    def props(self) -> dict[str, Any]:
        return {"name": self.name, "history": self.history}

    @staticmethod
    def describe(props: Mapping[str, Any]) -> Iterator[str]:
        yield f"history     {props.get('history')} values per key"


class KeyValueBucketProvider(_Provider):
    declaration = KeyValueBucket


def spec(overrides: ServiceSettings) -> ServiceSpec:
    return replace(nats.spec(overrides), ready=(KeyValueBucket("PRICES", history=5),))


Service("nats", replace(nats.SHEET, spec=spec), DockerTarget.for_stack(StackSettings()))
