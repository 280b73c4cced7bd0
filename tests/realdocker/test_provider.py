"""The Docker provider that tools/docker/provider.sh bridges from kreuzwerker/terraform-provider-docker,
through the real Pulumi CLI: the names the pinned pulumi-docker SDK sends, the provider config it
declares, and a Network, Volume, RemoteImage and Container created, left alone, updated and
destroyed on a real Docker engine."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from contextlib import suppress
from pathlib import Path
from typing import Any

import pulumi
import pulumi_docker as docker
import pytest
from pulumi import automation as auto

from components.targets.docker import go_duration
from tests.realdocker.support import PROVIDER, Diffs, docker_stack, exists, inspect, provider_env

pytestmark = pytest.mark.real_docker

SDK = Path(docker.__file__).parent
PAGE = "hello from trade2026\n"
MIB = 1024 * 1024


def schema(work: Path) -> dict[str, Any]:
    env = provider_env(work)
    plugin = Path(env["TRADE2026_DOCKER_PROVIDER_BIN"]) / PROVIDER
    done = subprocess.run(
        ["pulumi", "package", "get-schema", str(plugin)], env=env, capture_output=True, text=True, check=True
    )
    spec: dict[str, Any] = json.loads(done.stdout)
    return spec


def sdk_names(cls: type) -> set[str]:
    """The Pulumi property names an SDK class sends or reads (its `@pulumi.getter(name=...)`s)."""
    return {
        prop.fget._pulumi_name  # type: ignore[union-attr]
        for prop in vars(cls).values()
        if isinstance(prop, property) and hasattr(prop.fget, "_pulumi_name")
    }


def test_the_plugin_reports_the_version_the_pinned_sdk_asks_the_engine_for(tmp_path: Path) -> None:
    env = provider_env(tmp_path)
    plugin = Path(env["TRADE2026_DOCKER_PROVIDER_BIN"]) / PROVIDER
    reported = subprocess.run([plugin, "-version"], capture_output=True, text=True, check=True).stdout.strip()
    assert reported == "5.2.0"
    assert json.loads((SDK / "pulumi-plugin.json").read_text())["version"] == "5.2.0"
    assert schema(tmp_path)["version"] == "5.2.0"


def test_the_schema_has_the_sdks_resources_and_functions_except_the_native_image(tmp_path: Path) -> None:
    spec = schema(tmp_path)
    assert sorted(spec["resources"]) == [
        "docker:index/buildxBuilder:BuildxBuilder",
        "docker:index/container:Container",
        "docker:index/network:Network",
        "docker:index/plugin:Plugin",
        "docker:index/registryImage:RegistryImage",
        "docker:index/remoteImage:RemoteImage",
        "docker:index/secret:Secret",
        "docker:index/service:Service",
        "docker:index/serviceConfig:ServiceConfig",
        "docker:index/tag:Tag",
        "docker:index/volume:Volume",
    ]
    assert sorted(spec["functions"]) == [
        "docker:index/getLogs:getLogs",
        "docker:index/getNetwork:getNetwork",
        "docker:index/getPlugin:getPlugin",
        "docker:index/getRegistryImage:getRegistryImage",
        "docker:index/getRegistryImageManifests:getRegistryImageManifests",
        "docker:index/getRemoteImage:getRemoteImage",
        "pulumi:providers:docker/terraformConfig",
    ]


def test_every_property_of_every_sdk_resource_and_type_has_the_sdks_name_in_the_schema(tmp_path: Path) -> None:
    spec = schema(tmp_path)
    wrong = []
    for token, resource in spec["resources"].items():
        cls = getattr(docker, token.rsplit(":", 1)[1])
        args = getattr(docker, f"{cls.__name__}Args")
        if sdk_names(args) != set(resource["inputProperties"]):
            wrong.append((token, "inputs", sdk_names(args) ^ set(resource["inputProperties"])))
        if sdk_names(cls) != set(resource["properties"]):
            wrong.append((token, "outputs", sdk_names(cls) ^ set(resource["properties"])))
    for token, shape in spec["types"].items():
        name = token.rsplit(":", 1)[1]
        expected = set(shape.get("properties", {}))
        for cls in (getattr(docker, f"{name}Args", None), getattr(docker.outputs, name, None)):
            if cls is not None and sdk_names(cls) != expected:
                wrong.append((token, cls.__name__, sdk_names(cls) ^ expected))
    if sdk_names(docker.ProviderArgs) != set(spec["provider"]["inputProperties"]):
        wrong.append(("provider", "inputs", sdk_names(docker.ProviderArgs) ^ set(spec["provider"]["inputProperties"])))
    assert wrong == []
    assert set(spec["config"]["variables"]) == set(spec["provider"]["inputProperties"])


def test_the_properties_components_targets_docker_uses_have_its_names(tmp_path: Path) -> None:
    spec = schema(tmp_path)
    resources, types = spec["resources"], spec["types"]

    def inputs(token: str) -> set[str]:
        return set(resources[token]["inputProperties"])

    def fields(name: str) -> set[str]:
        return set(types[f"docker:index/{name}:{name}"]["properties"])

    assert {
        "name", "image", "command", "envs", "ports", "volumes", "networksAdvanced", "healthcheck", "uploads",
        "ulimits", "memory", "stopTimeout", "restart", "securityOpts", "logDriver", "logOpts", "labels", "wait",
        "waitTimeout",
    } <= inputs("docker:index/container:Container")  # fmt: skip
    assert {"internal", "external", "ip", "protocol"} <= fields("ContainerPort")
    assert {"tests", "interval", "timeout", "retries", "startPeriod"} <= fields("ContainerHealthcheck")
    assert {"file", "content"} <= fields("ContainerUpload")
    assert {"name", "soft", "hard"} <= fields("ContainerUlimit")
    assert {"volumeName", "containerPath"} <= fields("ContainerVolume")
    assert {"name", "aliases"} <= fields("ContainerNetworksAdvanced")
    assert {"label", "value"} <= fields("ContainerLabel") & fields("VolumeLabel") & fields("NetworkLabel")
    assert {"ports"} <= set(resources["docker:index/container:Container"]["properties"])
    assert {"name", "keepLocally"} <= inputs("docker:index/remoteImage:RemoteImage")
    assert {"imageId"} <= set(resources["docker:index/remoteImage:RemoteImage"]["properties"])
    assert {"name", "labels"} <= inputs("docker:index/volume:Volume") & inputs("docker:index/network:Network")
    assert {"host", "context", "sshOpts", "registryAuth"} <= set(spec["config"]["variables"])


def _network_only(name: str) -> auto.PulumiFn:
    def program() -> None:
        docker.Network("net", name=name)

    return program


# Nothing listens there: preview must not need a daemon, and these config tests need no engine.
NO_DAEMON = auto.ConfigValue("unix:///nonexistent/trade2026-docker.sock")


def test_the_config_keys_the_sdk_declares_are_accepted_and_preview_needs_no_daemon(tmp_path: Path) -> None:
    password = "registry-pw-3f9a"
    stack = docker_stack(
        tmp_path,
        _network_only("t2026dp-config-net"),
        {
            "docker:host": NO_DAEMON,
            "docker:sshOpts": auto.ConfigValue('["-o", "BatchMode=yes"]'),
            "docker:registryAuth": auto.ConfigValue(
                json.dumps([{"address": "registry.invalid:5000", "username": "trader", "password": password}]),
                secret=True,
            ),
        },
    )
    preview = stack.preview()
    assert preview.change_summary == {"create": 2}
    assert password not in preview.stdout + preview.stderr


def test_a_config_key_the_provider_does_not_have_is_refused_by_name(tmp_path: Path) -> None:
    stack = docker_stack(
        tmp_path,
        _network_only("t2026dp-config-net"),
        {"docker:host": NO_DAEMON, "docker:registryAuths": auto.ConfigValue('[{"address": "registry.invalid"}]')},
    )
    with pytest.raises(auto.CommandError) as refused:
        stack.preview()
    assert (
        "`docker:registryAuths` is not a valid configuration key for the docker provider. "
        "Did you mean `docker:registryAuth`?"
    ) in str(refused.value)


def test_docker_context_reaches_the_provider_which_names_a_context_it_cannot_find(tmp_path: Path) -> None:
    stack = docker_stack(
        tmp_path,
        _network_only("t2026dp-config-net"),
        {"docker:host": NO_DAEMON, "docker:context": auto.ConfigValue("trade2026-no-such-context")},
    )
    with pytest.raises(auto.CommandError) as refused:
        stack.preview()
    assert "Error loading Docker context 'trade2026-no-such-context'" in str(refused.value)


def test_up_creates_a_healthy_container_preview_then_changes_nothing_memory_updates_in_place_destroy_cleans_up(
    tmp_path: Path, engine: str, busybox_image: str, prefix: str
) -> None:
    memory = {"mb": 64}

    def program() -> None:
        labels = {"label": "trade2026.test", "value": prefix}
        network = docker.Network("net", name=f"{prefix}-net", labels=[docker.NetworkLabelArgs(**labels)])
        volume = docker.Volume("data", name=f"{prefix}-data", labels=[docker.VolumeLabelArgs(**labels)])
        # Only this Docker engine has the tag: a pull would fail.
        image = docker.RemoteImage("image", name=busybox_image, keep_locally=True)
        container = docker.Container(
            "web",
            name=f"{prefix}-web",
            image=image.image_id,
            command=["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"],
            envs=["B=2", "A=1"],
            ports=[docker.ContainerPortArgs(internal=8080, ip="127.0.0.1", protocol="tcp")],
            volumes=[docker.ContainerVolumeArgs(volume_name=volume.name, container_path="/data")],
            networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=network.name, aliases=["web"])],
            healthcheck=docker.ContainerHealthcheckArgs(
                tests=["CMD", "/bin/busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/index.html"],
                interval="1s",
                timeout="5s",
                retries=30,
                start_period=go_duration(60),
            ),
            uploads=[docker.ContainerUploadArgs(file="/www/index.html", content=PAGE)],
            ulimits=[docker.ContainerUlimitArgs(name="nofile", soft=1024, hard=2048)],
            memory=memory["mb"],
            # Docker makes an unset swap limit twice the memory, which the provider then reads back
            # as a change (see the memory_swap test below); equal means no swap at all.
            memory_swap=memory["mb"],
            stop_timeout=5,
            restart="unless-stopped",
            security_opts=["no-new-privileges:true"],
            log_driver="json-file",
            log_opts={"max-size": "10m", "max-file": "3"},
            labels=[
                docker.ContainerLabelArgs(**labels),
                docker.ContainerLabelArgs(label="trade2026.service", value="web"),
            ],
            wait=True,
            wait_timeout=60,
            opts=pulumi.ResourceOptions(delete_before_replace=True, replace_on_changes=["healthcheck"]),
        )
        pulumi.export("ports", container.ports)
        pulumi.export("image_id", image.image_id)

    stack = docker_stack(tmp_path, program, {"docker:host": auto.ConfigValue(engine)})
    try:
        created = stack.up()
        assert created.summary.resource_changes == {"create": 5}

        # `wait`: up returned only once the healthcheck passed.
        web = inspect("container", f"{prefix}-web")
        assert (web["State"]["Running"], web["State"]["Health"]["Status"]) == (True, "healthy")
        image_id = inspect("image", busybox_image)["Id"]
        assert web["Image"] == image_id == created.outputs["image_id"].value
        assert web["Config"]["Cmd"] == ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]
        assert sorted(web["Config"]["Env"]) == ["A=1", "B=2"]
        assert web["Config"]["Labels"] == {"trade2026.test": prefix, "trade2026.service": "web"}
        assert web["Config"]["StopTimeout"] == 5
        assert web["Config"]["Healthcheck"] == {
            "Test": ["CMD", "/bin/busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/index.html"],
            "Interval": 1_000_000_000,
            "Timeout": 5_000_000_000,
            "StartPeriod": 60_000_000_000,
            "Retries": 30,
        }
        host = web["HostConfig"]
        assert (host["Memory"], host["MemorySwap"]) == (64 * MIB, 64 * MIB)
        assert host["RestartPolicy"] == {"Name": "unless-stopped", "MaximumRetryCount": 0}
        assert host["LogConfig"] == {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "3"}}
        assert host["SecurityOpt"] == ["no-new-privileges:true"]
        assert host["Ulimits"] == [{"Name": "nofile", "Soft": 1024, "Hard": 2048}]
        assert [(m["Type"], m["Name"], m["Destination"]) for m in web["Mounts"]] == [
            ("volume", f"{prefix}-data", "/data")
        ]
        assert "web" in web["NetworkSettings"]["Networks"][f"{prefix}-net"]["Aliases"]
        [port] = created.outputs["ports"].value
        assert (port["internal"], port["ip"], port["protocol"]) == (8080, "127.0.0.1", "tcp")
        assert web["NetworkSettings"]["Ports"]["8080/tcp"] == [
            {"HostIp": "127.0.0.1", "HostPort": str(port["external"])}
        ]
        # The upload, served by the container on the host port Docker picked.
        with urllib.request.urlopen(f"http://127.0.0.1:{port['external']}/index.html", timeout=10) as page:
            assert page.read().decode() == PAGE

        diffs = Diffs()
        assert stack.preview(on_event=diffs).change_summary == {"same": 5}
        assert diffs.changes == []

        memory["mb"] = 96
        diffs = Diffs()
        assert stack.up(on_event=diffs).summary.resource_changes == {"update": 1, "same": 4}
        assert diffs.changes == [("update", "web", ["memory", "memorySwap"])]
        updated = inspect("container", f"{prefix}-web")
        assert updated["Id"] == web["Id"]
        assert (updated["HostConfig"]["Memory"], updated["HostConfig"]["MemorySwap"]) == (96 * MIB, 96 * MIB)

        diffs = Diffs()
        assert stack.preview(on_event=diffs).change_summary == {"same": 5}
        assert diffs.changes == []

        assert stack.destroy().summary.resource_changes == {"delete": 5}
        assert [exists("container", f"{prefix}-web"), exists("network", f"{prefix}-net")] == [False, False]
        assert exists("volume", f"{prefix}-data") is False
        # keep_locally: another stack on the same engine may still run it.
        assert exists("image", busybox_image) is True
    finally:
        # After a failure, so that the stack's state goes too; the prefix fixture removes any
        # Docker object a failed destroy leaves, and the test's own failure is the one to report.
        with suppress(auto.CommandError):
            stack.destroy()


def test_memory_without_memory_swap_leaves_a_diff_after_up_because_docker_doubles_the_swap(
    tmp_path: Path, engine: str, busybox_image: str, prefix: str
) -> None:
    """Upstream behaviour, kept in view: memory_swap is optional and not computed, so the swap
    limit Docker picks for an unset one (twice the memory) is read back as a change to undo."""

    def program() -> None:
        image = docker.RemoteImage("image", name=busybox_image, keep_locally=True)
        docker.Container(
            "sleeper",
            name=f"{prefix}-sleeper",
            image=image.image_id,
            command=["/bin/busybox", "sleep", "600"],
            memory=64,
        )

    stack = docker_stack(tmp_path, program, {"docker:host": auto.ConfigValue(engine)})
    try:
        assert stack.up().summary.resource_changes == {"create": 3}
        assert inspect("container", f"{prefix}-sleeper")["HostConfig"]["MemorySwap"] == 128 * MIB
        diffs = Diffs()
        assert stack.preview(on_event=diffs).change_summary == {"update": 1, "same": 2}
        assert diffs.changes == [("update", "sleeper", ["memorySwap"])]
    finally:
        # After a failure, so that the stack's state goes too; the prefix fixture removes any
        # Docker object a failed destroy leaves, and the test's own failure is the one to report.
        with suppress(auto.CommandError):
            stack.destroy()
