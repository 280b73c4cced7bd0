"""The project's Kubernetes stack (`__main__.py` with Pulumi.k8s-dev.yaml and supplied credentials)
through the real engine and the Kubernetes provider 4.25.0, rendering to a directory with no
cluster and no kubeconfig: the preview passes our policy pack, `up` writes manifests that validate
strictly, a second `up` changes nothing, a changed setting touches only its own objects, `destroy`
removes every file, and the state holds no credential in plain text."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from pulumi import automation as auto

from offline.engine import reveal, run_program
from tests.conftest import config
from tests.realengine.project import Steps, cli, our_pack, project_stack
from tests.supplied import SUPPLIED, VALUES, credentials_config

pytestmark = pytest.mark.real_engine

STACK = "k8s-dev"
CI = str(Path(__file__).resolve().parents[2] / "policies" / "config" / "ci.json")
# 42 Kubernetes objects, 8 service components and the stack itself.
RESOURCES = 51


@dataclass
class Deployed:
    stack: auto.Stack
    up: auto.UpResult
    rendered: Path


def rendering_stack(work: Path, **config: str) -> tuple[auto.Stack, Path]:
    rendered = work / "rendered"
    stack = project_stack(work, STACK, {"kubernetes:renderYamlToDirectory": str(rendered), **config})
    return stack, rendered


def manifests(rendered: Path) -> dict[str, dict[str, Any]]:
    """File name (under 1-manifest/) -> the object it holds."""
    return {path.name: yaml.safe_load(path.read_text()) for path in sorted(rendered.glob("1-manifest/*.yaml"))}


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    stack, rendered = rendering_stack(tmp_path_factory.mktemp("k8s"))
    return Deployed(stack, stack.up(), rendered)


def test_the_preview_passes_our_policy_pack_under_the_ci_config(tmp_path: Path) -> None:
    stack, rendered = rendering_stack(tmp_path)
    output: list[str] = []
    preview = stack.preview(policy_packs=[our_pack(tmp_path)], policy_pack_configs=[CI], on_output=output.append)
    assert preview.change_summary == {"create": RESOURCES}
    text = "".join(output)
    assert "trade2026@v0.3.0" in text
    assert "Policy Violations" not in text
    assert not rendered.exists(), "a preview writes no manifest"


def test_up_creates_every_object_and_writes_one_manifest_per_kubernetes_object(deployed: Deployed) -> None:
    assert deployed.up.summary.resource_changes == {"create": RESOURCES}
    written = manifests(deployed.rendered)
    assert len(written) == 42
    assert sorted({(m["apiVersion"], m["kind"]) for m in written.values()}) == [
        ("apps/v1", "StatefulSet"),
        ("networking.k8s.io/v1", "NetworkPolicy"),
        ("v1", "ConfigMap"),
        ("v1", "Namespace"),
        ("v1", "Secret"),
        ("v1", "Service"),
    ]
    assert list(deployed.rendered.glob("0-crd/*")) == [], "the stack defines no custom resource types"


@pytest.mark.parametrize("version", ["1.25", "1.37"])
def test_every_written_manifest_validates_strictly(deployed: Deployed, version: str) -> None:
    for name, manifest in manifests(deployed.rendered).items():
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{name}: {'.'.join(map(str, error.path))}: {error.message}")


def test_a_second_up_changes_nothing(deployed: Deployed) -> None:
    before = manifests(deployed.rendered)
    steps = Steps()
    assert deployed.stack.up(on_event=steps).summary.resource_changes == {"same": RESOURCES}
    assert steps.changes == []
    assert manifests(deployed.rendered) == before


def test_the_credentials_secrets_carry_the_supplied_values(deployed: Deployed) -> None:
    # The provider writes Secrets as the API server would store them: `data`, base64.
    secret = manifests(deployed.rendered)["v1-secret-trade2026-k8s-dev-postgres-credentials.yaml"]
    assert secret["data"] == {"password": "dmF1bHQtcG9zdGdyZXMtTDVrSjJoR2Y4ZA=="}  # vault-postgres-L5kJ2hGf8d


def test_the_state_holds_no_supplied_credential_in_plain_text(deployed: Deployed) -> None:
    # What `pulumi stack export` writes (no --show-secrets), and the file backend's own file.
    exported = cli(deployed.stack, "stack", "export")
    assert [value for value in VALUES if value in exported] == []
    state_files = list(Path(deployed.stack.workspace.env_vars["PULUMI_WORK"]).glob("state/.pulumi/stacks/*/*.json"))
    assert [path.name for path in state_files] == ["k8s-dev.json"]
    on_disk = state_files[0].read_text()
    assert [value for value in VALUES if value in on_disk] == []
    assert on_disk.count('"ciphertext"') >= len(VALUES)


def test_outputs_holding_credentials_stay_secret(deployed: Deployed) -> None:
    masked = json.loads(cli(deployed.stack, "stack", "output", "--json"))
    assert sorted(masked) == ["connections", "credentials", "endpoints", "internalEndpoints", "kinds", "portForward"]
    # What each instance is, in plain sight: verify reads it to find each one's check.
    assert masked["kinds"] == {name: name for name in masked["endpoints"]}
    # One secret per service: a client's entry is revealed only with --show-secrets.
    assert masked["credentials"] == dict.fromkeys(SUPPLIED, "[secret]")
    assert set(masked["connections"].values()) == {"[secret]"}
    assert [value for value in VALUES if value in json.dumps(masked)] == []
    shown = json.loads(cli(deployed.stack, "stack", "output", "--json", "--show-secrets"))
    assert shown["credentials"]["postgres"] == {
        "user": "trader",
        "password": "vault-postgres-L5kJ2hGf8d",
        "database": "library",
    }


def test_the_written_manifests_are_the_objects_the_offline_engine_plans(deployed: Deployed) -> None:
    """The mock engine returns a program's inputs as the state; the real provider normalises
    some fields on the way out. Those are named here; anything else differing is a finding."""
    plan = run_program(STACK, {**config(STACK), **credentials_config()}, secret_keys=("trade2026:credentials",))
    offline = {}
    for resource in plan.resources:
        if resource.type.startswith("kubernetes:"):
            obj: dict[str, Any] = reveal(resource.inputs)
            obj["metadata"].setdefault("name", resource.name)
            offline[(obj["kind"], obj["metadata"]["name"])] = obj
    real = {}
    for obj in manifests(deployed.rendered).values():
        name = obj["metadata"]["name"]
        if obj["metadata"].get("annotations") == {"pulumi.com/autonamed": "true"}:
            # The provider notes an auto-named object; the program gives only the name's prefix.
            del obj["metadata"]["annotations"]
            name = AUTONAMED.sub("", name)
            obj["metadata"]["name"] = name
        if "data" in obj and "stringData" in offline.get((obj["kind"], name), {}):
            # stringData is write-only; the provider sends it as base64 `data`, as the API stores it.
            obj["stringData"] = {key: base64.b64decode(value).decode() for key, value in obj.pop("data").items()}
        real[(obj["kind"], name)] = obj
    assert sorted(real) == sorted(offline)
    differing = [key for key in sorted(real) if _unsuffixed(real[key]) != _unsuffixed(offline[key])]
    assert differing == []


AUTONAMED = re.compile(r"-[0-9a-f]{8}$")


def _unsuffixed(obj: dict[str, Any]) -> str:
    """The object with the random suffix of every auto-named ConfigMap/Secret it refers to cut
    (the mock engine's suffixes are not the provider's)."""
    return re.sub(r"(-(?:secret-)?files)-[0-9a-f]{8}\"", r'\1"', json.dumps(obj, sort_keys=True))


def test_a_memory_change_updates_its_workload_and_replaces_its_config_and_destroy_removes_every_file(
    tmp_path: Path,
) -> None:
    stack, rendered = rendering_stack(tmp_path)
    stack.up()
    old_config = sorted(rendered.glob("1-manifest/v1-secret-trade2026-k8s-dev-valkey-secret-files-*.yaml"))
    assert len(old_config) == 1

    stack.set_config("trade2026:services.valkey.memoryMb", auto.ConfigValue("128"), path=True)
    steps = Steps()
    assert stack.up(on_event=steps).summary.resource_changes == {"update": 1, "replace": 1, "same": RESOURCES - 2}
    # valkey.conf holds maxmemory (3/4 of the limit): its Secret is immutable, so a new one is
    # made first, the StatefulSet moves to it, and only then is the old one deleted.
    assert steps.changes == [
        ("create-replacement", "valkey-secret-files"),
        ("replace", "valkey-secret-files"),
        ("update", "valkey"),
        ("delete-replaced", "valkey-secret-files"),
    ]
    valkey = yaml.safe_load((rendered / "1-manifest/apps_v1-statefulset-trade2026-k8s-dev-valkey.yaml").read_text())
    container = valkey["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"] == {"limits": {"memory": "128Mi"}, "requests": {"memory": "128Mi"}}
    (new_config,) = sorted(rendered.glob("1-manifest/v1-secret-trade2026-k8s-dev-valkey-secret-files-*.yaml"))
    assert new_config != old_config[0]
    assert valkey["spec"]["template"]["spec"]["volumes"] == [
        {"name": "secret-files", "secret": {"secretName": new_config.stem.removeprefix("v1-secret-trade2026-k8s-dev-")}}
    ]
    conf = base64.b64decode(yaml.safe_load(new_config.read_text())["data"]["valkey.conf"]).decode()
    assert "maxmemory 96mb\n" in conf

    assert stack.destroy().summary.resource_changes == {"delete": RESOURCES}
    assert sorted(rendered.glob("*/*")) == []
