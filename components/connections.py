"""Connection settings for the applications: per service, the environment variables its clients
read, each a URL or DSN that the client library takes as it is.

Built from the same endpoints and generated credentials as the stack's `endpoints` and
`credentials` outputs. `settings` is pure, so tests hand its values to the client libraries' own
parsers (nats-py, redis/valkey, psycopg, clickhouse-connect, opensearch-py, boto3, questdb).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import quote, urlsplit

import pulumi

Endpoints = Mapping[str, str]
Credentials = Mapping[str, str]


def _with_login(url: str, user: str, password: str, path: str = "") -> str:
    """`url` with a login and a path; both parts of the login percent-encoded, as every URL parser
    here decodes them (OpenSearch's admin password holds `%`, `@`, `+`, `=`)."""
    parts = urlsplit(url)
    login = f"{quote(user, safe='')}:{quote(password, safe='')}@"
    return f"{parts.scheme}://{login}{parts.netloc}{path}"


def _nats(endpoints: Endpoints, _: Credentials) -> dict[str, str]:
    return {"NATS_URL": endpoints["client"]}


def _valkey(endpoints: Endpoints, credentials: Credentials) -> dict[str, str]:
    # No user name: Valkey's `requirepass` is the default user's password. Both redis-py and
    # valkey-py read redis:// URLs; database 0 is the default made explicit.
    url = _with_login(endpoints["client"], "", credentials["password"], "/0")
    return {"REDIS_URL": url, "VALKEY_URL": url}


def _postgres(endpoints: Endpoints, credentials: Credentials) -> dict[str, str]:
    url = _with_login(endpoints["client"], credentials["user"], credentials["password"], f"/{credentials['database']}")
    return {"DATABASE_URL": url}


def _questdb(endpoints: Endpoints, credentials: Credentials) -> dict[str, str]:
    pg = _with_login(endpoints["pg"], credentials["user"], credentials["password"], f"/{credentials['database']}")
    http = urlsplit(endpoints["http"])
    return {
        "QUESTDB_PG_DSN": pg,
        "QUESTDB_HTTP_URL": endpoints["http"],
        # What the questdb client's Sender.from_env() reads: ILP over HTTP, which the open-source
        # server serves without a login (QDB_PG_USER guards the PG wire only).
        "QDB_CLIENT_CONF": f"http::addr={http.netloc}",
    }


def _clickhouse(endpoints: Endpoints, credentials: Credentials) -> dict[str, str]:
    url = _with_login(endpoints["http"], credentials["user"], credentials["password"], f"/{credentials['database']}")
    return {"CLICKHOUSE_URL": url}


def _opensearch(endpoints: Endpoints, credentials: Credentials) -> dict[str, str]:
    rest = endpoints["rest"]
    if "password" not in credentials:
        return {"OPENSEARCH_URL": rest}  # security plugin off: no login
    return {"OPENSEARCH_URL": _with_login(rest, credentials["user"], credentials["password"])}


def _seaweedfs(endpoints: Endpoints, credentials: Credentials) -> dict[str, str]:
    # The names boto3 and the AWS CLI read; AWS_ENDPOINT_URL_S3 points S3 alone at the stack.
    return {
        "AWS_ENDPOINT_URL_S3": endpoints["s3"],
        "AWS_ACCESS_KEY_ID": credentials["accessKey"],
        "AWS_SECRET_ACCESS_KEY": credentials["secretKey"],
    }


def _opa(endpoints: Endpoints, _: Credentials) -> dict[str, str]:
    return {"OPA_URL": endpoints["rest"]}


_BUILDERS: dict[str, Callable[[Endpoints, Credentials], dict[str, str]]] = {
    "nats": _nats,
    "valkey": _valkey,
    "questdb": _questdb,
    "clickhouse": _clickhouse,
    "seaweedfs": _seaweedfs,
    "opensearch": _opensearch,
    "postgres": _postgres,
    "opa": _opa,
}


def settings(service: str, endpoints: Endpoints, credentials: Credentials) -> dict[str, str]:
    """Variable name -> value for the clients of `service`, from its host endpoints (role -> URL)
    and its entry in the `credentials` output."""
    return _BUILDERS[service](endpoints, credentials)


def output(
    service: str, endpoints: pulumi.Output[dict[str, str]], credentials: pulumi.Output[dict[str, str]] | None
) -> pulumi.Output[dict[str, str]]:
    """`settings` once the endpoints and credentials exist; secret, as most values carry a credential."""
    login = credentials if credentials is not None else pulumi.Output.from_input({})
    built = pulumi.Output.all(endpoints, login).apply(lambda both: settings(service, both[0], both[1]))
    return pulumi.Output.secret(built)
