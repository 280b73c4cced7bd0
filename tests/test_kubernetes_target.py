"""The Kubernetes target under the mock engine: the committed k8s-dev stack, object by object.

Every rendered object is checked against the Kubernetes API's own OpenAPI schema (strict: an
unknown or misspelt field fails) for the oldest and newest Kubernetes this project supports, and
every port, volume, probe, memory limit, upload and credential of each service is written out
here and found on both targets.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import kubernetes_validate
import pytest

from components.settings import ConfigError
from offline.engine import Plan, Registration, Secret, reveal, run_program
from tests.conftest import CONTAINER, PASSWORD, SERVICE_KEYS, config

STACK = "k8s-dev"
NAMESPACE = "trade2026-k8s-dev"
# The oldest and newest Kubernetes minor versions whose schemas kubernetes-validate ships.
OLDEST, NEWEST = "1.25", "1.37"
STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"
SERVICE = "kubernetes:core/v1:Service"
SECRET = "kubernetes:core/v1:Secret"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
NAMESPACE_TYPE = "kubernetes:core/v1:Namespace"


@pytest.fixture(scope="module")
def k8s_plan() -> Plan:
    """The committed k8s-dev stack, as after `pulumi up` against a mock cluster."""
    return run_program(STACK)


def manifest(resource: Registration) -> dict[str, Any]:
    """The object as the provider sends it to the API server (secrets revealed)."""
    value: dict[str, Any] = reveal(resource.inputs)
    return value


def kubernetes_objects(plan: Plan) -> list[Registration]:
    return [r for r in plan.resources if r.type.startswith("kubernetes:")]


def stateful_set(plan: Plan, key: str) -> dict[str, Any]:
    return manifest(plan.get(STATEFUL_SET, key))


def pod_spec(plan: Plan, key: str) -> dict[str, Any]:
    spec: dict[str, Any] = stateful_set(plan, key)["spec"]["template"]["spec"]
    return spec


# Schema ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [OLDEST, NEWEST])
def test_every_rendered_object_validates_strictly_against_the_kubernetes_schema(k8s_plan: Plan, version: str) -> None:
    objects = kubernetes_objects(k8s_plan)
    assert len(objects) == 42, [r.urn for r in objects]
    for resource in objects:
        try:
            kubernetes_validate.validate(manifest(resource), version, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{resource.urn}: {'.'.join(map(str, error.path))}: {error.message}")


def test_a_misspelt_field_fails_the_schema(k8s_plan: Plan) -> None:
    broken = copy.deepcopy(stateful_set(k8s_plan, "nats"))
    container = broken["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError, match="readinesProbe"):
        kubernetes_validate.validate(broken, NEWEST, strict=True)


# One catalog, two targets ----------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """What the dev data sheets say of one service, written out by hand."""

    # role -> container port; `published` names the roles a laptop reaches
    ports: dict[str, int]
    published: set[str]
    data: list[str]
    # ("http", port, path) or ("exec", shell command)
    probe: tuple[Any, ...]
    memory_mb: int
    # container path -> holds a credential
    uploads: dict[str, bool]
    credentials: list[str]
    # Seconds a stop waits after SIGTERM; None: the platform's default.
    stop_timeout: int | None = None


SHEETS = {
    "nats": Sheet(
        {"client": 4222, "monitoring": 8222},
        {"client", "monitoring"},
        ["/data"],
        (
            "exec",
            "wget -q -O /dev/null 'http://127.0.0.1:8222/healthz?js-enabled-only=true'"
            " && wget -q -O - http://127.0.0.1:8222/jsz | grep -q '\"store_dir\"'",
        ),
        256,
        {},
        [],
    ),
    "valkey": Sheet(
        {"client": 6379},
        {"client"},
        ["/data"],
        (
            "exec",
            "REDISCLI_AUTH=\"$(sed -n 's/^requirepass //p' /usr/local/etc/valkey/valkey.conf)\" valkey-cli -p 6379 ping"
            " | grep -qx PONG",
        ),
        256,
        {"/usr/local/etc/valkey/valkey.conf": True},
        ["password"],
    ),
    "questdb": Sheet(
        {"http": 9000, "ilp": 9009, "pg": 8812, "health": 9003},
        {"http", "ilp", "pg"},
        ["/var/lib/questdb"],
        ("http", 9003, "/"),
        512,
        {},
        ["pg-password"],
    ),
    "clickhouse": Sheet(
        {"http": 8123, "native": 9000, "interserver": 9009},
        {"http", "native"},
        ["/var/lib/clickhouse"],
        ("http", 8123, "/ping"),
        1024,
        {"/docker-entrypoint-initdb.d/001_trading.sql": False},
        ["password"],
    ),
    "seaweedfs": Sheet(
        {"s3": 8333, "master": 9333, "volume": 8080, "filer": 8888},
        {"s3"},
        ["/data"],
        ("http", 8333, "/healthz"),
        256,
        {"/etc/seaweedfs/s3.json": True},
        ["s3-access-key", "s3-secret-key"],
        stop_timeout=60,
    ),
    # The dev config runs OpenSearch without its security plugin: plain HTTP, no credential.
    "opensearch": Sheet(
        {"rest": 9200, "transport": 9300, "performance-analyzer": 9600},
        {"rest"},
        ["/usr/share/opensearch/data"],
        ("http", 9200, "/_cluster/health?wait_for_status=yellow&timeout=2s"),
        1024,
        {},
        [],
    ),
    "postgres": Sheet(
        {"client": 5432},
        {"client"},
        ["/var/lib/postgresql/data"],
        ("exec", "pg_isready -h 127.0.0.1 -p 5432 -U trader -d library"),
        256,
        {"/run/secrets/postgres-password": True, "/docker-entrypoint-initdb.d/001_library.sql": False},
        ["password"],
    ),
    "opa": Sheet({"rest": 8181}, {"rest"}, [], ("http", 8181, "/health"), 128, {"/policies/trading.rego": False}, []),
}


@pytest.fixture(scope="module")
def both() -> tuple[Plan, Plan]:
    """The dev config rendered by each target: the Docker stack, and the same on a cluster."""
    return run_program("dev"), run_program("dev", config(platform="kubernetes"))


def test_the_sheets_cover_every_service() -> None:
    assert list(SHEETS) == SERVICE_KEYS


def _probe_text(probe: dict[str, Any]) -> tuple[Any, ...]:
    if "httpGet" in probe:
        return ("http", probe["httpGet"]["port"], probe["httpGet"]["path"])
    command = probe["exec"]["command"]
    assert command[:2] == ["/bin/sh", "-c"], command
    return ("exec", command[2])


@pytest.mark.parametrize("key", SERVICE_KEYS)
def test_both_targets_render_every_port_volume_probe_memory_limit_upload_credential_and_stop_timeout(
    both: tuple[Plan, Plan], key: str
) -> None:
    docker_plan, k8s_plan = both
    sheet = SHEETS[key]

    container = reveal(docker_plan.get(CONTAINER, key).inputs)
    assert {p["internal"] for p in container["ports"]} == {sheet.ports[r] for r in sheet.published}, "docker ports"
    assert [v["containerPath"] for v in container.get("volumes", [])] == sheet.data, "docker volumes"
    tests = " ".join(container["healthcheck"]["tests"])
    assert all(str(part) in tests for part in sheet.probe[1:]), f"docker probe {tests}"
    assert container["memory"] == sheet.memory_mb, "docker memory"
    assert container.get("stopTimeout") == sheet.stop_timeout, "docker stop timeout"
    assert [u["file"] for u in container.get("uploads", [])] == list(sheet.uploads), "docker uploads"
    passwords = {r.name for r in docker_plan.of_type(PASSWORD) if r.name.startswith(f"{key}-")}
    assert passwords == {f"{key}-{c}" for c in sheet.credentials}, "docker credentials"

    workload = reveal(k8s_plan.get(STATEFUL_SET, key).inputs)
    pod = workload["spec"]["template"]["spec"]
    (main,) = pod["containers"]
    assert sorted(p["containerPort"] for p in main["ports"]) == sorted(sheet.ports.values()), "kubernetes ports"
    service = reveal(k8s_plan.get(SERVICE, key).inputs)
    assert {p["name"]: p["port"] for p in service["spec"]["ports"]} == sheet.ports, "kubernetes service ports"
    claims = [t["metadata"]["name"] for t in workload["spec"].get("volumeClaimTemplates", [])]
    mounts = {m["mountPath"]: m for m in main["volumeMounts"]}
    assert [path for path, m in mounts.items() if m["name"] in claims] == sheet.data, "kubernetes volumes"
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert _probe_text(main[kind]) == sheet.probe, kind
    # In the canonical form the API server stores (and pulumi-kubernetes writes): 1024Mi is 1Gi.
    memory = {1024: "1Gi"}.get(sheet.memory_mb, f"{sheet.memory_mb}Mi")
    assert main["resources"]["limits"]["memory"] == memory, "kubernetes memory"
    assert pod.get("terminationGracePeriodSeconds") == sheet.stop_timeout, "kubernetes stop timeout"
    files = {path: m["name"] == "secret-files" for path, m in mounts.items() if m["name"] not in claims}
    assert files == sheet.uploads, "kubernetes uploads (True: from a Secret)"
    if sheet.credentials:
        secret = reveal(k8s_plan.get(SECRET, f"{key}-credentials").inputs)
        assert sorted(secret["stringData"]) == sorted(sheet.credentials), "kubernetes credentials"
    else:
        assert f"{key}-credentials" not in {r.name for r in k8s_plan.of_type(SECRET)}
    docker_credentials, k8s_credentials = (reveal(plan.outputs["credentials"]).get(key, {}) for plan in both)
    assert sorted(docker_credentials) == sorted(k8s_credentials), "the credentials output has one shape"


# What each service's pod is given ----------------------------------------------------------------


def test_generated_credentials_reach_containers_through_secret_key_refs_never_as_literal_env(k8s_plan: Plan) -> None:
    env = {e["name"]: e for e in pod_spec(k8s_plan, "questdb")["containers"][0]["env"]}
    assert env["QDB_PG_PASSWORD"] == {
        "name": "QDB_PG_PASSWORD",
        "valueFrom": {"secretKeyRef": {"name": "questdb-credentials", "key": "pg-password"}},
    }
    assert env["QDB_PG_USER"] == {"name": "QDB_PG_USER", "value": "trader"}
    for key in SERVICE_KEYS:
        for variable in pod_spec(k8s_plan, key)["containers"][0].get("env", []):
            assert not str(variable.get("value", "")).startswith("Mock"), (
                f"{key}: {variable['name']} is a literal password"
            )


def test_files_holding_credentials_are_secrets_and_the_rest_config_maps(k8s_plan: Plan) -> None:
    valkey = k8s_plan.get(SECRET, "valkey-secret-files")
    assert list(manifest(valkey)["stringData"]) == ["valkey.conf"]
    assert "requirepass Mock" in manifest(valkey)["stringData"]["valkey.conf"]
    assert isinstance(valkey.inputs["stringData"], Secret), "kept secret in Pulumi state"
    assert list(manifest(k8s_plan.get(CONFIG_MAP, "postgres-files"))["data"]) == ["001_library.sql"]
    assert pod_spec(k8s_plan, "postgres")["volumes"] == [
        {"name": "files", "configMap": {"name": "postgres-files-363147bf"}},
        {"name": "secret-files", "secret": {"secretName": "postgres-secret-files-64f7834e"}},
    ]


def test_pods_run_with_no_privilege_escalation_runtime_default_seccomp_and_dropped_capabilities(
    k8s_plan: Plan,
) -> None:
    nats, postgres, opensearch = (pod_spec(k8s_plan, key) for key in ("nats", "postgres", "opensearch"))
    assert nats["securityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}}
    assert nats["containers"][0]["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
    }
    # The entrypoint chowns the data directory as root, then switches to the postgres user.
    assert postgres["containers"][0]["securityContext"]["capabilities"] == {
        "drop": ["ALL"],
        "add": ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"],
    }
    # OpenSearch runs as uid/gid 1000 from the start: its claim is made writable for group 1000.
    assert opensearch["securityContext"] == {
        "seccompProfile": {"type": "RuntimeDefault"},
        "fsGroup": 1000,
        "fsGroupChangePolicy": "OnRootMismatch",
    }
    assert (nats["automountServiceAccountToken"], nats["enableServiceLinks"]) == (False, False)


def test_an_http_probe_on_an_http_port_is_an_http_get_and_a_command_probe_an_exec(k8s_plan: Plan) -> None:
    clickhouse = pod_spec(k8s_plan, "clickhouse")["containers"][0]
    assert clickhouse["readinessProbe"] == {
        "httpGet": {"path": "/ping", "port": 8123, "scheme": "HTTP"},
        "periodSeconds": 10,
        "timeoutSeconds": 5,
        "failureThreshold": 3,
    }
    assert clickhouse["livenessProbe"]["failureThreshold"] == 6
    # k8s-dev keeps OpenSearch's security plugin on: TLS and login, so the command probe (curl).
    opensearch = pod_spec(k8s_plan, "opensearch")["containers"][0]
    assert opensearch["startupProbe"] == {
        "exec": {
            "command": [
                "/bin/sh",
                "-c",
                'printf \'user = "admin:%s"\\n\' "$(printf \'%s\' "$OPENSEARCH_INITIAL_ADMIN_PASSWORD"'
                " | sed 's/[\\\\\"]/\\\\&/g')\" | curl -K - -fsk -o /dev/null"
                " 'https://127.0.0.1:9200/_cluster/health?wait_for_status=yellow&timeout=2s'",
            ]
        },
        "periodSeconds": 10,
        "timeoutSeconds": 5,
        "failureThreshold": 18,  # `pulumi up` waits 180 s for OpenSearch
    }


def test_pods_carry_one_label_per_network_and_each_network_admits_only_its_members(k8s_plan: Plan) -> None:
    labels = stateful_set(k8s_plan, "nats")["spec"]["template"]["metadata"]["labels"]
    assert labels == {
        "app.kubernetes.io/name": "nats",
        "app.kubernetes.io/instance": "trade2026-k8s-dev",
        "trade2026.io/network-frontend": "true",
        "trade2026.io/network-lowlatency": "true",
        "trade2026.io/network-backend": "true",
    }
    policies = {r.name: manifest(r)["spec"] for r in k8s_plan.of_type(NETWORK_POLICY)}
    assert policies["default-deny-ingress"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    members = {"matchLabels": {"trade2026.io/network-lowlatency": "true"}}
    assert policies["network-lowlatency"] == {
        "podSelector": members,
        "policyTypes": ["Ingress"],
        "ingress": [{"from": [{"podSelector": members}]}],
    }
    assert sorted(policies) == ["default-deny-ingress", "network-backend", "network-frontend", "network-lowlatency"]


def test_nothing_is_reachable_from_outside_the_cluster(k8s_plan: Plan) -> None:
    services = {r.name: manifest(r)["spec"] for r in k8s_plan.of_type(SERVICE)}
    assert {spec["type"] for spec in services.values()} == {"ClusterIP"}
    assert services["nats-headless"]["clusterIP"] == "None"
    assert "postgres-library" in services, "the compose setup's DNS alias"
    for key in SERVICE_KEYS:
        for port in pod_spec(k8s_plan, key)["containers"][0]["ports"]:
            assert "hostPort" not in port, key


def test_every_namespaced_object_is_in_the_stacks_namespace(k8s_plan: Plan) -> None:
    namespaces = {manifest(r)["metadata"].get("namespace") for r in kubernetes_objects(k8s_plan)}
    assert namespaces == {NAMESPACE, None}
    (namespace,) = k8s_plan.of_type(NAMESPACE_TYPE)
    assert manifest(namespace)["metadata"] == {
        "name": NAMESPACE,
        "labels": {
            "trade2026.io/stack": "k8s-dev",
            "pod-security.kubernetes.io/enforce": "baseline",
            "pod-security.kubernetes.io/audit": "restricted",
        },
    }


def test_outputs_keep_their_shape_with_cluster_dns_names_and_a_port_forward_line(k8s_plan: Plan) -> None:
    outputs = reveal(k8s_plan.outputs)
    assert outputs["internalEndpoints"]["clickhouse"] == {
        "http": "http://clickhouse.trade2026-k8s-dev.svc:8123",
        "native": "tcp://clickhouse.trade2026-k8s-dev.svc:9000",
        "interserver": "http://clickhouse.trade2026-k8s-dev.svc:9009",
    }
    assert outputs["endpoints"]["clickhouse"] == {"http": "http://127.0.0.1:8123", "native": "tcp://127.0.0.1:19000"}
    assert outputs["portForward"]["clickhouse"] == (
        "kubectl --namespace trade2026-k8s-dev port-forward service/clickhouse 8123:8123 19000:9000"
    )
    assert sorted(outputs["credentials"]["postgres"]) == ["database", "password", "user"]


def test_port_forward_lines_naming_a_secret_kubernetes_context_are_secret_outputs() -> None:
    raw = {**config(STACK), "kubernetes:context": "vault-prod-cluster"}
    secret = run_program(STACK, raw, secret_keys=("kubernetes:context",)).outputs["portForward"]
    assert all(isinstance(line, Secret) for line in secret.values()), secret
    assert reveal(secret["opa"]) == (
        "kubectl --context vault-prod-cluster --namespace trade2026-k8s-dev port-forward service/opa 8181:8181"
    )
    plain = run_program(STACK, raw).outputs["portForward"]
    assert not any(isinstance(line, Secret) for line in plain.values())


# Config of the Kubernetes target ---------------------------------------------------------------


def test_storage_class_and_size_are_set_per_data_volume() -> None:
    volumes = {"clickhouse": {"data": {"size": "50Gi", "storageClass": "fast-ssd"}}}
    plan = run_program(STACK, config(STACK, kubernetes={"storageClass": "standard", "volumes": volumes}))
    claims = {key: stateful_set(plan, key)["spec"]["volumeClaimTemplates"][0]["spec"] for key in ("clickhouse", "nats")}
    assert claims["clickhouse"] == {
        "accessModes": ["ReadWriteOnce"],
        "storageClassName": "fast-ssd",
        "resources": {"requests": {"storage": "50Gi"}},
    }
    assert claims["nats"] == {
        "accessModes": ["ReadWriteOnce"],
        "storageClassName": "standard",
        "resources": {"requests": {"storage": "1Gi"}},
    }


def test_an_unknown_data_volume_is_refused_naming_the_key() -> None:
    with pytest.raises(ConfigError) as caught:
        run_program(STACK, config(STACK, kubernetes={"volumes": {"postgres": {"dtaa": {"size": "2Gi"}}}}))
    assert str(caught.value).splitlines() == [
        "invalid stack config:",
        "  trade2026:kubernetes.volumes.postgres.dtaa: postgres has no data volume dtaa (it has: data)",
    ]


def test_the_namespace_override_moves_every_object() -> None:
    plan = run_program(STACK, config(STACK, kubernetes={"namespace": "trading-blue"}))
    namespaces = {manifest(r)["metadata"].get("namespace") for r in kubernetes_objects(plan)}
    assert namespaces == {"trading-blue", None}
    assert reveal(plan.outputs)["internalEndpoints"]["nats"]["client"] == "nats://nats.trading-blue.svc:4222"


def test_a_switched_off_service_keeps_its_claims_and_credentials_but_runs_no_pod() -> None:
    plan = run_program(STACK, config(STACK, services={"postgres": {"enabled": False}}))
    postgres = stateful_set(plan, "postgres")["spec"]
    assert (postgres["replicas"], postgres["persistentVolumeClaimRetentionPolicy"]) == (
        0,
        {"whenDeleted": "Retain", "whenScaled": "Retain"},
    )
    assert "postgres-credentials" in {r.name for r in plan.of_type(SECRET)}
    assert not {"postgres", "postgres-headless"} & {r.name for r in plan.of_type(SERVICE)}
    assert "postgres" not in reveal(plan.outputs)["portForward"]


def test_wait_for_healthy_and_protect_data_apply_on_the_cluster() -> None:
    plan = run_program(STACK, config(STACK, waitForHealthy=False, protectData=True))
    nats = plan.get(STATEFUL_SET, "nats")
    assert manifest(nats)["metadata"]["annotations"] == {"pulumi.com/skipAwait": "true"}
    assert manifest(plan.get(SERVICE, "nats"))["metadata"]["annotations"] == {"pulumi.com/skipAwait": "true"}
    (namespace,) = plan.of_type(NAMESPACE_TYPE)
    # Deleting the namespace would delete the claims in it.
    assert (namespace.protect, namespace.retain_on_delete, nats.protect) == (True, True, True)
