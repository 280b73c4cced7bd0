"""The `connections` settings connect, as they are, with each service's client library to the real
server started from the dev stack's rendered configuration.

Each test builds the settings with the program's own code (each data sheet's `variables`) from
the dev stack's generated credentials and the real server's loopback port in place of the host
port Docker would assign. Servers: nats-server 2.10.26, valkey-server 8.1.8, weed 4.30 (PyPI),
PostgreSQL 15 (Debian), as in the other real-server tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import pytest

from offline.engine import Plan, reveal
from tests.conftest import CATALOG
from tests.real import servers
from tests.real.support import require_modules

require_modules("nats", "redis", "valkey", "psycopg", "boto3", how=servers.PYPI_HINT)
import boto3  # noqa: E402
import nats  # noqa: E402
import psycopg  # noqa: E402
import redis  # noqa: E402
import valkey  # noqa: E402

pytestmark = pytest.mark.real_server


def _settings(plan: Plan, service: str, ports: Mapping[str, int], **credentials: str) -> dict[str, str]:
    """The service's connection settings with its endpoints on the real server's ports: the
    scheme of each role as the program renders it, host 127.0.0.1."""
    internal = plan.outputs["internalEndpoints"][service]
    endpoints = {
        role: urlsplit(internal[role])._replace(netloc=f"127.0.0.1:{port}").geturl() for role, port in ports.items()
    }
    generated = dict(reveal(plan.outputs["credentials"]).get(service, {}))
    return CATALOG[service].variables(endpoints, {**generated, **credentials})


def test_nats_py_connects_with_nats_url_and_round_trips_a_message(
    dev_plan: Plan, nats_server: servers.NatsServer
) -> None:
    url = _settings(dev_plan, "nats", {"client": nats_server.port})["NATS_URL"]

    async def round_trip() -> bytes:
        client = await nats.connect(url, connect_timeout=5, max_reconnect_attempts=0)
        try:
            subscription = await client.subscribe("orders.new")
            await client.publish("orders.new", b"BTCUSDT")
            message = await subscription.next_msg(timeout=5)
            return bytes(message.data)
        finally:
            await client.close()

    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(round_trip()) == b"BTCUSDT"
    finally:
        loop.close()


@pytest.mark.parametrize(("variable", "library"), [("REDIS_URL", redis), ("VALKEY_URL", valkey)])
def test_redis_and_valkey_clients_log_in_with_the_url_and_a_wrong_password_is_refused(
    dev_plan: Plan, valkey_server: servers.ValkeyServer, variable: str, library: Any
) -> None:
    url = _settings(dev_plan, "valkey", {"client": valkey_server.port})[variable]
    client = library.from_url(url, socket_timeout=5)
    assert client.set("price:BTCUSDT", "97000") is True
    assert client.get("price:BTCUSDT") == b"97000"
    client.close()
    wrong = _settings(dev_plan, "valkey", {"client": valkey_server.port}, password="wrong")[variable]
    with pytest.raises(library.exceptions.AuthenticationError):
        library.from_url(wrong, socket_timeout=5).ping()


def test_psycopg_connects_with_database_url_under_password_authentication(
    dev_plan: Plan, postgres_server: servers.PostgresServer
) -> None:
    """The cluster is switched from trust to scram-sha-256 for `trader` over TCP, so the password
    in DATABASE_URL is really checked (the superuser keeps trust for the setup)."""
    password = reveal(dev_plan.outputs["credentials"])["postgres"]["password"]
    postgres_server.sql(f"CREATE ROLE trader LOGIN PASSWORD '{password}'")
    postgres_server.sql("CREATE DATABASE library OWNER trader")
    (hba_file,) = postgres_server.sql("SHOW hba_file")
    with open(hba_file, "w") as hba:
        hba.write("host all postgres 127.0.0.1/32 trust\nhost all trader 127.0.0.1/32 scram-sha-256\n")
    postgres_server.sql("SELECT pg_reload_conf()")
    url = _settings(dev_plan, "postgres", {"client": postgres_server.port})["DATABASE_URL"]
    with psycopg.connect(url, connect_timeout=10) as connection:
        assert connection.execute("SELECT current_user, current_database()").fetchone() == ("trader", "library")
    wrong = _settings(dev_plan, "postgres", {"client": postgres_server.port}, password="wrong")["DATABASE_URL"]
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong, connect_timeout=10)


def test_boto3_reads_endpoint_and_keys_from_the_environment_and_round_trips_an_object(
    dev_plan: Plan, seaweedfs_server: servers.SeaweedFSServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing passed to boto3 but the three variables, as an application reading the .env would."""
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    for name, value in _settings(dev_plan, "seaweedfs", {"s3": seaweedfs_server.s3_port}).items():
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="connections-test")
    s3.put_object(Bucket="connections-test", Key="models/alpha.bin", Body=b"weights")
    assert s3.get_object(Bucket="connections-test", Key="models/alpha.bin")["Body"].read() == b"weights"
