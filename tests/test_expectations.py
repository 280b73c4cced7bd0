"""Each service of the dev stack, written out by hand: what a reviewer checks against the images'
documentation. Nothing here is read from components/; a changed probe, port, volume path, image,
network, memory limit or type token turns a row red, and changing the row is the reviewed change."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from offline.engine import Plan
from tests.conftest import CONTAINER, IMAGE

BASH_PROBE = (
    "exec 3<>/dev/tcp/127.0.0.1/{port} && printf 'GET {path} HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' >&3"
    " && read -r status <&3 && [[ $status == 'HTTP/1.'?' 200'* ]]"
)


@dataclass(frozen=True)
class Expected:
    type: str
    image: str
    # role -> (URL inside the stack, published on the host)
    ports: dict[str, tuple[str, bool]]
    probe: list[str]
    # container path -> Docker volume
    volumes: dict[str, str]
    networks: list[str]
    # Names other containers reach it by, on each of its networks.
    dns: list[str]
    memory: int
    # Healthcheck start period (as Docker writes durations) and how long `pulumi up` waits.
    start_period: str = "0s"
    wait_timeout: int = 60


EXPECTED = {
    "nats": Expected(
        type="trade2026:infra:Nats",
        image="nats:2.10.29-alpine",
        ports={"client": ("nats://nats:4222", True), "monitoring": ("http://nats:8222", True)},
        probe=[
            "CMD-SHELL",
            "wget -q -O /dev/null 'http://127.0.0.1:8222/healthz?js-enabled-only=true'"
            " && wget -q -O - http://127.0.0.1:8222/jsz | grep -q '\"store_dir\"'",
        ],
        volumes={"/data": "trade2026-dev-nats-data"},
        networks=["trade2026-dev-frontend", "trade2026-dev-lowlatency", "trade2026-dev-backend"],
        dns=["nats"],
        memory=256,
    ),
    "valkey": Expected(
        type="trade2026:infra:Valkey",
        image="valkey/valkey:8.1.3-alpine",
        ports={"client": ("redis://valkey:6379", True)},
        probe=[
            "CMD-SHELL",
            "REDISCLI_AUTH=\"$(sed -n 's/^requirepass //p' /usr/local/etc/valkey/valkey.conf)\""
            " valkey-cli -p 6379 ping | grep -qx PONG",
        ],
        volumes={"/data": "trade2026-dev-valkey-data"},
        networks=["trade2026-dev-lowlatency", "trade2026-dev-backend"],
        dns=["valkey"],
        memory=256,
    ),
    "questdb": Expected(
        type="trade2026:infra:QuestDB",
        image="questdb/questdb:8.3.3",
        ports={
            "http": ("http://questdb:9000", True),
            "ilp": ("tcp://questdb:9009", True),
            "pg": ("postgresql://questdb:8812", True),
            "health": ("http://questdb:9003", False),
        },
        probe=["CMD", "bash", "-c", BASH_PROBE.format(port=9003, path="/")],
        volumes={"/var/lib/questdb": "trade2026-dev-questdb-data"},
        networks=["trade2026-dev-lowlatency", "trade2026-dev-backend"],
        dns=["questdb"],
        memory=512,
        start_period="10s",
        wait_timeout=90,
    ),
    "clickhouse": Expected(
        type="trade2026:infra:ClickHouse",
        image="clickhouse/clickhouse-server:24.9.2.42",
        ports={
            "http": ("http://clickhouse:8123", True),
            "native": ("tcp://clickhouse:9000", True),
            "interserver": ("http://clickhouse:9009", False),
        },
        probe=["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8123/ping"],
        volumes={"/var/lib/clickhouse": "trade2026-dev-clickhouse-data"},
        networks=["trade2026-dev-backend"],
        dns=["clickhouse"],
        memory=1024,
        start_period="30s",
        wait_timeout=120,
    ),
    "seaweedfs": Expected(
        type="trade2026:infra:SeaweedFS",
        image="chrislusf/seaweedfs:4.30",
        ports={
            "s3": ("http://seaweedfs:8333", True),
            "master": ("http://seaweedfs:9333", False),
            "volume": ("http://seaweedfs:8080", False),
            "filer": ("http://seaweedfs:8888", False),
        },
        probe=["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8333/healthz"],
        volumes={"/data": "trade2026-dev-seaweedfs-data"},
        networks=["trade2026-dev-backend"],
        dns=["seaweedfs"],
        memory=256,
        wait_timeout=90,
    ),
    # The dev stack runs OpenSearch without its security plugin (Pulumi.dev.yaml).
    "opensearch": Expected(
        type="trade2026:infra:OpenSearch",
        image="opensearchproject/opensearch:2.19.1",
        ports={
            "rest": ("http://opensearch:9200", True),
            "transport": ("tcp://opensearch:9300", False),
            "performance-analyzer": ("http://opensearch:9600", False),
        },
        probe=[
            "CMD",
            "bash",
            "-c",
            BASH_PROBE.format(port=9200, path="/_cluster/health?wait_for_status=yellow&timeout=2s"),
        ],
        volumes={"/usr/share/opensearch/data": "trade2026-dev-opensearch-data"},
        networks=["trade2026-dev-backend"],
        dns=["opensearch"],
        memory=1024,
        start_period="1m0s",
        wait_timeout=180,
    ),
    "postgres": Expected(
        type="trade2026:infra:Postgres",
        image="postgres:16.9-alpine",
        ports={"client": ("postgresql://postgres:5432", True)},
        probe=["CMD-SHELL", "pg_isready -h 127.0.0.1 -p 5432 -U trader -d library"],
        volumes={"/var/lib/postgresql/data": "trade2026-dev-postgres-data"},
        networks=["trade2026-dev-backend"],
        dns=["postgres", "postgres-library"],
        memory=256,
    ),
    "opa": Expected(
        type="trade2026:infra:OPA",
        image="openpolicyagent/opa:1.21.1",
        ports={"rest": ("http://opa:8181", True)},
        probe=[
            "CMD",
            "/opa",
            "eval",
            "--fail",
            'http.send({"method": "get", "url": "http://127.0.0.1:8181/health"}).status_code = 200',
        ],
        volumes={},
        networks=["trade2026-dev-backend"],
        dns=["opa"],
        memory=128,
    ),
}
KEYS = list(EXPECTED)


def _component_outputs(plan: Plan, key: str) -> dict[str, object]:
    urn = f"urn:pulumi:dev::trade2026::{EXPECTED[key].type}::{key}"
    assert urn in plan.component_outputs, f"{urn}: no component registered outputs under this URN"
    return plan.component_outputs[urn]


@pytest.mark.parametrize("key", KEYS)
def test_component_is_registered_under_its_literal_type_token(dev_plan: Plan, key: str) -> None:
    component = dev_plan.get(EXPECTED[key].type, key)
    assert not component.custom and component.parent == "urn:pulumi:dev::trade2026::pulumi:pulumi:Stack::trade2026-dev"


@pytest.mark.parametrize("key", KEYS)
def test_image_is_the_pinned_release_and_outlives_the_stack_on_the_host(dev_plan: Plan, key: str) -> None:
    # keepLocally: another stack on the same Docker host may still run this image.
    assert dev_plan.get(IMAGE, f"{key}-image").inputs == {"name": EXPECTED[key].image, "keepLocally": True}


@pytest.mark.parametrize("key", KEYS)
def test_every_port_is_declared_by_role_and_only_the_public_ones_are_published(dev_plan: Plan, key: str) -> None:
    expected = EXPECTED[key].ports
    outputs = _component_outputs(dev_plan, key)
    assert outputs["internalEndpoints"] == {role: url for role, (url, _) in expected.items()}
    published = {int(url.rsplit(":", 1)[1]) for url, public in expected.values() if public}
    assert {p["internal"] for p in dev_plan.get(CONTAINER, key).inputs["ports"]} == published
    # Ascending, as the Docker provider reads them back (else a diff on every preview after up).
    internal = [p["internal"] for p in dev_plan.get(CONTAINER, key).inputs["ports"]]
    assert internal == sorted(internal)
    assert set(outputs["endpoints"]) == {role for role, (_, public) in expected.items() if public}  # type: ignore[arg-type]


@pytest.mark.parametrize("key", KEYS)
def test_healthcheck_probes_the_right_port_with_a_tool_the_image_has(dev_plan: Plan, key: str) -> None:
    assert dev_plan.get(CONTAINER, key).inputs["healthcheck"]["tests"] == EXPECTED[key].probe


@pytest.mark.parametrize("key", KEYS)
def test_slow_starters_get_a_start_period_and_a_longer_wait(dev_plan: Plan, key: str) -> None:
    container = dev_plan.get(CONTAINER, key).inputs
    timing = {name: value for name, value in container["healthcheck"].items() if name != "tests"}
    assert timing == {"interval": "10s", "timeout": "5s", "retries": 3, "startPeriod": EXPECTED[key].start_period}
    assert container["waitTimeout"] == EXPECTED[key].wait_timeout


@pytest.mark.parametrize("key", KEYS)
def test_data_lives_on_the_services_volume_at_the_images_data_path(dev_plan: Plan, key: str) -> None:
    mounts = dev_plan.get(CONTAINER, key).inputs.get("volumes", [])
    assert {m["containerPath"]: m["volumeName"] for m in mounts} == EXPECTED[key].volumes


@pytest.mark.parametrize("key", KEYS)
def test_container_joins_exactly_its_networks(dev_plan: Plan, key: str) -> None:
    networks = dev_plan.get(CONTAINER, key).inputs["networksAdvanced"]
    assert [n["name"] for n in networks] == EXPECTED[key].networks


@pytest.mark.parametrize("key", KEYS)
def test_container_answers_to_its_dns_names_on_every_network(dev_plan: Plan, key: str) -> None:
    networks = dev_plan.get(CONTAINER, key).inputs["networksAdvanced"]
    assert [n["aliases"] for n in networks] == [EXPECTED[key].dns] * len(EXPECTED[key].networks)


@pytest.mark.parametrize("key", KEYS)
def test_container_memory_limit_is_the_services_default(dev_plan: Plan, key: str) -> None:
    assert dev_plan.get(CONTAINER, key).inputs["memory"] == EXPECTED[key].memory
    # Swap equal to memory: none at all (Docker would otherwise double it, and the provider report it).
    assert dev_plan.get(CONTAINER, key).inputs["memorySwap"] == EXPECTED[key].memory


def test_the_table_covers_every_container_of_the_stack(dev_plan: Plan) -> None:
    assert sorted(c.name for c in dev_plan.of_type(CONTAINER)) == sorted(KEYS)
