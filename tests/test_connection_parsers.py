"""Every connection setting is taken as it is by its client library's own parser, which reads back
exactly the host, port, login and database it was built from (no server needed: each of these
parses without connecting)."""

from __future__ import annotations

import pytest

from tests.real.support import require_modules

require_modules(
    "nats",
    "redis",
    "valkey",
    "psycopg",
    "clickhouse_connect",
    "opensearchpy",
    "boto3",
    "questdb",
    how="install the client libraries with `venv/bin/pip install -r requirements-real.txt`",
)

import boto3  # noqa: E402
import clickhouse_connect.driver  # noqa: E402
import nats.aio.client  # noqa: E402
import opensearchpy  # noqa: E402
import psycopg.conninfo  # noqa: E402
import questdb  # noqa: E402
import redis  # noqa: E402
import valkey  # noqa: E402

from tests.conftest import CATALOG  # noqa: E402
from tests.test_connections import CREDENTIALS, SPECIAL, build  # noqa: E402


def test_nats_py_reads_the_server_from_nats_url() -> None:
    client = nats.aio.client.Client()
    client._setup_server_pool(build("nats")["NATS_URL"])
    uri = client._server_pool[0].uri
    assert (uri.scheme, uri.hostname, uri.port) == ("nats", "127.0.0.1", 4222)


@pytest.mark.parametrize(("variable", "library"), [("REDIS_URL", redis), ("VALKEY_URL", valkey)])
def test_redis_and_valkey_clients_read_host_password_and_database(variable: str, library: object) -> None:
    client = library.from_url(build("valkey")[variable])  # type: ignore[attr-defined]
    kwargs = client.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["password"], kwargs["db"]) == ("127.0.0.1", 6379, "vPass1", 0)
    assert kwargs.get("username") is None, "Valkey's requirepass belongs to the default user"


@pytest.mark.parametrize(
    ("service", "variable", "expected"),
    [
        (
            "postgres",
            "DATABASE_URL",
            {"host": "127.0.0.1", "port": "5432", "user": "trader", "password": "pPass1", "dbname": "library"},
        ),
        (
            "questdb",
            "QUESTDB_PG_DSN",
            {"host": "127.0.0.1", "port": "8812", "user": "trader", "password": "qPass1", "dbname": "qdb"},
        ),
    ],
)
def test_psycopg_reads_the_dsns_through_libpq(service: str, variable: str, expected: dict[str, str]) -> None:
    assert psycopg.conninfo.conninfo_to_dict(build(service)[variable]) == expected


def test_clickhouse_connect_reads_the_url_as_its_dsn() -> None:
    parsed = clickhouse_connect.driver._parse_connection_params(
        None, None, "", None, None, None, False, build("clickhouse")["CLICKHOUSE_URL"], {}
    )
    assert parsed == ("127.0.0.1", "trader", "cPass1", 8123, "trading", "http")


def test_opensearch_py_reads_host_tls_and_the_percent_encoded_admin_password() -> None:
    client = opensearchpy.OpenSearch(hosts=[build("opensearch")["OPENSEARCH_URL"]])
    (host,) = client.transport.hosts
    assert host == {"host": "127.0.0.1", "port": 9200, "use_ssl": True, "http_auth": f"admin:{SPECIAL}"}


def test_boto3_takes_the_s3_endpoint_and_keys_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in build("seaweedfs").items():
        monkeypatch.setenv(name, value)
    session = boto3.session.Session(region_name="us-east-1")
    client = session.client("s3")
    credentials = session.get_credentials().get_frozen_credentials()
    assert client.meta.endpoint_url == "http://127.0.0.1:8333"
    assert (credentials.access_key, credentials.secret_key) == ("AKey1", "SKey1")


def test_the_questdb_client_takes_qdb_client_conf_and_refuses_a_broken_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QDB_CLIENT_CONF", build("questdb")["QDB_CLIENT_CONF"])
    assert questdb.Sender.from_env() is not None
    monkeypatch.setenv("QDB_CLIENT_CONF", "http::address=127.0.0.1:9000")
    with pytest.raises(questdb.QuestDBError, match="addr"):
        questdb.Sender.from_env()


def test_boto3_puts_the_bucket_in_the_path_so_a_remote_host_name_needs_no_bucket_dns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With AWS_ENDPOINT_URL_S3 naming a shared dev box, requests go to devbox/<bucket>, not to
    <bucket>.devbox, which no DNS would answer."""
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    settings = CATALOG["seaweedfs"].variables({"s3": "http://devbox:20008"}, CREDENTIALS["seaweedfs"])
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    client = boto3.session.Session(region_name="us-east-1").client("s3")
    url = client.generate_presigned_url("get_object", Params={"Bucket": "models", "Key": "alpha.bin"})
    assert url.startswith("http://devbox:20008/models/alpha.bin?")
