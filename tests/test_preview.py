"""The offline preview prints nothing the mock engine made up as if it were real."""

from __future__ import annotations

import contextlib
import io
from functools import cache

from offline import preview
from offline.engine import Plan, run_program
from tests.conftest import config


@cache
def _printed(stack: str) -> list[str]:
    """What `./preview.sh --stack <stack>` prints (run once per stack: each run starts the gate)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert preview.main(["--stack", stack]) == 0
    return out.getvalue().splitlines()


def _section(lines: list[str], start: str, end: str) -> list[str]:
    first = lines.index(start)
    return lines[first : lines.index(end, first)]


def test_header_names_each_marker_that_stands_for_a_value_only_up_knows() -> None:
    assert _printed("dev")[:5] == [
        "Offline preview of stack 'dev' (mock engine: no Pulumi CLI, no Docker)",
        "Simulated, so shown as what they are, never as values:",
        "  <assigned at up>  a host port Docker picks on `pulumi up` (hostPorts: auto); "
        "fixed host ports show as numbers",
        "  <pulled at up>    an image id, known once Docker has pulled the image",
        "  [secret]          a generated credential, or a value holding one (`pulumi stack output --show-secrets`)",
    ]


def test_docker_assigned_ports_image_ids_and_secret_env_values_print_as_what_they_are() -> None:
    lines = _printed("dev")
    container = _section(lines, "    + Container clickhouse", "    + RandomPassword clickhouse-password")
    assert container[2:4] == [
        "          image       <pulled at up>",
        "          ports       127.0.0.1:<assigned at up>->8123/tcp, 127.0.0.1:<assigned at up>->9000/tcp",
    ]
    assert (
        "          env         CLICKHOUSE_DB=trading, CLICKHOUSE_USER=trader, CLICKHOUSE_PASSWORD=[secret], "
        "CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT=1"
    ) in container
    assert (
        "          env         QDB_PG_USER=trader, QDB_PG_PASSWORD=[secret], QDB_CAIRO_O3_MAX_LAG=1000, "
        "JVM_PREPEND=-Xmx256m"
    ) in lines


def test_endpoints_with_docker_assigned_ports_say_so() -> None:
    lines = _printed("dev")
    assert _section(lines, "    endpoints:", "    internalEndpoints:") == [
        "    endpoints:",
        "        clickhouse:",
        "            http: http://127.0.0.1:<assigned at up>",
        "            native: tcp://127.0.0.1:<assigned at up>",
        "        nats:",
        "            client: nats://127.0.0.1:<assigned at up>",
        "            monitoring: http://127.0.0.1:<assigned at up>",
        "        opa:",
        "            rest: http://127.0.0.1:<assigned at up>",
        "        opensearch:",
        "            rest: http://127.0.0.1:<assigned at up>",
        "        postgres:",
        "            client: postgresql://127.0.0.1:<assigned at up>",
        "        questdb:",
        "            http: http://127.0.0.1:<assigned at up>",
        "            ilp: tcp://127.0.0.1:<assigned at up>",
        "            pg: postgresql://127.0.0.1:<assigned at up>",
        "        seaweedfs:",
        "            s3: http://127.0.0.1:<assigned at up>",
        "        valkey:",
        "            client: redis://127.0.0.1:<assigned at up>",
    ]
    assert not [line for line in lines if ":327" in line or ":328" in line], "a mock-assigned port was printed"


def test_fixed_host_ports_print_as_the_numbers_up_publishes() -> None:
    lines = _printed("prod")
    assert "          ports       127.0.0.1:8123->8123/tcp, 127.0.0.1:19000->9000/tcp" in lines
    assert _section(lines, "        nats:", "        opa:")[:3] == [
        "        nats:",
        "            client: nats://127.0.0.1:4222",
        "            monitoring: http://127.0.0.1:8222",
    ]
    assert "<assigned at up>" not in "\n".join(lines[5:])


def test_the_mock_engine_records_the_ports_it_made_up_and_none_it_was_given() -> None:
    auto = run_program("dev")
    assert auto.assigned_ports == frozenset(range(32768, 32780))  # 12 published ports
    fixed: Plan = run_program("dev", config(hostPorts="fixed", portBlock=3))
    assert fixed.assigned_ports == frozenset()


def test_the_preview_run_leaves_a_port_docker_is_to_pick_unknown_and_a_fixed_one_known() -> None:
    auto = run_program("dev", preview=True)
    assert repr(auto.outputs["endpoints"]["nats"]) == "(known after up)"
    fixed = run_program("dev", config(hostPorts="fixed"), preview=True)
    assert fixed.outputs["endpoints"]["nats"] == {
        "client": "nats://127.0.0.1:4222",
        "monitoring": "http://127.0.0.1:8222",
    }


def test_a_kubernetes_stack_explains_only_the_markers_it_can_show() -> None:
    assert _printed("k8s-dev")[:3] == [
        "Offline preview of stack 'k8s-dev' (mock engine: no Pulumi CLI, no cluster)",
        "Simulated, so shown as what they are, never as values:",
        "  [secret]          a generated credential, or a value holding one (`pulumi stack output --show-secrets`)",
    ]


def test_a_workload_shows_what_a_reviewer_checks_from_image_to_capabilities() -> None:
    lines = _printed("k8s-dev")
    workload = _section(lines, "    + StatefulSet seaweedfs", "+ trade2026:infra:Valkey valkey")
    assert workload == [
        "    + StatefulSet seaweedfs",
        "          name        trade2026-k8s-dev/seaweedfs",
        "          image       chrislusf/seaweedfs:4.30   replicas 1",
        "          ports       s3 8333, master 9333, volume 8080, filer 8888",
        "          claims      data 1Gi (the default class) at /data",
        "                      Retain when the set is deleted, Retain when scaled down",
        "          files       /etc/seaweedfs/s3.json (Secret)",
        "          probe       GET :8333/healthz",
        "          limits      memory 256Mi, stop grace 60 s",
        "          security    privilege escalation no, seccomp RuntimeDefault",
        "                      capabilities: drop ALL, add none",
    ]


def test_secrets_show_their_keys_never_their_values_and_services_their_ports() -> None:
    lines = _printed("k8s-dev")
    credentials = _section(lines, "    + Secret seaweedfs-credentials", "    + Secret seaweedfs-secret-files")
    assert credentials[2] == "          keys        s3-access-key, s3-secret-key   (values [secret])"
    assert _section(lines, "    + Service seaweedfs-headless", "    + StatefulSet seaweedfs")[2:] == [
        "          type        ClusterIP (headless: a DNS name per pod)",
        "          ports       s3 8333->8333, master 9333->9333, volume 8080->8080, filer 8888->8888",
    ]


def test_network_policies_say_which_pods_they_select_and_admit() -> None:
    lines = _printed("k8s-dev")
    assert _section(lines, "+ NetworkPolicy default-deny-ingress", "+ NetworkPolicy network-backend")[2:] == [
        "      selects     every pod",
        "      admits      nothing (ingress denied)",
    ]
    assert _section(lines, "+ NetworkPolicy network-backend", "+ NetworkPolicy network-frontend")[2:] == [
        "      selects     pods with trade2026.io/network-backend=true",
        "      admits      pods with trade2026.io/network-backend=true",
    ]
