"""Frozen identities: every URN of the dev stack, written out.

A URN is how the engine matches a resource to what is deployed: a changed type token, resource
name or parent replaces the resource on the next `pulumi up` (for a data volume: deletes the data;
with `protect`, fails the plan). So a change to this list is a reviewed change, and a rename carries
`aliases` naming the old identity, as tests/programs/renamed_nats.py shows and the last test checks.
"""

from __future__ import annotations

import yaml

from components.settings import NAMESPACE
from offline.engine import PROJECT, ROOT, Plan, run_program

DEV_URNS = [
    "urn:pulumi:dev::trade2026::docker:index/network:Network::backend",
    "urn:pulumi:dev::trade2026::docker:index/network:Network::frontend",
    "urn:pulumi:dev::trade2026::docker:index/network:Network::lowlatency",
    "urn:pulumi:dev::trade2026::trade2026:infra:ClickHouse$docker:index/container:Container::clickhouse",
    "urn:pulumi:dev::trade2026::trade2026:infra:ClickHouse$docker:index/remoteImage:RemoteImage::clickhouse-image",
    "urn:pulumi:dev::trade2026::trade2026:infra:ClickHouse$docker:index/volume:Volume::clickhouse-data",
    "urn:pulumi:dev::trade2026::trade2026:infra:ClickHouse$random:index/randomPassword:RandomPassword::clickhouse-password",
    "urn:pulumi:dev::trade2026::trade2026:infra:ClickHouse::clickhouse",
    "urn:pulumi:dev::trade2026::trade2026:infra:Nats$docker:index/container:Container::nats",
    "urn:pulumi:dev::trade2026::trade2026:infra:Nats$docker:index/remoteImage:RemoteImage::nats-image",
    "urn:pulumi:dev::trade2026::trade2026:infra:Nats$docker:index/volume:Volume::nats-data",
    "urn:pulumi:dev::trade2026::trade2026:infra:Nats$pulumi-python:dynamic/trade2026:JetStreamStream::nats-stream-ANALYTICS",
    "urn:pulumi:dev::trade2026::trade2026:infra:Nats$pulumi-python:dynamic/trade2026:JetStreamStream::nats-stream-MARKETDATA",
    "urn:pulumi:dev::trade2026::trade2026:infra:Nats$pulumi-python:dynamic/trade2026:JetStreamStream::nats-stream-ORDERS",
    "urn:pulumi:dev::trade2026::trade2026:infra:Nats::nats",
    "urn:pulumi:dev::trade2026::trade2026:infra:OPA$docker:index/container:Container::opa",
    "urn:pulumi:dev::trade2026::trade2026:infra:OPA$docker:index/remoteImage:RemoteImage::opa-image",
    "urn:pulumi:dev::trade2026::trade2026:infra:OPA::opa",
    "urn:pulumi:dev::trade2026::trade2026:infra:OpenSearch$docker:index/container:Container::opensearch",
    "urn:pulumi:dev::trade2026::trade2026:infra:OpenSearch$docker:index/remoteImage:RemoteImage::opensearch-image",
    "urn:pulumi:dev::trade2026::trade2026:infra:OpenSearch$docker:index/volume:Volume::opensearch-data",
    "urn:pulumi:dev::trade2026::trade2026:infra:OpenSearch$pulumi-python:dynamic/trade2026:IndexTemplate::opensearch-index-template-logs",
    "urn:pulumi:dev::trade2026::trade2026:infra:OpenSearch$pulumi-python:dynamic/trade2026:IndexTemplate::opensearch-index-template-orders",
    "urn:pulumi:dev::trade2026::trade2026:infra:OpenSearch$pulumi-python:dynamic/trade2026:IndexTemplate::opensearch-index-template-trades",
    "urn:pulumi:dev::trade2026::trade2026:infra:OpenSearch::opensearch",
    "urn:pulumi:dev::trade2026::trade2026:infra:Postgres$docker:index/container:Container::postgres",
    "urn:pulumi:dev::trade2026::trade2026:infra:Postgres$docker:index/remoteImage:RemoteImage::postgres-image",
    "urn:pulumi:dev::trade2026::trade2026:infra:Postgres$docker:index/volume:Volume::postgres-data",
    "urn:pulumi:dev::trade2026::trade2026:infra:Postgres$random:index/randomPassword:RandomPassword::postgres-password",
    "urn:pulumi:dev::trade2026::trade2026:infra:Postgres::postgres",
    "urn:pulumi:dev::trade2026::trade2026:infra:QuestDB$docker:index/container:Container::questdb",
    "urn:pulumi:dev::trade2026::trade2026:infra:QuestDB$docker:index/remoteImage:RemoteImage::questdb-image",
    "urn:pulumi:dev::trade2026::trade2026:infra:QuestDB$docker:index/volume:Volume::questdb-data",
    "urn:pulumi:dev::trade2026::trade2026:infra:QuestDB$pulumi-python:dynamic/trade2026:QuestDBTable::questdb-table-fills",
    "urn:pulumi:dev::trade2026::trade2026:infra:QuestDB$pulumi-python:dynamic/trade2026:QuestDBTable::questdb-table-orders",
    "urn:pulumi:dev::trade2026::trade2026:infra:QuestDB$pulumi-python:dynamic/trade2026:QuestDBTable::questdb-table-ticks",
    "urn:pulumi:dev::trade2026::trade2026:infra:QuestDB$random:index/randomPassword:RandomPassword::questdb-pg-password",
    "urn:pulumi:dev::trade2026::trade2026:infra:QuestDB::questdb",
    "urn:pulumi:dev::trade2026::trade2026:infra:SeaweedFS$docker:index/container:Container::seaweedfs",
    "urn:pulumi:dev::trade2026::trade2026:infra:SeaweedFS$docker:index/remoteImage:RemoteImage::seaweedfs-image",
    "urn:pulumi:dev::trade2026::trade2026:infra:SeaweedFS$docker:index/volume:Volume::seaweedfs-data",
    "urn:pulumi:dev::trade2026::trade2026:infra:SeaweedFS$pulumi-python:dynamic/trade2026:S3Bucket::seaweedfs-bucket-backtest-results",
    "urn:pulumi:dev::trade2026::trade2026:infra:SeaweedFS$pulumi-python:dynamic/trade2026:S3Bucket::seaweedfs-bucket-log-archives",
    "urn:pulumi:dev::trade2026::trade2026:infra:SeaweedFS$pulumi-python:dynamic/trade2026:S3Bucket::seaweedfs-bucket-models",
    "urn:pulumi:dev::trade2026::trade2026:infra:SeaweedFS$pulumi-python:dynamic/trade2026:S3Bucket::seaweedfs-bucket-reports",
    "urn:pulumi:dev::trade2026::trade2026:infra:SeaweedFS$random:index/randomPassword:RandomPassword::seaweedfs-s3-access-key",
    "urn:pulumi:dev::trade2026::trade2026:infra:SeaweedFS$random:index/randomPassword:RandomPassword::seaweedfs-s3-secret-key",
    "urn:pulumi:dev::trade2026::trade2026:infra:SeaweedFS::seaweedfs",
    "urn:pulumi:dev::trade2026::trade2026:infra:Valkey$docker:index/container:Container::valkey",
    "urn:pulumi:dev::trade2026::trade2026:infra:Valkey$docker:index/remoteImage:RemoteImage::valkey-image",
    "urn:pulumi:dev::trade2026::trade2026:infra:Valkey$docker:index/volume:Volume::valkey-data",
    "urn:pulumi:dev::trade2026::trade2026:infra:Valkey$random:index/randomPassword:RandomPassword::valkey-password",
    "urn:pulumi:dev::trade2026::trade2026:infra:Valkey::valkey",
]
NATS_URNS = [urn for urn in DEV_URNS if "::trade2026:infra:Nats" in urn]


def test_every_urn_of_the_dev_stack_is_the_pinned_one(dev_plan: Plan) -> None:
    assert [r.urn for r in dev_plan.resources] == DEV_URNS


def test_no_resource_of_the_dev_stack_carries_an_alias_yet(dev_plan: Plan) -> None:
    assert [r.urn for r in dev_plan.resources if r.aliases] == []


def test_a_renamed_type_token_with_an_alias_maps_every_old_urn_to_its_new_one() -> None:
    plan = run_program("dev", {}, program=ROOT / "tests" / "programs" / "renamed_nats.py")
    renamed = {r.urn: r.aliases for r in plan.resources if "MessageBus" in r.urn}
    prefix = "urn:pulumi:dev::trade2026::trade2026:infra:"
    assert renamed == {
        "urn:pulumi:dev::trade2026::trade2026:infra:MessageBus::nats": (
            "urn:pulumi:dev::trade2026::trade2026:infra:Nats::nats",
        ),
        "urn:pulumi:dev::trade2026::trade2026:infra:MessageBus$docker:index/container:Container::nats": (
            "urn:pulumi:dev::trade2026::trade2026:infra:Nats$docker:index/container:Container::nats",
        ),
        "urn:pulumi:dev::trade2026::trade2026:infra:MessageBus$docker:index/remoteImage:RemoteImage::nats-image": (
            "urn:pulumi:dev::trade2026::trade2026:infra:Nats$docker:index/remoteImage:RemoteImage::nats-image",
        ),
        "urn:pulumi:dev::trade2026::trade2026:infra:MessageBus$docker:index/volume:Volume::nats-data": (
            "urn:pulumi:dev::trade2026::trade2026:infra:Nats$docker:index/volume:Volume::nats-data",
        ),
        **{
            f"{prefix}MessageBus{stream}": (f"{prefix}Nats{stream}",)
            for stream in (
                "$pulumi-python:dynamic/trade2026:JetStreamStream::nats-stream-ANALYTICS",
                "$pulumi-python:dynamic/trade2026:JetStreamStream::nats-stream-MARKETDATA",
                "$pulumi-python:dynamic/trade2026:JetStreamStream::nats-stream-ORDERS",
            )
        },
    }
    assert sorted(alias for aliases in renamed.values() for alias in aliases) == sorted(NATS_URNS)


def test_the_project_name_is_pulumi_yamls_and_the_config_namespace_is_the_project() -> None:
    """Pulumi.yaml is the one place the project is named: URNs, config keys and Docker names follow it."""
    assert yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["name"] == PROJECT == NAMESPACE == "trade2026"
