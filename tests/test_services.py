"""What each component renders: the corrections to the compose setup, one service at a time."""

from __future__ import annotations

import json
import re

import pytest

from offline.engine import Plan, Secret, reveal, run_program
from tests.conftest import CONTAINER, VOLUME, config


def _env(plan: Plan, key: str) -> dict[str, object]:
    """Env of a container as NAME -> value, secret entries kept as Secret."""
    result: dict[str, object] = {}
    for entry in plan.get(CONTAINER, key).inputs.get("envs", []):
        name, value = str(reveal(entry)).split("=", 1)
        result[name] = Secret(value) if isinstance(entry, Secret) else value
    return result


def _uploads(plan: Plan, key: str) -> dict[str, str]:
    return {u["file"]: reveal(u["content"]) for u in plan.get(CONTAINER, key).inputs.get("uploads", [])}


def _credentials(plan: Plan, key: str) -> dict[str, str]:
    return reveal(plan.outputs["credentials"])[key]  # type: ignore[no-any-return]


def test_nats_opens_monitoring_and_probes_jetstream_health(dev_plan: Plan) -> None:
    nats = dev_plan.get(CONTAINER, "nats").inputs
    assert nats["command"] == ["-js", "-sd", "/data", "-m", "8222"]
    assert nats["healthcheck"]["tests"] == [
        "CMD-SHELL",
        "wget -q -O /dev/null 'http://127.0.0.1:8222/healthz?js-enabled-only=true'"
        " && wget -q -O - http://127.0.0.1:8222/jsz | grep -q '\"store_dir\"'",
    ]
    assert [n["name"] for n in nats["networksAdvanced"]] == [
        "trade2026-dev-frontend",
        "trade2026-dev-lowlatency",
        "trade2026-dev-backend",
    ]


def test_valkey_persists_like_compose_and_requires_the_generated_password(dev_plan: Plan) -> None:
    conf = _uploads(dev_plan, "valkey")["/usr/local/etc/valkey/valkey.conf"]
    password = _credentials(dev_plan, "valkey")["password"]
    assert conf.splitlines() == [
        "dir /data",
        "save 60 1000",
        "appendonly yes",
        "maxmemory 192mb",
        "maxmemory-policy noeviction",
        f"requirepass {password}",
    ]
    container = dev_plan.get(CONTAINER, "valkey").inputs
    assert container["command"] == ["valkey-server", "/usr/local/etc/valkey/valkey.conf"]
    assert container["healthcheck"]["tests"] == [
        "CMD-SHELL",
        "REDISCLI_AUTH=\"$(sed -n 's/^requirepass //p' /usr/local/etc/valkey/valkey.conf)\" valkey-cli -p 6379 ping"
        " | grep -qx PONG",
    ]
    assert password not in json.dumps(container["healthcheck"]), "the probe must read the password, not embed it"


def test_valkey_maxmemory_follows_a_memory_override() -> None:
    plan = run_program("dev", config(services={"valkey": {"memoryMb": 1024}}))
    assert "maxmemory 768mb" in _uploads(plan, "valkey")["/usr/local/etc/valkey/valkey.conf"]
    assert plan.get(CONTAINER, "valkey").inputs["memory"] == 1024


def test_questdb_is_probed_with_bash_on_its_health_port_and_drops_obsolete_settings(dev_plan: Plan) -> None:
    questdb = dev_plan.get(CONTAINER, "questdb").inputs
    tests = questdb["healthcheck"]["tests"]
    assert tests[:3] == ["CMD", "bash", "-c"] and "/dev/tcp/127.0.0.1/9003" in tests[3]
    assert 9003 not in {p["internal"] for p in questdb["ports"]}
    env = _env(dev_plan, "questdb")
    assert "QDB_CAIRO_COMMIT_LAG" not in env and env["QDB_CAIRO_O3_MAX_LAG"] == "1000"
    assert env["QDB_PG_USER"] == "trader"
    assert env["QDB_PG_PASSWORD"] == Secret(_credentials(dev_plan, "questdb")["password"])


def test_questdb_heap_is_half_its_memory_limit_as_the_image_would_otherwise_take_a_quarter(dev_plan: Plan) -> None:
    assert dev_plan.get(CONTAINER, "questdb").inputs["memory"] == 512
    assert _env(dev_plan, "questdb")["JVM_PREPEND"] == "-Xmx256m"
    bigger = run_program("dev", config(services={"questdb": {"memoryMb": 1000}}))
    assert _env(bigger, "questdb")["JVM_PREPEND"] == "-Xmx500m"


def test_clickhouse_creates_the_trading_tables_on_first_start(dev_plan: Plan) -> None:
    sql = _uploads(dev_plan, "clickhouse")["/docker-entrypoint-initdb.d/001_trading.sql"]
    assert re.findall(r"CREATE TABLE IF NOT EXISTS (\S+)", sql) == [
        "trading.prism_analytics",
        "trading.order_analytics",
        "trading.portfolio_snapshots",
    ]
    env = _env(dev_plan, "clickhouse")
    assert (env["CLICKHOUSE_DB"], env["CLICKHOUSE_USER"]) == ("trading", "trader")
    assert env["CLICKHOUSE_PASSWORD"] == Secret(_credentials(dev_plan, "clickhouse")["password"])
    assert dev_plan.get(CONTAINER, "clickhouse").inputs["ulimits"] == [
        {"name": "nofile", "soft": 262144, "hard": 262144},
    ]


def test_seaweedfs_serves_s3_on_8333_with_generated_identities(dev_plan: Plan) -> None:
    seaweedfs = dev_plan.get(CONTAINER, "seaweedfs").inputs
    assert seaweedfs["command"] == [
        "server",
        "-dir=/data",
        "-s3",
        "-s3.config=/etc/seaweedfs/s3.json",
        "-master.volumePreallocate=false",
    ]
    assert [p["internal"] for p in seaweedfs["ports"]] == [8333]
    identities = json.loads(_uploads(dev_plan, "seaweedfs")["/etc/seaweedfs/s3.json"])
    credentials = _credentials(dev_plan, "seaweedfs")
    assert identities["identities"][0]["credentials"] == [
        {"accessKey": credentials["accessKey"], "secretKey": credentials["secretKey"]},
    ]
    assert dev_plan.outputs["endpoints"]["seaweedfs"]["s3"].startswith("http://127.0.0.1:")


def test_opensearch_without_security_plugin_on_dev_is_probed_over_plain_http(dev_plan: Plan) -> None:
    env = _env(dev_plan, "opensearch")
    assert env["DISABLE_SECURITY_PLUGIN"] == "true"
    assert env["OPENSEARCH_JAVA_OPTS"] == "-Xms512m -Xmx512m"
    assert "OPENSEARCH_INITIAL_ADMIN_PASSWORD" not in env
    assert dev_plan.get(CONTAINER, "opensearch").inputs["healthcheck"]["tests"][1] == "bash"
    assert "opensearch" not in reveal(dev_plan.outputs["credentials"])


def test_opensearch_with_security_plugin_gets_a_generated_admin_password_and_https_probe() -> None:
    plan = run_program("dev", config(services={"opensearch": {"securityPlugin": True, "memoryMb": 2048}}))
    env = _env(plan, "opensearch")
    assert "DISABLE_SECURITY_PLUGIN" not in env
    assert env["OPENSEARCH_INITIAL_ADMIN_PASSWORD"] == Secret(_credentials(plan, "opensearch")["password"])
    assert env["OPENSEARCH_JAVA_OPTS"] == "-Xms1024m -Xmx1024m"
    probe = plan.get(CONTAINER, "opensearch").inputs["healthcheck"]["tests"]
    assert probe[0] == "CMD-SHELL" and "https://127.0.0.1:9200/_cluster/health" in probe[1]
    assert "$OPENSEARCH_INITIAL_ADMIN_PASSWORD" in probe[1], "the probe must not embed the password"
    assert plan.outputs["endpoints"]["opensearch"]["rest"].startswith("https://")


def test_opensearch_ulimits_follow_its_own_compose_example(dev_plan: Plan) -> None:
    ulimits = {u["name"]: (u["soft"], u["hard"]) for u in dev_plan.get(CONTAINER, "opensearch").inputs["ulimits"]}
    assert ulimits == {"memlock": (-1, -1), "nofile": (65536, 65536)}


def test_postgres_reads_its_password_from_an_uploaded_file(dev_plan: Plan) -> None:
    env = _env(dev_plan, "postgres")
    assert env == {
        "POSTGRES_DB": "library",
        "POSTGRES_USER": "trader",
        "POSTGRES_PASSWORD_FILE": "/run/secrets/postgres-password",
    }
    uploads = _uploads(dev_plan, "postgres")
    assert uploads["/run/secrets/postgres-password"] == _credentials(dev_plan, "postgres")["password"]
    assert re.findall(r"CREATE TABLE (\w+)", uploads["/docker-entrypoint-initdb.d/001_library.sql"]) == [
        "strategies",
        "models",
        "features",
        "backtests",
    ]


def test_opa_loads_the_uploaded_trading_policy_and_probes_health_with_its_own_binary(dev_plan: Plan) -> None:
    opa = dev_plan.get(CONTAINER, "opa").inputs
    assert opa["command"] == ["run", "--server", "--addr=0.0.0.0:8181", "/policies"]
    rego = _uploads(dev_plan, "opa")["/policies/trading.rego"]
    assert "package trading" in rego and "allow if {" in rego
    assert opa["healthcheck"]["tests"][:4] == ["CMD", "/opa", "eval", "--fail"]
    assert "http://127.0.0.1:8181/health" in opa["healthcheck"]["tests"][4]
    assert "volumes" not in opa or opa["volumes"] == []


@pytest.mark.parametrize("key", ["nats", "valkey", "questdb", "clickhouse", "seaweedfs", "opensearch", "postgres"])
def test_each_stateful_service_has_one_data_volume(dev_plan: Plan, key: str) -> None:
    assert dev_plan.get(VOLUME, f"{key}-data").inputs["name"] == f"trade2026-dev-{key}-data"
