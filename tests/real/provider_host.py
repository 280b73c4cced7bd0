"""Drive Pulumi's Python dynamic provider host the way the engine does, without the CLI.

`python -m pulumi.dynamic` is the program behind the `pulumi-resource-pulumi-python` plugin: it prints
its gRPC port and serves the ResourceProvider protocol. The engine sends each request with the
resource's properties, `__provider` among them (the dill-pickled provider object, base64), and
without secret markers (the host answers Configure with acceptSecrets=false). This client does the
same, so the providers of components/readydata.py are unpickled and run in a separate process
exactly as under `pulumi up`, `refresh` and `destroy`.
"""

from __future__ import annotations

import asyncio
import os
import select
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import grpc
from pulumi.dynamic.dynamic import ResourceProvider, serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_KEY = "__provider"


class HostError(Exception):
    """The host answered with an error; `message` is what the engine would print."""


@dataclass(frozen=True)
class DiffAnswer:
    changes: bool
    replaces: list[str]
    delete_before_replace: bool


def _struct(props: dict[str, Any]) -> Any:
    return asyncio.run(rpc.serialize_properties(props, {}))


def _plain(struct: Any) -> dict[str, Any]:
    return dict(rpc.deserialize_properties(struct))


class ProviderHost:
    """A running `python -m pulumi.dynamic`; use as a context manager so the process always goes."""

    def __init__(self, urn_type: str, timeout: float = 120.0) -> None:
        self.urn_type = urn_type
        self.timeout = timeout
        self._log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in __exit__)
        self._process: subprocess.Popen[bytes] | None = None
        self._channel: grpc.Channel | None = None

    def __enter__(self) -> ProviderHost:
        # The engine starts the plugin in the project directory, which is what makes
        # `components.readydata` importable for dill.
        self._process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.dynamic"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env={**os.environ, "PULUMI_PROJECT": "trade2026"},
        )
        assert self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], 30)
        line = self._process.stdout.readline().decode().strip() if ready else ""
        if not line.isdigit():
            self.__exit__(None, None, None)
            raise HostError(f"pulumi.dynamic printed no port: {line!r}")
        self._channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        self._stub.Configure(provider_pb2.ConfigureRequest(), timeout=self.timeout)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._channel is not None:
            self._channel.close()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)
        self._log.close()

    def urn(self, name: str) -> str:
        return f"urn:pulumi:dev::trade2026::{self.urn_type}::{name}"

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self._stub, method)(request, timeout=self.timeout)
        except grpc.RpcError as exc:
            detail = exc.details() if hasattr(exc, "details") else str(exc)
            # The host sends the whole traceback; the engine shows it, the last line is the error.
            raise HostError(detail.strip().splitlines()[-1] if detail else "no detail") from None

    @staticmethod
    def with_provider(provider: ResourceProvider, props: dict[str, Any]) -> dict[str, Any]:
        return {**props, PROVIDER_KEY: serialize_provider(provider)}

    def check(self, name: str, olds: dict[str, Any], news: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        response = self._call(
            "Check", provider_pb2.CheckRequest(urn=self.urn(name), olds=_struct(olds), news=_struct(news))
        )
        return _plain(response.inputs), [f"{f.property}: {f.reason}" for f in response.failures]

    def diff(self, name: str, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffAnswer:
        response = self._call(
            "Diff", provider_pb2.DiffRequest(id=id_, urn=self.urn(name), olds=_struct(olds), news=_struct(news))
        )
        return DiffAnswer(
            response.changes == provider_pb2.DiffResponse.DIFF_SOME,
            list(response.replaces),
            response.deleteBeforeReplace,
        )

    def create(self, name: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        response = self._call("Create", provider_pb2.CreateRequest(urn=self.urn(name), properties=_struct(props)))
        return response.id, _plain(response.properties)

    def read(self, name: str, id_: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        response = self._call("Read", provider_pb2.ReadRequest(id=id_, urn=self.urn(name), properties=_struct(props)))
        return response.id, _plain(response.properties)

    def update(self, name: str, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        response = self._call(
            "Update", provider_pb2.UpdateRequest(id=id_, urn=self.urn(name), olds=_struct(olds), news=_struct(news))
        )
        return _plain(response.properties)

    def delete(self, name: str, id_: str, props: dict[str, Any]) -> None:
        self._call("Delete", provider_pb2.DeleteRequest(id=id_, urn=self.urn(name), properties=_struct(props)))

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read()
