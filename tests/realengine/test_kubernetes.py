"""The Kubernetes provider built from its module, rendering manifests with no cluster and no
kubeconfig (`renderYamlToDirectory`): `pulumi up` writes files, `destroy` removes them."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s
import pytest
import yaml

from tests.realengine.support import engine_env, inline_stack, require_plugin

pytestmark = pytest.mark.real_engine

MANIFEST = Path("1-manifest/v1-configmap-default-trade2026-settings.yaml")


def test_up_renders_a_configmap_without_a_cluster_a_data_change_replaces_it_destroy_removes_it(tmp_path: Path) -> None:
    rendered = tmp_path / "rendered"
    data = {"bindAddress": "127.0.0.1"}

    def program() -> None:
        render = k8s.Provider("render", render_yaml_to_directory=str(rendered))
        k8s.core.v1.ConfigMap(
            "settings",
            metadata={"name": "trade2026-settings", "namespace": "default"},
            data=data,
            opts=pulumi.ResourceOptions(provider=render),
        )

    env = engine_env(tmp_path)
    require_plugin(env, "pulumi-resource-kubernetes")
    stack = inline_stack(tmp_path, program, env)

    assert stack.up().summary.resource_changes == {"create": 3}
    assert yaml.safe_load((rendered / MANIFEST).read_text()) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "trade2026-settings", "namespace": "default"},
        "data": {"bindAddress": "127.0.0.1"},
    }
    assert stack.up().summary.resource_changes == {"same": 3}

    # The provider replaces a ConfigMap whose data changed rather than updating it in place (unless
    # the provider's enableConfigMapMutable is set), so that workloads mounting it roll over.
    data = {"bindAddress": "0.0.0.0"}
    assert stack.up().summary.resource_changes == {"replace": 1, "same": 2}
    assert yaml.safe_load((rendered / MANIFEST).read_text())["data"] == {"bindAddress": "0.0.0.0"}

    assert stack.destroy().summary.resource_changes == {"delete": 3}
    assert not (rendered / MANIFEST).exists()
