"""Memcached, a throwaway ninth service (tests/test_ninth_service.py), written as it would stand at
components/memcached.py: this file, and its line in __main__.py, is all a new service needs."""

import socket
from urllib.parse import urlsplit

from pydantic import Field

from .catalog import CliInt, ServiceSettings, Sheet
from .roundtrips import Check, Credentials, Endpoints, WrongAnswerError
from .spec import CommandProbe, Port, ServiceSpec


class MemcachedSettings(ServiceSettings):
    max_connections: CliInt = Field(1024, ge=16, le=65536, description="Simultaneous client connections.")


def spec(overrides: MemcachedSettings) -> ServiceSpec:
    memory_mb = overrides.memory(128)
    return ServiceSpec(
        image="memcached:1.6.38-alpine",
        ports=(Port("client", 11211, scheme="memcache", slot=12),),
        # A cache: nothing to keep across a replacement.
        volumes=(),
        networks=("backend",),
        healthcheck=CommandProbe("client", "echo version | nc 127.0.0.1 11211 | grep -q '^VERSION '"),
        # Items in three quarters of the limit; the rest is for connections and the process itself.
        command=("memcached", "-m", str(memory_mb * 3 // 4), "-c", str(overrides.max_connections)),
        memory_mb=memory_mb,
    )


def variables(endpoints: Endpoints, _: Credentials) -> dict[str, str]:
    return {"MEMCACHED_SERVERS": urlsplit(endpoints["client"]).netloc}


def round_trip(endpoints: Endpoints, _credentials: Credentials) -> str:
    address = urlsplit(endpoints["client"])
    with socket.create_connection((address.hostname, address.port), timeout=5) as connection:
        connection.sendall(b"version\r\n")
        answer = connection.recv(64)
    if not answer.startswith(b"VERSION "):
        raise WrongAnswerError(f"answered {answer[:20]!r} to version")
    return f"version {answer.removeprefix(b'VERSION ').strip().decode()}"


SHEET = Sheet(
    kind="memcached",
    component="Memcached",
    settings=MemcachedSettings,
    spec=spec,
    variables=variables,
    check=Check("version", round_trip, {"client": ("memcache",)}),
    memory_floor_mb=64,
)
