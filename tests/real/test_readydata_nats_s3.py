"""Ready data on real servers, through Pulumi's own dynamic provider host.

Every call goes over gRPC to `python -m pulumi.dynamic` (tests/real/provider_host.py), which
unpickles the provider from `__provider` as under `pulumi up`/`refresh`/`destroy`: JetStream streams
on nats-server 2.10.26 started with the rendered command, S3 buckets on weed 4.30 with the rendered
identities. The declarations are the data sheets' own (components/nats.py, components/seaweedfs.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from components.nats import SHEET as NATS
from components.readydata import JetStreamStreamProvider, S3BucketProvider
from components.seaweedfs import SHEET as SEAWEEDFS
from offline.engine import Plan, reveal
from tests.real import servers
from tests.real.provider_host import HostError, ProviderHost
from tests.real.support import require_modules

require_modules("nats", "boto3", how=servers.PYPI_HINT)
import boto3  # noqa: E402
import nats  # noqa: E402
from botocore.config import Config  # noqa: E402

pytestmark = pytest.mark.real_server
STREAM = "pulumi-python:dynamic/trade2026:JetStreamStream"
BUCKET = "pulumi-python:dynamic/trade2026:S3Bucket"


def declared_streams() -> dict[str, dict[str, Any]]:
    spec = NATS.declare()
    return {d.name: {"kind": d.kind, **d.props()} for d in spec.ready}


def declared_buckets() -> dict[str, dict[str, Any]]:
    spec = SEAWEEDFS.declare()
    return {d.name: {"kind": d.kind, **d.props()} for d in spec.ready}


def stream_info(url: str, name: str) -> Any:
    async def info() -> Any:
        client = await nats.connect(url)
        try:
            return (await client.jsm().stream_info(name)).config
        finally:
            await client.close()

    return asyncio.run(info())


def publish(url: str, subject: str, count: int) -> int:
    async def send() -> int:
        client = await nats.connect(url)
        try:
            js = client.jetstream()
            for index in range(count):
                await js.publish(subject, f"m{index}".encode())
            return int((await client.jsm().stream_info("ORDERS")).state.messages)
        finally:
            await client.close()

    return asyncio.run(send())


def delete_stream(url: str, name: str) -> None:
    async def delete() -> None:
        client = await nats.connect(url)
        try:
            await client.jsm().delete_stream(name)
        finally:
            await client.close()

    asyncio.run(delete())


@pytest.fixture
def streams() -> Iterator[ProviderHost]:
    with ProviderHost(STREAM) as host:
        yield host


def test_the_three_declared_streams_are_created_on_file_storage_with_their_limits(
    nats_server: servers.NatsServer, streams: ProviderHost
) -> None:
    for name, props in declared_streams().items():
        news = streams.with_provider(JetStreamStreamProvider(), {**props, "endpoint": nats_server.url})
        inputs, failures = streams.check(name, {}, news)
        assert failures == []
        assert streams.create(name, inputs)[0] == f"stream/{name}"
    found = {name: stream_info(nats_server.url, name) for name in ("ORDERS", "MARKETDATA", "ANALYTICS")}
    assert {
        name: (c.subjects, c.storage.value if hasattr(c.storage, "value") else c.storage, c.max_age, c.max_bytes)
        for name, c in found.items()
    } == {
        "ORDERS": (["trading.order.>"], "file", 604800.0, 2147483648),
        "MARKETDATA": (["marketdata.>"], "file", 86400.0, 2147483648),
        "ANALYTICS": (["analytics.>"], "file", 604800.0, 1073741824),
    }


def test_a_raised_limit_updates_the_stream_in_place_and_keeps_its_messages(
    nats_server: servers.NatsServer, streams: ProviderHost
) -> None:
    olds = streams.with_provider(
        JetStreamStreamProvider(), {**declared_streams()["ORDERS"], "endpoint": nats_server.url}
    )
    id_, outs = streams.create("orders", olds)
    assert publish(nats_server.url, "trading.order.create.limit", 3) == 3
    news = {**olds, "maxBytes": 3 * 2**30}
    assert (streams.diff("orders", id_, outs, news).changes, streams.diff("orders", id_, outs, news).replaces) == (
        True,
        [],
    )
    assert streams.update("orders", id_, outs, news)["maxBytes"] == 3 * 2**30
    assert stream_info(nats_server.url, "ORDERS").max_bytes == 3 * 2**30
    assert publish(nats_server.url, "trading.order.create.limit", 0) == 3


def test_moving_a_stream_to_memory_is_a_replacement_deleted_first(
    nats_server: servers.NatsServer, streams: ProviderHost
) -> None:
    olds = streams.with_provider(
        JetStreamStreamProvider(), {**declared_streams()["ORDERS"], "endpoint": nats_server.url}
    )
    id_, outs = streams.create("orders", olds)
    answer = streams.diff("orders", id_, outs, {**olds, "storage": "memory"})
    assert (answer.changes, answer.replaces, answer.delete_before_replace) == (True, ["storage"], True)


def test_refresh_notices_a_limit_changed_and_a_stream_deleted_out_of_band(
    nats_server: servers.NatsServer, streams: ProviderHost
) -> None:
    declared = streams.with_provider(
        JetStreamStreamProvider(), {**declared_streams()["ORDERS"], "endpoint": nats_server.url}
    )
    id_, outs = streams.create("orders", declared)

    async def shrink() -> None:
        client = await nats.connect(nats_server.url)
        try:
            config = (await client.jsm().stream_info("ORDERS")).config
            config.max_age = 3600.0
            await client.jsm().update_stream(config)
        finally:
            await client.close()

    asyncio.run(shrink())
    refreshed_id, refreshed = streams.read("orders", id_, outs)
    assert (refreshed_id, refreshed["maxAgeSeconds"]) == ("stream/ORDERS", 3600)
    # The next `up` sees the drift as an in-place update back to the declaration.
    answer = streams.diff("orders", id_, refreshed, declared)
    assert (answer.changes, answer.replaces) == (True, [])
    delete_stream(nats_server.url, "ORDERS")
    assert streams.read("orders", id_, refreshed)[0] == ""


def test_delete_removes_the_stream(nats_server: servers.NatsServer, streams: ProviderHost) -> None:
    props = streams.with_provider(
        JetStreamStreamProvider(), {**declared_streams()["ANALYTICS"], "endpoint": nats_server.url}
    )
    id_, outs = streams.create("analytics", props)
    streams.delete("analytics", id_, outs)
    assert streams.read("analytics", id_, outs)[0] == ""


def test_create_adopts_a_stream_the_kept_volume_still_holds(
    nats_server: servers.NatsServer, streams: ProviderHost
) -> None:
    props = streams.with_provider(
        JetStreamStreamProvider(), {**declared_streams()["ORDERS"], "endpoint": nats_server.url}
    )
    streams.create("orders", props)
    publish(nats_server.url, "trading.order.create.limit", 2)
    # The service was switched off and on again: a new resource meets the old stream.
    assert streams.create("orders-again", props)[0] == "stream/ORDERS"
    assert publish(nats_server.url, "trading.order.create.limit", 0) == 2


def test_a_stopped_server_fails_create_with_one_clear_line(tmp_path: Any, streams: ProviderHost) -> None:
    props = {**declared_streams()["ORDERS"], "endpoint": "nats://127.0.0.1:9"}
    with pytest.raises(HostError) as failure:
        streams.create("orders", streams.with_provider(JetStreamStreamProvider(attempts=2, first_delay=0.1), props))
    assert str(failure.value) == (
        "components.readydata.ReadyDataError: stream ORDERS: create at nats://127.0.0.1:9 failed after 2 attempts:"
        " NoServersError: nats: no servers available for connection"
    )


# Buckets ---------------------------------------------------------------------------------------------


@pytest.fixture
def buckets() -> Iterator[ProviderHost]:
    with ProviderHost(BUCKET) as host:
        yield host


def s3(server: servers.SeaweedFSServer, credentials: dict[str, str]) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=server.s3_url,
        aws_access_key_id=credentials["accessKey"],
        aws_secret_access_key=credentials["secretKey"],
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )


@pytest.fixture
def s3_login(dev_plan: Plan) -> dict[str, str]:
    return dict(reveal(dev_plan.outputs["credentials"])["seaweedfs"])


def test_the_four_declared_buckets_are_created_and_deleted_with_their_objects(
    seaweedfs_server: servers.SeaweedFSServer, buckets: ProviderHost, s3_login: dict[str, str]
) -> None:
    created = {}
    for name, props in declared_buckets().items():
        news = buckets.with_provider(
            S3BucketProvider(), {**props, "endpoint": seaweedfs_server.s3_url, "credentials": s3_login}
        )
        created[name] = buckets.create(name, news)
    client = s3(seaweedfs_server, s3_login)
    assert sorted(b["Name"] for b in client.list_buckets()["Buckets"]) == [
        "backtest-results",
        "log-archives",
        "models",
        "reports",
    ]
    client.put_object(Bucket="reports", Key="2026/q1.pdf", Body=b"%PDF")
    for name, (id_, outs) in created.items():
        buckets.delete(name, id_, outs)
    assert client.list_buckets()["Buckets"] == []


def test_refresh_notices_a_bucket_deleted_out_of_band_and_up_recreates_it(
    seaweedfs_server: servers.SeaweedFSServer, buckets: ProviderHost, s3_login: dict[str, str]
) -> None:
    props = buckets.with_provider(
        S3BucketProvider(),
        {**declared_buckets()["models"], "endpoint": seaweedfs_server.s3_url, "credentials": s3_login},
    )
    id_, outs = buckets.create("models", props)
    assert buckets.read("models", id_, outs)[0] == "bucket/models"
    s3(seaweedfs_server, s3_login).delete_bucket(Bucket="models")
    assert buckets.read("models", id_, outs)[0] == ""
    assert buckets.create("models", props)[0] == "bucket/models"
    buckets.delete("models", id_, outs)


def test_a_wrong_secret_key_fails_with_the_servers_answer_and_no_secret(
    seaweedfs_server: servers.SeaweedFSServer, buckets: ProviderHost, s3_login: dict[str, str]
) -> None:
    wrong = {**s3_login, "secretKey": "Wrong" + s3_login["secretKey"][5:]}
    props = {**declared_buckets()["models"], "endpoint": seaweedfs_server.s3_url, "credentials": wrong}
    with pytest.raises(HostError) as failure:
        buckets.create("models", buckets.with_provider(S3BucketProvider(attempts=1), props))
    assert str(failure.value) == (
        f"components.readydata.ReadyDataError: bucket models: create at {seaweedfs_server.s3_url} failed:"
        " ClientError: An error occurred (403) when calling the HeadBucket operation: Forbidden"
    )
    assert wrong["secretKey"] not in buckets.log()


def test_a_new_purpose_is_an_in_place_update_that_keeps_the_bucket_and_its_objects(
    seaweedfs_server: servers.SeaweedFSServer, buckets: ProviderHost, s3_login: dict[str, str]
) -> None:
    olds = buckets.with_provider(
        S3BucketProvider(),
        {**declared_buckets()["reports"], "endpoint": seaweedfs_server.s3_url, "credentials": s3_login},
    )
    id_, outs = buckets.create("reports", olds)
    client = s3(seaweedfs_server, s3_login)
    client.put_object(Bucket="reports", Key="2026/q2.pdf", Body=b"%PDF")
    news = {**olds, "purpose": "Quarterly reports"}
    answer = buckets.diff("reports", id_, outs, news)
    assert (answer.changes, answer.replaces) == (True, [])
    assert buckets.update("reports", id_, outs, news)["purpose"] == "Quarterly reports"
    assert [o["Key"] for o in client.list_objects_v2(Bucket="reports")["Contents"]] == ["2026/q2.pdf"]
    buckets.delete("reports", id_, outs)


def test_an_unreachable_server_behind_a_remote_docker_host_names_the_tunnel(streams: ProviderHost) -> None:
    tunnel = "ssh -N -L 127.0.0.1:20020:127.0.0.1:20020 dev@devbox"
    props = {**declared_streams()["ORDERS"], "endpoint": "nats://127.0.0.1:9", "tunnel": tunnel}
    with pytest.raises(HostError) as failure:
        streams.create("orders", streams.with_provider(JetStreamStreamProvider(attempts=1), props))
    assert str(failure.value).endswith(
        "NoServersError: nats: no servers available for connection;"
        f" the Docker host is remote: is this tunnel open? {tunnel}"
    )
