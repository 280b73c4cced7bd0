"""The one module that turns ready-data declarations (components.ready) into live server objects.

A new kind of ready data is its declaration (components/ready.py) and its provider class here,
which names the declaration it serves (`declaration`); the resource type comes from the declaration.

DO NOT RENAME OR MOVE THIS MODULE, nor its provider classes. Pulumi pickles each provider object
with dill into the resource's state (`__provider`), and dill stores these classes by module and
name: `pulumi refresh`, `destroy` and every later `up` load them from `components.readydata`
again. For the same reason a provider holds plain settings only; clients (and their imports) are
created inside the methods, in the provider host process.

What a provider sees: the declaration's props, `endpoint` (the service's published host port, so
the resource depends on its container, which `pulumi up` waits on until healthy) and
`credentials` (a secret input; its output is declared secret too). No message raised from here
carries a credential: every error is re-raised as ReadyDataError with the secrets scrubbed.

The endpoints are host ports on the Docker host. With a remote DOCKER_HOST (ssh://, tcp://) they
are on the remote machine, so `pulumi up` needs an `ssh -L` tunnel from this machine to each
published port these resources use (NATS client, QuestDB pg, SeaweedFS s3, OpenSearch rest).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import types
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar, get_args, get_type_hints
from urllib.parse import urlsplit

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.dynamic import Resource as DynamicResource

from .ready import Column, IndexTemplate, JetStreamStream, QuestDBTable, ReadyObject, S3Bucket
from .roundtrips import connect_nats

T = TypeVar("T")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Column types and partitionings are SQL keywords, not identifiers: each is one of the words its
# declaration's Literal allows, or the table is refused before any SQL.
_COLUMN_TYPES: tuple[str, ...] = get_args(get_type_hints(Column)["type"])
_PARTITIONINGS: tuple[str, ...] = get_args(get_type_hints(QuestDBTable)["partition_by"])


def _enum_value(value: Any) -> str:
    # nats-py returns some enums of a stream's config as plain strings.
    return str(getattr(value, "value", value))


class ReadyDataError(Exception):
    """A ready-data operation failed; the message never carries a credential."""


def scrub(text: str, credentials: Mapping[str, Any] | None) -> str:
    # Passwords and keys, not user or database names ("trader" stays readable in an error).
    for value in (credentials or {}).values():
        if isinstance(value, str) and len(value) >= 8:
            text = text.replace(value, "[secret]")
    return text


class _Provider(ResourceProvider):
    """Lifecycle shared by every kind: create adopts an existing object with the declared settings
    (a switched-off service keeps its data volume, and with it its streams and tables), update
    re-applies the declaration, read reports what the server holds so refresh notices drift."""

    # The declaration it serves; its `kind` names this provider's objects in ids and messages.
    declaration: ClassVar[type[ReadyObject]]
    kind: ClassVar[str]
    # Declaration keys the server cannot change in place.
    replace_keys: ClassVar[tuple[str, ...]] = ("name",)
    _serving: ClassVar[dict[type[ReadyObject], type[_Provider]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.kind = cls.declaration.kind
        if cls.declaration in _Provider._serving:
            raise TypeError(f"two providers serve {cls.declaration.__name__}")
        _Provider._serving[cls.declaration] = cls

    def __init__(self, attempts: int = 6, first_delay: float = 0.5) -> None:
        super().__init__()
        # 0.5+1+2+4+8 s: the container is already healthy, so this covers a server that is still
        # opening its listener or a tunnel that is being set up, not a server that is down.
        self.attempts = attempts
        self.first_delay = first_delay

    # Subclasses implement these against the server; `live` returns None when the object is gone.
    def _live(self, props: Mapping[str, Any]) -> dict[str, Any] | None:
        raise NotImplementedError

    def _apply(self, props: Mapping[str, Any], live: Mapping[str, Any] | None) -> None:
        raise NotImplementedError

    def _remove(self, props: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def _transient(self, error: Exception) -> bool:
        return isinstance(error, (OSError, TimeoutError))

    def _problems(self, props: Mapping[str, Any]) -> list[CheckFailure]:
        return []

    def _call(self, what: str, props: Mapping[str, Any], action: Callable[[], T]) -> T:
        credentials = props.get("credentials") or {}
        endpoint, secret_host = props.get("endpoint"), ""
        if props.get("endpointSecret"):
            # The endpoint names a Docker host the stack marked secret: neither it nor a client's
            # message quoting its host name is shown, however short the name.
            secret_host = urlsplit(str(endpoint)).hostname or ""
            endpoint = "its endpoint (secret, as docker:host is)"
        # Built per call, in the provider host: the pickled provider keeps two numbers, no tenacity object.
        from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

        # first_delay, doubling, between tries; only errors _transient accepts are tried again.
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=self.first_delay),
            retry=retry_if_exception(lambda error: isinstance(error, Exception) and self._transient(error)),
            reraise=True,
        )
        try:
            return retrying(action)
        except Exception as error:
            attempt = retrying.statistics.get("attempt_number", 1)
            reason = scrub(f"{type(error).__name__}: {error}".strip(), credentials)
            if secret_host:
                reason = reason.replace(secret_host, "[secret]")
            tries = f" after {attempt} attempts" if attempt > 1 else ""
            hint = ""
            if props.get("tunnel") and self._transient(error):
                hint = f"; the Docker host is remote: is this tunnel open? {props['tunnel']}"
            raise ReadyDataError(
                f"{self.kind} {props.get('name')}: {what} at {endpoint} failed{tries}: {reason}{hint}"
            ) from None

    def _outs(self, props: Mapping[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
        return {**{k: v for k, v in props.items() if k != "__provider"}, **live}

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        if not isinstance(news.get("name"), str) or not news["name"]:
            failures.append(CheckFailure("name", "a name is required"))
        failures.extend(self._problems(news))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [key for key in sorted({*olds, *news} - {"__provider"}) if olds.get(key) != news.get(key)]
        replaces = [key for key in changed if key in self.replace_keys]
        # A new endpoint (the container was replaced and got another host port) or new credentials
        # change nothing on the server, but the state must hold them for the next delete or refresh.
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            stables=[key for key in self.replace_keys if key not in changed],
            delete_before_replace=True,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        def ensure() -> dict[str, Any]:
            live = self._live(props)
            self._apply(props, live)
            return self._live(props) or {}

        live = self._call("create", props, ensure)
        return CreateResult(f"{self.kind}/{props['name']}", self._outs(props, live))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        def ensure() -> dict[str, Any]:
            live = self._live(news)
            self._apply(news, live)
            return self._live(news) or {}

        return UpdateResult(self._outs(news, self._call("update", news, ensure)))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        live = self._call("read", props, lambda: self._live(props))
        if live is None:
            # An empty id tells the engine the object is gone; the next `up` creates it again.
            return ReadResult("", {})
        return ReadResult(id_, self._outs(props, live))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        # protectData stacks never get here: the resource is protected and retained on delete.
        self._call("delete", props, lambda: self._remove(props))


class JetStreamStreamProvider(_Provider):
    declaration = JetStreamStream
    # JetStream refuses to change a stream's storage type or retention policy.
    replace_keys = ("name", "storage", "retention")

    def _transient(self, error: Exception) -> bool:
        import nats.errors

        return isinstance(error, (OSError, TimeoutError, nats.errors.NoServersError, nats.errors.TimeoutError))

    def _run(self, props: Mapping[str, Any], work: Callable[[Any], Any]) -> Any:
        async def session() -> Any:
            client = await connect_nats(props["endpoint"])
            try:
                return await work(client.jsm())
            finally:
                await client.close()

        return asyncio.run(session())

    def _config(self, props: Mapping[str, Any]) -> Any:
        from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig

        return StreamConfig(
            name=props["name"],
            description=props["description"],
            subjects=list(props["subjects"]),
            storage=StorageType(props["storage"]),
            retention=RetentionPolicy(props["retention"]),
            discard=DiscardPolicy(props["discard"]),
            max_age=float(props["maxAgeSeconds"]),
            max_bytes=int(props["maxBytes"]),
            duplicate_window=float(props["duplicateWindowSeconds"]),
            num_replicas=1,
        )

    def _live(self, props: Mapping[str, Any]) -> dict[str, Any] | None:
        from nats.js.errors import NotFoundError

        async def info(jsm: Any) -> dict[str, Any] | None:
            try:
                config = (await jsm.stream_info(props["name"])).config
            except NotFoundError:
                return None
            return {
                "name": config.name,
                "subjects": list(config.subjects or []),
                "description": config.description or "",
                "storage": _enum_value(config.storage),
                "retention": _enum_value(config.retention),
                "discard": _enum_value(config.discard),
                "maxAgeSeconds": round(config.max_age or 0),
                "maxBytes": config.max_bytes,
                "duplicateWindowSeconds": round(config.duplicate_window or 0),
            }

        result: dict[str, Any] | None = self._run(props, info)
        return result

    def _apply(self, props: Mapping[str, Any], live: Mapping[str, Any] | None) -> None:
        config = self._config(props)

        async def apply(jsm: Any) -> None:
            if live is None:
                await jsm.add_stream(config)
            elif any(live.get(key) != props.get(key) for key in self.replace_keys):
                raise ReadyDataError(
                    f"stream {props['name']} exists with storage {live['storage']}, retention {live['retention']};"
                    " JetStream cannot change these in place"
                )
            else:
                await jsm.update_stream(config)

        self._run(props, apply)

    def _remove(self, props: Mapping[str, Any]) -> None:
        from nats.js.errors import NotFoundError

        async def remove(jsm: Any) -> None:
            with contextlib.suppress(NotFoundError):
                await jsm.delete_stream(props["name"])

        self._run(props, remove)


class S3BucketProvider(_Provider):
    declaration = S3Bucket

    def _transient(self, error: Exception) -> bool:
        from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

        return isinstance(error, (OSError, EndpointConnectionError, ConnectionClosedError, ReadTimeoutError))

    def _client(self, props: Mapping[str, Any]) -> Any:
        import boto3
        from botocore.config import Config

        credentials = props.get("credentials") or {}
        return boto3.client(
            "s3",
            endpoint_url=props["endpoint"],
            aws_access_key_id=credentials.get("accessKey"),
            aws_secret_access_key=credentials.get("secretKey"),
            region_name="us-east-1",
            config=Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 1, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
            ),
        )

    def _live(self, props: Mapping[str, Any]) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            self._client(props).head_bucket(Bucket=props["name"])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket", "NotFound"):
                return None
            raise
        return {"name": props["name"]}

    def _apply(self, props: Mapping[str, Any], live: Mapping[str, Any] | None) -> None:
        if live is None:
            self._client(props).create_bucket(Bucket=props["name"])

    def _remove(self, props: Mapping[str, Any]) -> None:
        from botocore.exceptions import ClientError

        client = self._client(props)
        # Only unprotected (developer) stacks delete buckets, and S3 refuses to delete a non-empty one.
        try:
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=props["name"]):
                keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
                if keys:
                    client.delete_objects(Bucket=props["name"], Delete={"Objects": keys, "Quiet": True})
            client.delete_bucket(Bucket=props["name"])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                raise


class QuestDBTableProvider(_Provider):
    declaration = QuestDBTable
    # QuestDB cannot re-partition a table or move its designated timestamp.
    replace_keys = ("name", "timestamp", "partitionBy")

    def _transient(self, error: Exception) -> bool:
        import psycopg

        # OperationalError is also a refused login; only a connection that never opened is retried.
        return isinstance(error, (OSError, TimeoutError)) or (
            isinstance(error, psycopg.OperationalError) and "authentication" not in str(error).lower()
        )

    def _problems(self, props: Mapping[str, Any]) -> list[CheckFailure]:
        names = [props.get("name"), props.get("timestamp"), *(c.get("name") for c in props.get("columns") or [])]
        bad = [str(n) for n in names if not isinstance(n, str) or not _IDENTIFIER.fullmatch(n)]
        failures = [CheckFailure("columns", f"not a plain SQL identifier: {', '.join(bad)}")] if bad else []
        types = [str(c.get("type")) for c in props.get("columns") or [] if c.get("type") not in _COLUMN_TYPES]
        if types:
            failures.append(CheckFailure("columns", f"not a column type: {', '.join(types)}"))
        if props.get("partitionBy") not in _PARTITIONINGS:
            allowed = ", ".join(_PARTITIONINGS)
            failures.append(CheckFailure("partitionBy", f"{props.get('partitionBy')} is not one of {allowed}"))
        if props.get("timestamp") not in [c.get("name") for c in props.get("columns") or []]:
            failures.append(CheckFailure("timestamp", f"{props.get('timestamp')} is not one of the columns"))
        return failures

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = super().diff(id_, olds, news)
        old_types = {c["name"]: c["type"] for c in olds.get("columns") or []}
        retyped = any(old_types.get(c["name"], c["type"]) != c["type"] for c in news.get("columns") or [])
        if retyped:
            # A column's type change rewrites the table: replace, which a protected stack refuses.
            result.replaces = [*(result.replaces or []), "columns"]
        return result

    def _connect(self, props: Mapping[str, Any]) -> Any:
        import psycopg

        address = urlsplit(props["endpoint"])
        credentials = props.get("credentials") or {}
        return psycopg.connect(
            host=address.hostname,
            port=address.port,
            user=credentials.get("user"),
            password=credentials.get("password"),
            dbname=credentials.get("database", "qdb"),
            autocommit=True,
            connect_timeout=5,
        )

    def _live(self, props: Mapping[str, Any]) -> dict[str, Any] | None:
        from psycopg import sql

        name = props["name"]
        with self._connect(props) as connection:
            row = connection.execute(
                "SELECT designatedTimestamp, partitionBy FROM tables() WHERE table_name = %s", (name,)
            ).fetchone()
            if row is None:
                return None
            # table_columns takes only a constant ("expected: STRING constant" for $1, QuestDB 8.2.0):
            # the name goes in as a literal psycopg quotes.
            columns = connection.execute(
                sql.SQL('SELECT "column", type FROM table_columns({})').format(sql.Literal(name))
            ).fetchall()
        return {
            "name": name,
            "columns": [{"name": column, "type": type_} for column, type_ in columns],
            "timestamp": row[0],
            "partitionBy": row[1],
        }

    def _apply(self, props: Mapping[str, Any], live: Mapping[str, Any] | None) -> None:
        from psycopg import sql
        from tenacity import RetryError, Retrying, retry_if_result, stop_after_delay, wait_fixed

        name = props["name"]
        table = sql.Identifier(name)
        declared = {c["name"]: c["type"] for c in props["columns"]}
        with self._connect(props) as connection:
            if live is None:
                columns = sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(column), sql.SQL(type_))
                    for column, type_ in declared.items()
                )
                connection.execute(
                    sql.SQL("CREATE TABLE {} ({}) timestamp({}) PARTITION BY {} WAL").format(
                        table, columns, sql.Identifier(props["timestamp"]), sql.SQL(props["partitionBy"])
                    )
                )
                return
            mismatch = [key for key in self.replace_keys if live.get(key) != props.get(key)]
            if mismatch:
                raise ReadyDataError(
                    f"table {name} exists with {', '.join(f'{k}={live.get(k)}' for k in mismatch)};"
                    " QuestDB cannot change that in place"
                )
            existing = {c["name"]: c["type"] for c in live["columns"]}
            for column, type_ in declared.items():
                if column not in existing:
                    connection.execute(
                        sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(table, sql.Identifier(column), sql.SQL(type_))
                    )
                elif existing[column] != type_:
                    raise ReadyDataError(f"table {name}: column {column} is {existing[column]}, declared {type_}")
            for column in existing.keys() - declared.keys():
                connection.execute(sql.SQL("ALTER TABLE {} DROP COLUMN {}").format(table, sql.Identifier(column)))

        def columns_now() -> list[str]:
            return [c["name"] for c in (self._live(props) or {}).get("columns", [])]

        # A WAL table applies ALTERs asynchronously: wait until its columns are the declared ones,
        # so the outputs (and the next refresh) show what the server holds.
        waiting = Retrying(
            stop=stop_after_delay(30), wait=wait_fixed(0.2), retry=retry_if_result(lambda now: now != list(declared))
        )
        try:
            waiting(columns_now)
        except RetryError:
            wanted = ", ".join(declared)
            raise ReadyDataError(f"table {name}: the columns did not become {wanted} within 30 s") from None

    def _remove(self, props: Mapping[str, Any]) -> None:
        from psycopg import sql

        with self._connect(props) as connection:
            connection.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(props["name"])))


class IndexTemplateProvider(_Provider):
    declaration = IndexTemplate

    def _transient(self, error: Exception) -> bool:
        from opensearchpy.exceptions import ConnectionError as SearchConnectionError

        return isinstance(error, (OSError, SearchConnectionError))

    def _client(self, props: Mapping[str, Any]) -> Any:
        from opensearchpy import OpenSearch

        credentials = props.get("credentials") or {}
        login = (credentials["user"], credentials["password"]) if credentials.get("password") else None
        return OpenSearch(
            hosts=[props["endpoint"]],
            http_auth=login,
            # The security plugin serves its generated demo certificate; there is no CA to check it against.
            verify_certs=False,
            ssl_show_warn=False,
            timeout=15,
            max_retries=0,
        )

    def _live(self, props: Mapping[str, Any]) -> dict[str, Any] | None:
        from opensearchpy.exceptions import NotFoundError

        try:
            found = self._client(props).indices.get_index_template(name=props["name"])
        except NotFoundError:
            return None
        body = found["index_templates"][0]["index_template"]
        template = body.get("template", {})
        index = template.get("settings", {}).get("index", {})
        properties = template.get("mappings", {}).get("properties", {})
        return {
            "name": props["name"],
            "patterns": list(body["index_patterns"]),
            "priority": body.get("priority", 0),
            "settings": {
                "number_of_shards": int(index.get("number_of_shards", 1)),
                "number_of_replicas": int(index.get("number_of_replicas", 1)),
            },
            "mappings": {"properties": {k: {"type": v.get("type", "object")} for k, v in properties.items()}},
        }

    def _apply(self, props: Mapping[str, Any], live: Mapping[str, Any] | None) -> None:
        # Numbers arrive as floats (the engine's wire format is protobuf Struct); OpenSearch
        # refuses "0.0" replicas.
        body = {
            "index_patterns": props["patterns"],
            "priority": int(props["priority"]),
            "template": {
                "settings": {key: int(value) for key, value in props["settings"].items()},
                "mappings": props["mappings"],
            },
        }
        # PUT replaces the whole template; indices created earlier keep their mappings.
        self._client(props).indices.put_index_template(name=props["name"], body=body)

    def _remove(self, props: Mapping[str, Any]) -> None:
        from opensearchpy.exceptions import NotFoundError

        with contextlib.suppress(NotFoundError):
            self._client(props).indices.delete_index_template(name=props["name"])


@functools.cache
def _resource_class(resource_type: str) -> type[DynamicResource]:
    """One resource type per kind, so plans, policies and `pulumi stack` say what each object is:
    pulumi-python:dynamic/trade2026:<resource_type>. Nothing is pickled of it: only the provider."""
    return types.new_class(
        f"{resource_type}Resource", (DynamicResource,), {"module": "trade2026", "name": resource_type}
    )


def ready_resource(
    declaration: ReadyObject,
    resource_name: str,
    endpoint: pulumi.Input[str],
    credentials: pulumi.Input[Mapping[str, str]] | None,
    tunnel: pulumi.Input[str] | None,
    opts: pulumi.ResourceOptions,
    *,
    endpoint_secret: bool = False,
) -> DynamicResource:
    """The Pulumi resource for one declaration, reaching its server at `endpoint`; `tunnel` is the
    `ssh -L` line a remote Docker host needs open while Pulumi runs (named in connection errors, so
    it must hold nothing secret); `endpoint_secret` keeps a secret endpoint out of those errors."""
    props: dict[str, Any] = {
        "kind": declaration.kind,
        **declaration.props(),
        "endpoint": endpoint,
        "credentials": pulumi.Output.secret(credentials) if credentials is not None else {},
    }
    if tunnel is not None:
        props["tunnel"] = tunnel
    if endpoint_secret:
        props["endpointSecret"] = True
    options = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["credentials"]))
    serving = _Provider._serving.get(type(declaration))
    if serving is None:
        raise TypeError(f"no provider in components/readydata.py serves {type(declaration).__name__}")
    return _resource_class(declaration.resource_type)(serving(), resource_name, props, options)
