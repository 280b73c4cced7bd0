"""Ready data under the mock engine and the provider's own decisions, no server needed."""

from __future__ import annotations

import base64
import pickle

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from components.readydata import JetStreamStreamProvider, QuestDBTableProvider
from offline.engine import ROOT, Plan, Secret, run_program
from offline.preview import format_plan
from tests.conftest import CONTAINER, config

DYNAMIC = "pulumi-python:dynamic/trade2026:"
READY = {
    "nats": ["nats-stream-ANALYTICS", "nats-stream-MARKETDATA", "nats-stream-ORDERS"],
    "opensearch": [
        "opensearch-index-template-logs",
        "opensearch-index-template-orders",
        "opensearch-index-template-trades",
    ],
    "questdb": ["questdb-table-fills", "questdb-table-orders", "questdb-table-ticks"],
    "seaweedfs": [
        "seaweedfs-bucket-backtest-results",
        "seaweedfs-bucket-log-archives",
        "seaweedfs-bucket-models",
        "seaweedfs-bucket-reports",
    ],
}


def ready(plan: Plan) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for resource in plan.resources:
        if resource.type.startswith(DYNAMIC):
            found.setdefault(resource.name.split("-", 1)[0], []).append(resource.name)
    return found


def test_the_dev_stack_declares_exactly_the_appendix_a_ready_data(dev_plan: Plan) -> None:
    assert ready(dev_plan) == READY


def test_every_ready_object_depends_on_its_own_container_and_credentials_only(dev_plan: Plan) -> None:
    containers = {r.name: r.urn for r in dev_plan.of_type(CONTAINER)}
    found = {
        r.name: sorted(d.rsplit("::", 1)[1] for d in r.dependencies)
        for r in dev_plan.resources
        if r.type.startswith(DYNAMIC) and r.name.endswith(("ORDERS", "-orders", "-models"))
    }
    assert found == {
        "nats-stream-ORDERS": ["nats"],
        "opensearch-index-template-orders": ["opensearch"],
        "questdb-table-orders": ["questdb", "questdb-pg-password"],
        "seaweedfs-bucket-models": ["seaweedfs", "seaweedfs-s3-access-key", "seaweedfs-s3-secret-key"],
    }
    for resource in dev_plan.resources:
        if resource.type.startswith(DYNAMIC):
            own = containers[resource.parent.rsplit("::", 1)[1]]
            assert set(resource.dependencies) & set(containers.values()) == {own}, resource.urn


def test_credentials_go_in_secret_and_come_out_secret(dev_plan: Plan) -> None:
    table = dev_plan.get(DYNAMIC + "QuestDBTable", "questdb-table-orders")
    assert isinstance(table.inputs["credentials"], Secret)
    assert sorted(table.inputs["credentials"].value) == ["database", "password", "user"]
    assert table.additional_secret_outputs == ("credentials",)


def test_the_orders_table_is_appendix_a_column_for_column(dev_plan: Plan) -> None:
    inputs = dev_plan.get(DYNAMIC + "QuestDBTable", "questdb-table-orders").inputs
    assert (inputs["columns"], inputs["timestamp"], inputs["partitionBy"]) == (
        [
            {"name": "timestamp", "type": "TIMESTAMP"},
            {"name": "order_id", "type": "SYMBOL"},
            {"name": "symbol", "type": "SYMBOL"},
            {"name": "side", "type": "SYMBOL"},
            {"name": "price", "type": "DOUBLE"},
            {"name": "quantity", "type": "DOUBLE"},
            {"name": "status", "type": "SYMBOL"},
        ],
        "timestamp",
        "DAY",
    )


def test_ticks_are_partitioned_by_hour_and_fills_by_day(dev_plan: Plan) -> None:
    partitions = {r.name: r.inputs["partitionBy"] for r in dev_plan.of_type(DYNAMIC + "QuestDBTable")}
    assert partitions == {"questdb-table-fills": "DAY", "questdb-table-orders": "DAY", "questdb-table-ticks": "HOUR"}


def test_the_orders_stream_is_file_backed_and_bounded(dev_plan: Plan) -> None:
    inputs = dev_plan.get(DYNAMIC + "JetStreamStream", "nats-stream-ORDERS").inputs
    assert {k: inputs[k] for k in ("subjects", "storage", "retention", "maxAgeSeconds", "maxBytes")} == {
        "subjects": ["trading.order.>"],
        "storage": "file",
        "retention": "limits",
        "maxAgeSeconds": 604800,
        "maxBytes": 2147483648,
    }


def test_a_protect_data_stack_protects_and_retains_its_ready_data() -> None:
    plan = run_program("prod", preview=True)
    flags = {(r.protect, r.retain_on_delete) for r in plan.resources if r.type.startswith(DYNAMIC)}
    assert flags == {(True, True)}


def test_a_switched_off_service_has_no_ready_data() -> None:
    plan = run_program("dev", config(services={"nats": {"enabled": False}, "seaweedfs": {"enabled": False}}))
    assert sorted(ready(plan)) == ["opensearch", "questdb"]


def test_the_pickled_provider_names_this_module_and_carries_no_settings_but_retries() -> None:
    pickled = base64.b64decode(serialize_provider(JetStreamStreamProvider()))
    assert b"components.readydata" in pickled
    assert b"JetStreamStreamProvider" in pickled
    assert len(pickled) < 400


STREAM = {
    "kind": "stream",
    "name": "ORDERS",
    "subjects": ["trading.order.>"],
    "storage": "file",
    "retention": "limits",
    "maxBytes": 1024,
    "endpoint": "nats://127.0.0.1:4222",
}


@pytest.mark.parametrize(
    ("change", "replaces"),
    [
        ({"maxBytes": 2048}, []),
        ({"subjects": ["trading.order.>", "trading.fill.>"]}, []),
        ({"endpoint": "nats://127.0.0.1:32769"}, []),
        ({"storage": "memory"}, ["storage"]),
        ({"retention": "workqueue"}, ["retention"]),
        ({"name": "ORDERS2"}, ["name"]),
    ],
)
def test_a_stream_change_updates_in_place_unless_jetstream_cannot(
    change: dict[str, object], replaces: list[str]
) -> None:
    result = JetStreamStreamProvider().diff("stream/ORDERS", STREAM, {**STREAM, **change})
    assert (result.changes, result.replaces, result.delete_before_replace) == (True, replaces, True)


def test_an_unchanged_stream_has_no_diff() -> None:
    assert JetStreamStreamProvider().diff("stream/ORDERS", {**STREAM, "__provider": "old"}, STREAM).changes is False


TABLE = {
    "kind": "table",
    "name": "orders",
    "columns": [{"name": "timestamp", "type": "TIMESTAMP"}, {"name": "price", "type": "DOUBLE"}],
    "timestamp": "timestamp",
    "partitionBy": "DAY",
}


def test_a_new_column_is_an_update_but_a_new_type_or_partitioning_a_replacement() -> None:
    provider = QuestDBTableProvider()
    added = {**TABLE, "columns": [*TABLE["columns"], {"name": "venue", "type": "SYMBOL"}]}  # type: ignore[list-item]
    retyped = {**TABLE, "columns": [{"name": "timestamp", "type": "TIMESTAMP"}, {"name": "price", "type": "LONG"}]}
    assert provider.diff("table/orders", TABLE, added).replaces == []
    assert provider.diff("table/orders", TABLE, retyped).replaces == ["columns"]
    assert provider.diff("table/orders", TABLE, {**TABLE, "partitionBy": "HOUR"}).replaces == ["partitionBy"]


def test_a_table_whose_names_are_not_identifiers_is_refused_before_any_sql() -> None:
    bad = {**TABLE, "columns": [*TABLE["columns"], {"name": "x; DROP TABLE orders", "type": "LONG"}]}  # type: ignore[list-item]
    assert [(f.property, f.reason) for f in QuestDBTableProvider().check({}, bad).failures] == [
        ("columns", "not a plain SQL identifier: x; DROP TABLE orders")
    ]


def test_ready_data_adds_one_wave_and_no_container_to_container_dependency(dev_plan: Plan) -> None:
    from benchmarks.bench import critical_path

    containers = {r.urn for r in dev_plan.of_type(CONTAINER)}
    ready_urns = {r.urn for r in dev_plan.resources if r.type.startswith(DYNAMIC)}
    assert critical_path(dev_plan) == 3  # images, networks, volumes, passwords -> containers -> ready data
    assert [r.name for r in dev_plan.of_type(CONTAINER) if set(r.dependencies) & (containers | ready_urns)] == []
    assert [r.name for r in dev_plan.resources if r.urn in ready_urns and set(r.dependencies) & ready_urns] == []


def test_the_offline_preview_shows_each_ready_object_as_a_reviewer_reads_it() -> None:
    from offline.preview import format_plan

    lines = format_plan(run_program("dev", preview=True)).splitlines()
    start = lines.index("    + JetStreamStream nats-stream-ORDERS")
    assert lines[start : start + 5] == [
        "    + JetStreamStream nats-stream-ORDERS",
        "          subjects    trading.order.>   storage file",
        "          limits      limits retention, max age 168 h, max 2048 MiB, discard old",
        "          reaches     its published port (known after up)",
        "          data safety protect: False, retain on delete: False",
    ]
    start = lines.index("    + QuestDBTable questdb-table-ticks")
    assert lines[start + 1 : start + 3] == [
        "          columns     timestamp TIMESTAMP, symbol SYMBOL, price DOUBLE, volume DOUBLE, exchange SYMBOL",
        "          layout      timestamp(timestamp) PARTITION BY HOUR",
    ]


def test_a_data_sheet_whose_ready_data_needs_an_unpublished_port_is_refused() -> None:
    from components.ready import S3Bucket
    from components.spec import DataVolume, HttpProbe, Port, ServiceSpec

    with pytest.raises(ValueError, match=r"^bucket models needs port s3 published$"):
        ServiceSpec(
            image="chrislusf/seaweedfs:4.30",
            ports=(Port("s3", 8333, published=False), Port("master", 9333)),
            volumes=(DataVolume("data", "/data"),),
            networks=("backend",),
            healthcheck=HttpProbe("master", "/", tool="wget"),
            ready=(S3Bucket("models", "ML model artifacts"),),
        )


def test_on_a_remote_ssh_docker_host_ready_data_carries_the_tunnel_it_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    plan = run_program("dev", {**config(hostPorts="fixed", portBlock=2), "docker:host": "ssh://dev@devbox"})
    stream = plan.get(DYNAMIC + "JetStreamStream", "nats-stream-ORDERS")
    assert stream.inputs["tunnel"] == plan.outputs["portForward"]["nats"]
    assert stream.inputs["tunnel"].startswith("ssh -N -L 127.0.0.1:20020:127.0.0.1:20020")


def test_on_a_local_docker_host_ready_data_has_no_tunnel(dev_plan: Plan) -> None:
    assert [r.name for r in dev_plan.resources if r.type.startswith(DYNAMIC) and "tunnel" in r.inputs] == []


def test_running_a_program_leaves_pickle_as_it_found_it() -> None:
    # The SDK wraps pickle's _batch_setitems once per dynamic resource and never unwraps it; a
    # process that runs many programs (this suite, the benchmarks) would end in RecursionError.
    before = pickle._Pickler._batch_setitems  # type: ignore[attr-defined]
    run_program("dev")
    assert pickle._Pickler._batch_setitems is before  # type: ignore[attr-defined]


def test_a_ready_data_error_on_a_secret_docker_host_names_neither_the_host_nor_a_credential() -> None:
    provider = JetStreamStreamProvider(attempts=1)
    props = {
        "name": "ORDERS",
        "endpoint": "nats://devbox:20020",
        "endpointSecret": True,
        "credentials": {"password": "Ready-data-pw-123"},
        "tunnel": "ssh -N -L 127.0.0.1:20020:127.0.0.1:20020 '[secret docker:host]'",
    }

    def refused() -> None:
        raise ConnectionRefusedError(111, "devbox:20020 refused the login Ready-data-pw-123")

    with pytest.raises(Exception) as caught:
        provider._call("create", props, refused)
    assert str(caught.value) == (
        "stream ORDERS: create at its endpoint (secret, as docker:host is) failed: "
        "ConnectionRefusedError: [Errno 111] [secret]:20020 refused the login [secret]; the Docker host is remote: "
        "is this tunnel open? ssh -N -L 127.0.0.1:20020:127.0.0.1:20020 '[secret docker:host]'"
    )


def test_a_transient_failure_is_tried_six_times_waiting_half_a_second_doubling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    calls: list[int] = []

    def refused() -> None:
        calls.append(1)
        raise ConnectionRefusedError(111, "Connection refused")

    with pytest.raises(Exception) as caught:
        JetStreamStreamProvider()._call("create", {"name": "ORDERS", "endpoint": "nats://127.0.0.1:9"}, refused)
    assert (len(calls), slept) == (6, [0.5, 1.0, 2.0, 4.0, 8.0])
    assert str(caught.value) == (
        "stream ORDERS: create at nats://127.0.0.1:9 failed after 6 attempts: "
        "ConnectionRefusedError: [Errno 111] Connection refused"
    )


def test_a_failure_that_is_not_transient_is_reported_at_once_and_a_recovery_returns_its_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    monkeypatch.setattr(time, "sleep", lambda _seconds: None)
    provider = QuestDBTableProvider()
    props = {"name": "orders", "endpoint": "postgresql://127.0.0.1:8812"}
    calls: list[int] = []

    def refused() -> None:
        calls.append(1)
        raise ValueError("the server refused the declaration")

    with pytest.raises(Exception, match=r"^table orders: read at postgresql://127.0.0.1:8812 failed: ValueError: "):
        provider._call("read", props, refused)
    assert len(calls) == 1

    def third_time() -> str:
        calls.append(1)
        if len(calls) < 4:
            raise TimeoutError("not yet")
        return "live"

    assert provider._call("read", props, third_time) == "live"
    assert len(calls) == 4


@pytest.mark.parametrize(
    ("change", "failures"),
    [
        ({"name": "orders\n"}, [("columns", "not a plain SQL identifier: orders\n")]),
        (
            {"columns": [{"name": "timestamp", "type": "TIMESTAMP"}, {"name": "price", "type": "DOUBLE) --"}]},
            [("columns", "not a column type: DOUBLE) --")],
        ),
        (
            {"partitionBy": "DAY WAL; DROP TABLE fills"},
            [("partitionBy", "DAY WAL; DROP TABLE fills is not one of HOUR, DAY, WEEK, MONTH, YEAR")],
        ),
    ],
)
def test_a_table_whose_types_or_partitioning_are_not_the_declared_keywords_is_refused_before_any_sql(
    change: dict[str, object], failures: list[tuple[str, str]]
) -> None:
    assert [(f.property, f.reason) for f in QuestDBTableProvider().check({}, {**TABLE, **change}).failures] == failures


def test_a_new_kind_of_ready_data_is_its_declaration_and_its_provider_alone() -> None:
    """tests/programs/new_ready_kind.py adds one; the Docker target, the resource type, the
    preview and the spec's checks take it up without a line of theirs changed."""
    plan = run_program("dev", {}, program=ROOT / "tests" / "programs" / "new_ready_kind.py")
    bucket = plan.get(DYNAMIC + "KeyValueBucket", "nats-kv-bucket-PRICES")
    assert bucket.parent == "urn:pulumi:dev::trade2026::trade2026:infra:Nats::nats"
    assert {k: bucket.inputs[k] for k in ("kind", "name", "history")} == {
        "kind": "kv-bucket",
        "name": "PRICES",
        "history": 5,
    }
    assert bucket.dependencies == (
        "urn:pulumi:dev::trade2026::trade2026:infra:Nats$docker:index/container:Container::nats",
    )
    text = format_plan(plan).splitlines()
    start = text.index("    + KeyValueBucket nats-kv-bucket-PRICES")
    assert text[start + 1 : start + 4] == [
        "          history     5 values per key",
        f"          reaches     {bucket.inputs['endpoint']}",
        "          data safety protect: False, retain on delete: False",
    ]
