"""The resource-type allow-list (issue 19): exactly what the program registers passes, on every
committed stack and under every setting that changes what is rendered; any other type, and any
provider of the program's own, is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from harness import check_resource, default_provider, provider_of
from trade2026_policies import POLICIES
from trade2026_policies.allowlist import ALLOWED_TYPES, PROVIDERS
from trade2026_policies.framework import CONTAINER

from offline.engine import ROOT, Plan, run_program
from offline.gate import run_gate
from tests.conftest import config
from tests.supplied import SECRET_KEYS, SUPPLIED, credentials_config

BY_NAME = {policy.name: policy for policy in POLICIES}
TYPES = BY_NAME["allowed-resource-types"]
PROVIDER_RULE = BY_NAME["no-explicit-providers"]
CI, PROD = (ROOT / "policies" / "config" / f"{env}.json" for env in ("ci", "prod"))

# Written out: the types the program registers (besides its own components), per target.
DOCKER_TYPES = {
    "docker:index/container:Container",
    "docker:index/volume:Volume",
    "docker:index/network:Network",
    "docker:index/remoteImage:RemoteImage",
    "random:index/randomPassword:RandomPassword",
    "pulumi-python:dynamic/trade2026:JetStreamStream",
    "pulumi-python:dynamic/trade2026:QuestDBTable",
    "pulumi-python:dynamic/trade2026:S3Bucket",
    "pulumi-python:dynamic/trade2026:IndexTemplate",
}
KUBERNETES_TYPES = {
    "kubernetes:core/v1:Namespace",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:core/v1:ConfigMap",
    "kubernetes:core/v1:Secret",
    "kubernetes:core/v1:Service",
    "random:index/randomPassword:RandomPassword",
}


# (stack, trade2026 settings, whether credentials are supplied): every setting that changes what
# the program renders. Each must pass its environment's gate with no violation at all.
KNOBS: list[Any] = [
    pytest.param("dev", {}, False, id="dev"),
    pytest.param("dev", {"hostPorts": "fixed"}, False, id="dev fixed ports"),
    pytest.param("dev", {"hostPorts": "fixed", "portBlock": 3}, False, id="dev fixed port block"),
    pytest.param("dev", {"bindAddress": "::1"}, False, id="dev bindAddress ::1"),
    pytest.param("dev", {"waitForHealthy": False}, False, id="dev waitForHealthy false"),
    pytest.param("dev", {"protectData": True}, False, id="dev protectData"),
    pytest.param("dev", {}, True, id="dev supplied credentials"),
    pytest.param("dev", {"services": {"opensearch": {"securityPlugin": True}}}, False, id="dev OpenSearch security on"),
    pytest.param(
        "dev",
        {"services": {"opensearch": {"enabled": False}, "questdb": {"enabled": False}}},
        False,
        id="dev services disabled",
    ),
    pytest.param(
        "dev",
        {"services": {"clickhouse": {"memoryMb": 768}, "valkey": {"memoryMb": 128, "waitTimeoutSeconds": 30}}},
        False,
        id="dev memory and wait overrides",
    ),
    pytest.param("dev", {"services": {"nats": {"image": "nats:2.10.29-alpine"}}}, False, id="dev image override"),
    pytest.param("prod", {}, False, id="prod"),
    pytest.param("prod", {}, True, id="prod supplied credentials"),
    pytest.param("prod", {"services": {"seaweedfs": {"enabled": False}}}, False, id="prod service disabled"),
    pytest.param("k8s-dev", {}, False, id="k8s-dev"),
    pytest.param("k8s-dev", {}, True, id="k8s-dev supplied credentials"),
    pytest.param(
        "k8s-dev",
        {
            "kubernetes": {
                "storageClass": "fast",
                "volumeSize": "5Gi",
                "volumes": {"postgres": {"data": {"size": "20Gi"}}},
            }
        },
        False,
        id="k8s-dev storage",
    ),
    pytest.param(
        "k8s-dev",
        {"services": {"opensearch": {"securityPlugin": True, "memoryMb": 1280}, "opa": {"enabled": False}}},
        False,
        id="k8s-dev OpenSearch security on, memory, service disabled",
    ),
]


def _plan(stack: str, settings: dict[str, Any], supplied: bool) -> tuple[Plan, dict[str, str]]:
    # dev runs OpenSearch without its security plugin, so it has no admin password to supply.
    credentials = {k: v for k, v in SUPPLIED.items() if stack != "dev" or k != "opensearch"}
    raw = {**config(stack, **settings), **(credentials_config(credentials) if supplied else {})}
    keys = SECRET_KEYS if supplied else ()
    return run_program(stack, raw, secret_keys=keys, preview=True), raw


@pytest.mark.parametrize(("stack", "settings", "supplied"), KNOBS)
def test_every_setting_of_the_committed_stacks_passes_its_gate_with_no_violation(
    stack: str, settings: dict[str, Any], supplied: bool
) -> None:
    plan, raw = _plan(stack, settings, supplied)
    report = run_gate(plan, PROD if stack == "prod" else CI, config=raw)
    assert report.violations == [], report.format()


def test_the_program_registers_exactly_the_allowed_types_across_every_setting() -> None:
    docker: set[str] = set()
    kubernetes: set[str] = set()
    for knob in [*KNOBS, pytest.param("dev", {"registryMirror": "mirror.example.net:5000/hub"}, False)]:
        stack, settings, supplied = knob.values
        plan, _ = _plan(stack, settings, supplied)
        found = {r.type for r in plan.resources if r.custom}
        (kubernetes if stack.startswith("k8s") else docker).update(found)
    assert docker == DOCKER_TYPES
    assert kubernetes == KUBERNETES_TYPES
    assert DOCKER_TYPES | KUBERNETES_TYPES | set(PROVIDERS) == ALLOWED_TYPES


def test_a_registry_mirror_passes_once_the_environment_allows_its_host_and_fails_naming_it_before(
    tmp_path: Path,
) -> None:
    plan, raw = _plan("dev", {"registryMirror": "mirror.example.net:5000/hub"}, False)
    refused = run_gate(plan, CI, config=raw)
    assert {(v.policy, v.resource.split(": ")[0]) for v in refused.violations} == {
        ("allowed-images", "docker:index/remoteImage:RemoteImage")
    }
    assert len(refused.violations) == 8
    assert refused.violations[0].detail.endswith(
        "comes from registry mirror.example.net:5000, which this environment does not allow"
    )
    policy_config = tmp_path / "ci.json"
    policy_config.write_text(
        json.dumps({"all": "mandatory", "allowed-images": {"allowedRegistries": ["mirror.example.net:5000"]}})
    )
    assert run_gate(plan, policy_config, config=raw).violations == []


def test_a_bind_address_on_every_interface_fails_only_the_loopback_rule(tmp_path: Path) -> None:
    plan, raw = _plan("dev", {"bindAddress": "0.0.0.0"}, False)
    report = run_gate(plan, CI, config=raw)
    assert {v.policy for v in report.violations} == {"loopback-port-bindings"}


def test_a_namespace_of_the_stacks_choosing_passes_once_the_namespace_rule_is_told(tmp_path: Path) -> None:
    policy_config = tmp_path / "ci.json"
    policy_config.write_text(json.dumps({"all": "mandatory", "kubernetes-stack-namespace": {"namespace": "trading"}}))
    plan, raw = _plan("k8s-dev", {"kubernetes": {"namespace": "trading"}}, False)
    assert run_gate(plan, policy_config, config=raw).violations == []


# Types outside the list ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "type_",
    [
        "docker:index/service:Service",
        "docker:index/plugin:Plugin",
        "docker:index/image:Image",
        "docker:index/registryImage:RegistryImage",
        "docker:index/tag:Tag",
        "docker:index/secret:Secret",
        "pulumi-python:dynamic:Resource",
        "pulumi-python:dynamic/tools:Bootstrap",
        "pulumi-nodejs:dynamic:Resource",
        "command:local:Command",
        "command:remote:Command",
        "random:index/randomString:RandomString",
        "aws:s3/bucket:Bucket",
        "pulumi:pulumi:StackReference",
        "kubernetes:core/v1:ReplicationController",
        "kubernetes:core/v1:Pod",
        "kubernetes:apps/v1:Deployment",
        "kubernetes:apps/v1:DaemonSet",
        "kubernetes:core/v1:PodPatch",
        "kubernetes:apps/v1:DeploymentPatch",
        "kubernetes:core/v1:NamespacePatch",
        "kubernetes:core/v1:PersistentVolume",
        "kubernetes:core/v1:PersistentVolumeClaim",
        "kubernetes:networking.k8s.io/v1:Ingress",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        "kubernetes:helm.sh/v3:Release",
        "kubernetes:helm.sh/v4:Chart",
        "kubernetes:yaml/v2:ConfigGroup",
        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration",
    ],
)
def test_a_type_the_program_does_not_register_is_refused(type_: str) -> None:
    provider = provider_of(type_)
    assert check_resource(TYPES, {}, type_=type_, name="x", provider=provider) == [
        f"{type_} x (through {provider.resource_type}) is not a resource type this stack is made of"
    ]


def test_an_environment_may_allow_further_types_by_glob() -> None:
    hpa = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
    allowed = {"allowedTypes": ["kubernetes:autoscaling/*"]}
    assert check_resource(TYPES, {}, type_=hpa, provider=provider_of(hpa), config=allowed) == []


def test_components_and_the_stack_carry_no_provider_and_pass() -> None:
    for type_ in ("trade2026:infra:Nats", "pulumi:pulumi:Stack", "anything:at:All"):
        assert check_resource(TYPES, {}, type_=type_) == [], type_


@pytest.mark.parametrize("type_", sorted(ALLOWED_TYPES))
def test_every_allowed_type_passes_through_its_provider(type_: str) -> None:
    provider = None if type_ in PROVIDERS else provider_of(type_)
    assert check_resource(TYPES, {}, type_=type_, provider=provider, parent=None) == []


def test_a_provider_of_a_package_the_program_does_not_use_is_refused_even_without_a_provider() -> None:
    assert check_resource(TYPES, {}, type_="pulumi:providers:command", name="default", parent=None) == [
        "pulumi:providers:command default is not a resource type this stack is made of"
    ]


# Providers -----------------------------------------------------------------------------------------


def test_the_engines_default_providers_pass() -> None:
    for package, name in (("docker", "default_5_2_0"), ("kubernetes", "default_4_25_0"), ("pulumi-python", "default")):
        props = {"version": "5.2.0", "host": "ssh://alice@devbox"}
        type_ = f"pulumi:providers:{package}"
        assert check_resource(PROVIDER_RULE, props, type_=type_, name=name, parent=None) == [], package


@pytest.mark.parametrize(
    ("name", "props", "settings"),
    [
        ("build-box", {"host": "ssh://ci@10.20.0.5", "sshOpts": ["-o", "ProxyCommand=sh"]}, "host, sshOpts"),
        # The engine's naming, but registered by the program: the stack is its parent.
        ("default_5_2_1", {"host": "tcp://10.0.0.9:2375"}, "host"),
        ("cluster", {"kubeconfig": "apiVersion: v1", "version": "4.25.0"}, "kubeconfig"),
        ("plain", {}, "no settings"),
    ],
)
def test_a_provider_of_the_programs_own_is_refused_naming_its_settings_never_their_values(
    name: str, props: dict[str, Any], settings: str
) -> None:
    type_ = "pulumi:providers:docker"
    found = check_resource(PROVIDER_RULE, props, type_=type_, name=name)
    assert found == [
        f"{type_} {name} is an explicit provider ({settings}); resources through it escape the stack's config"
    ]
    assert not any("10.20.0.5" in m or "ProxyCommand" in m for m in found)


def test_an_environment_may_allow_an_explicit_provider_by_name() -> None:
    found = check_resource(
        PROVIDER_RULE,
        {"host": "ssh://ci@10.20.0.5"},
        type_="pulumi:providers:docker",
        name="build-box",
        config={"allowedProviders": ["build-*"]},
    )
    assert found == []


def test_a_container_through_the_default_docker_provider_passes_the_type_rule() -> None:
    provider = default_provider("docker", "5.2.0")
    assert check_resource(TYPES, {"name": "trade2026-dev-nats"}, type_=CONTAINER, provider=provider) == []
