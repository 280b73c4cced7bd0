"""Connection settings for the applications: per instance, the environment variables its clients
read (its sheet's `variables`), each a URL or DSN that the client library takes as it is.

Built from the same endpoints and credentials as the stack's `endpoints` and `credentials`
outputs. Each sheet's `variables` is pure, so tests hand its values to the client libraries' own
parsers (nats-py, redis/valkey, psycopg, clickhouse-connect, opensearch-py, boto3, questdb).
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit


def with_login(url: str, user: str, password: str, path: str = "") -> str:
    """`url` with a login and a path; both parts of the login percent-encoded, as every URL parser
    here decodes them (OpenSearch's admin password holds `%`, `@`, `+`, `=`)."""
    parts = urlsplit(url)
    login = f"{quote(user, safe='')}:{quote(password, safe='')}@"
    return f"{parts.scheme}://{login}{parts.netloc}{path}"
