"""Offline preview: what `pulumi up` would create for a stack, and the policy gate's verdict.

    python -m offline.preview [--stack dev] [--policy-config FILE]

Runs the real program under the mock engine twice: once as `pulumi preview` would (the plan the
policy gate analyses; computed values unknown) and once as after `pulumi up` against a mock
Docker, so the stack outputs show what each developer gets. Nothing the mock made up is printed as
if it were real: a Docker-assigned host port, an image id and a secret each print as what they are.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi

from components.ready import describe as describe_ready

from .analyzer import GateError
from .engine import (
    UNKNOWN,
    Plan,
    Registration,
    Secret,
    StackConfigError,
    load_committed_stack,
    program_failure,
    reveal,
    run_program,
)
from .gate import environment_config, run_gate
from .policy_config import PolicyConfigError

READY_DATA = "pulumi-python:dynamic/trade2026:"
# Plan order: what a reader looks for first; registration order itself is not deterministic.
_SHORT_TYPES = {
    "docker:index/network:Network": "Network",
    "docker:index/volume:Volume": "Volume",
    "docker:index/remoteImage:RemoteImage": "RemoteImage",
    "docker:index/container:Container": "Container",
    "random:index/randomPassword:RandomPassword": "RandomPassword",
    # Every kind of ready data (components/ready.py) ranks here, each under its own name.
    READY_DATA: "",
    "kubernetes:core/v1:Namespace": "Namespace",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": "NetworkPolicy",
    "kubernetes:core/v1:Secret": "Secret",
    "kubernetes:core/v1:ConfigMap": "ConfigMap",
    "kubernetes:core/v1:Service": "Service",
    "kubernetes:apps/v1:StatefulSet": "StatefulSet",
}


# What stands in for a value only `pulumi up` can know; the header explains each.
ASSIGNED = "<assigned at up>"
PULLED = "<pulled at up>"
SECRET = "[secret]"
_SIMULATED = "Simulated, so shown as what they are, never as values:"
_SECRET_LINE = f"  {SECRET:16}  a generated credential, or a value holding one (`pulumi stack output --show-secrets`)"
HEADER = "\n".join(
    [
        "Offline preview of stack '{stack}' (mock engine: no Pulumi CLI, no Docker)",
        _SIMULATED,
        f"  {ASSIGNED:16}  a host port Docker picks on `pulumi up` (hostPorts: auto); fixed host ports show as numbers",
        f"  {PULLED:16}  an image id, known once Docker has pulled the image",
        _SECRET_LINE,
    ]
)
# A Kubernetes stack publishes no host port and pulls no image itself: only secrets stand in.
KUBERNETES_HEADER = "\n".join(
    ["Offline preview of stack '{stack}' (mock engine: no Pulumi CLI, no cluster)", _SIMULATED, _SECRET_LINE]
)
# A host port in a URL or forwarding spec: after a colon, as a whole number.
_PORT_IN_TEXT = re.compile(r"(?<=:)[0-9]+(?![0-9])")


def _ports(ports: list[dict[str, Any]]) -> str:
    rendered = []
    for port in ports:
        external = port.get("external") or ASSIGNED
        rendered.append(f"{port.get('ip', '0.0.0.0')}:{external}->{port['internal']}/{port.get('protocol', 'tcp')}")
    return ", ".join(rendered) or "none published"


def _env_entry(entry: Any, applied: Any) -> str:
    """NAME=value; NAME=[secret] where only the value is secret (its name comes from the run as
    after `pulumi up` when the preview has not computed the entry)."""
    if entry is UNKNOWN and applied is not None and applied is not UNKNOWN:
        name = str(reveal(applied)).split("=", 1)[0]
        return f"{name}={SECRET}" if isinstance(applied, Secret) else f"{name}={UNKNOWN!r}"
    if isinstance(entry, Secret):
        return f"{str(reveal(entry)).split('=', 1)[0]}={SECRET}"
    return repr(entry) if entry is UNKNOWN else str(entry)


def _env(envs: Any, applied: Any) -> str:
    entries = envs.value if isinstance(envs, Secret) else envs
    entries = entries if isinstance(entries, list) else []
    after = applied.value if isinstance(applied, Secret) else applied
    after = after if isinstance(after, list) and len(after) == len(entries) else [None] * len(entries)
    return ", ".join(_env_entry(e, a) for e, a in zip(entries, after, strict=True)) or "-"


def _ready_data(props: dict[str, Any]) -> Iterator[str]:
    yield from describe_ready(props)
    endpoint = props.get("endpoint")
    known = endpoint not in (None, "") and endpoint is not UNKNOWN
    yield f"reaches     {endpoint if known else 'its published port (known after up)'}"


def describe(resource: Registration, applied: Registration | None = None) -> Iterator[str]:
    """The settings a reviewer checks, one per line, for one resource; `applied` is the same
    resource as after `pulumi up`, which tells what an uncomputed value is."""
    props = resource.inputs
    if resource.type == "docker:index/container:Container":
        health = props.get("healthcheck", {})
        image = props.get("image")
        yield f"name        {props.get('name')}"
        yield f"image       {PULLED if image is UNKNOWN else image}"
        yield f"ports       {_ports(props.get('ports', []))}"
        volumes = [f"{v.get('volumeName') or v.get('hostPath')}:{v['containerPath']}" for v in props.get("volumes", [])]
        yield f"volumes     {', '.join(volumes) or '-'}"
        yield f"networks    {', '.join(n['name'] for n in props.get('networksAdvanced', []))}"
        yield f"healthcheck {' '.join(map(str, health.get('tests', [])))}"
        timing = f"every {health.get('interval')}, start period {health.get('startPeriod')}"
        yield f"            {timing}, {health.get('retries')} retries"
        if props.get("command"):
            yield f"command     {' '.join(props['command'])}"
        yield f"env         {_env(props.get('envs'), applied.inputs.get('envs') if applied else None)}"
        uploads = [u["file"] for u in props.get("uploads", [])]
        if uploads:
            yield f"uploads     {', '.join(uploads)}"
        wait = f"wait {props.get('waitTimeout')} s for healthy" if props.get("wait") else "no wait for health"
        yield f"limits      memory {props.get('memory')} MB, restart {props.get('restart')}, {wait}"
        replace_on = ", ".join(resource.replace_on_changes) or "-"
        yield f"on change   delete before replace: {resource.delete_before_replace}, replace on: {replace_on}"
    elif resource.type == "docker:index/volume:Volume":
        yield f"name        {props.get('name')}"
        yield f"data safety protect: {resource.protect}, retain on delete: {resource.retain_on_delete}"
    elif resource.type == "docker:index/network:Network":
        yield f"name        {props.get('name')}"
    elif resource.type == "docker:index/remoteImage:RemoteImage":
        yield f"pull        {props.get('name')}   keep locally: {props.get('keepLocally')}"
    elif resource.type.startswith(READY_DATA):
        yield from _ready_data(props)
        yield f"data safety protect: {resource.protect}, retain on delete: {resource.retain_on_delete}"
    elif resource.type == "random:index/randomPassword:RandomPassword":
        yield f"generate    {props.get('length')} characters, stored as a secret"
    elif resource.type.startswith("kubernetes:"):
        yield from _kubernetes(resource.type.rsplit(":", 1)[-1], props, applied.inputs if applied else {})


def _kubernetes(kind: str, props: dict[str, Any], applied: dict[str, Any]) -> Iterator[str]:
    """What a reviewer checks of a Kubernetes object. ConfigMaps and Secrets without a fixed name
    get one from pulumi-kubernetes at up (a suffix per content), so none is shown for them."""
    metadata, spec = props.get("metadata", {}), props.get("spec", {})
    if metadata.get("name"):
        where = f"{metadata['namespace']}/" if metadata.get("namespace") else ""
        yield f"name        {where}{metadata['name']}"
    if kind == "StatefulSet":
        yield from _stateful_set(spec)
    elif kind == "Service":
        headless = " (headless: a DNS name per pod)" if spec.get("clusterIP") == "None" else ""
        yield f"type        {spec.get('type')}{headless}"
        yield f"ports       {', '.join(_service_port(p) for p in spec.get('ports', []))}"
    elif kind == "NetworkPolicy":
        peers = [peer for rule in spec.get("ingress", []) for peer in rule.get("from", [])]
        sources = [_labels(peer.get("podSelector", {})) for peer in peers]
        yield f"selects     {_labels(spec.get('podSelector', {}))}"
        yield f"admits      {', '.join(sources) if sources else 'nothing (ingress denied)'}"
    elif kind == "Secret":
        # The preview has not generated the values; their keys come from the run as after up.
        data = reveal(applied.get("stringData", props.get("stringData")))
        keys = ", ".join(sorted(data)) if isinstance(data, dict) else repr(UNKNOWN)
        yield f"keys        {keys}   (values {SECRET})"
    elif kind == "ConfigMap":
        yield f"files       {', '.join(sorted(props.get('data', {})))}"
    elif kind == "Namespace":
        labels = metadata.get("labels", {})
        enforce = labels.get("pod-security.kubernetes.io/enforce")
        yield f"pod security enforce {enforce}, audit {labels.get('pod-security.kubernetes.io/audit')}"


def _service_port(port: dict[str, Any]) -> str:
    return f"{port['name']} {port['port']}->{port['targetPort']}"


def _labels(selector: dict[str, Any]) -> str:
    labels = selector.get("matchLabels") or {}
    return "pods with " + ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) if labels else "every pod"


def _stateful_set(spec: dict[str, Any]) -> Iterator[str]:
    pod = spec.get("template", {}).get("spec", {})
    (container,) = pod.get("containers", [{}])
    mounts = container.get("volumeMounts", [])
    yield f"image       {container.get('image')}   replicas {spec.get('replicas')}"
    yield f"ports       {', '.join(str(p['name']) + ' ' + str(p['containerPort']) for p in container.get('ports', []))}"
    data_at = {m["name"]: m["mountPath"] for m in mounts if "subPath" not in m}
    claims = []
    for template in spec.get("volumeClaimTemplates", []):
        name, claim = template["metadata"]["name"], template.get("spec", {})
        size = claim.get("resources", {}).get("requests", {}).get("storage")
        storage_class = claim.get("storageClassName") or "the default class"
        claims.append(f"{name} {size} ({storage_class}) at {data_at.get(name)}")
    yield f"claims      {'; '.join(claims) or '-'}"
    if claims:
        retention = spec.get("persistentVolumeClaimRetentionPolicy", {})
        kept = f"{retention.get('whenDeleted')} when the set is deleted, {retention.get('whenScaled')} when scaled down"
        yield f"            {kept}"
    files = [m["mountPath"] + (" (Secret)" if m["name"] == "secret-files" else "") for m in mounts if "subPath" in m]
    if files:
        yield f"files       {', '.join(files)}"
    probe = container.get("readinessProbe", {})
    check = probe.get("httpGet") or probe.get("exec", {})
    shown = f"GET :{check['port']}{check['path']}" if "path" in check else " ".join(check.get("command", [])[2:])
    yield f"probe       {shown}"
    grace = pod.get("terminationGracePeriodSeconds")
    memory = container.get("resources", {}).get("limits", {}).get("memory")
    yield f"limits      memory {memory}, stop grace {f'{grace} s' if grace else 'the default 30 s'}"
    security = container.get("securityContext", {})
    capabilities = security.get("capabilities", {})
    escalation = "no" if security.get("allowPrivilegeEscalation") is False else "allowed"
    seccomp = pod.get("securityContext", {}).get("seccompProfile", {}).get("type")
    yield f"security    privilege escalation {escalation}, seccomp {seccomp}"
    drop, add = ", ".join(capabilities.get("drop", [])) or "none", ", ".join(capabilities.get("add", [])) or "none"
    yield f"            capabilities: drop {drop}, add {add}"


def format_plan(plan: Plan, applied: Plan | None = None) -> str:
    after = {resource.urn: resource for resource in applied.resources} if applied else {}
    children: dict[str, list[Registration]] = defaultdict(list)
    for resource in plan.resources:
        children[resource.parent].append(resource)
    lines = [f"Stack {plan.stack}: {sum(r.custom for r in plan.resources)} resources to create", ""]

    rank = {type_: i for i, type_ in enumerate(_SHORT_TYPES)}

    def family(type_: str) -> str:
        return READY_DATA if type_.startswith(READY_DATA) else type_

    def walk(parent: str, depth: int) -> None:
        for resource in sorted(children.get(parent, []), key=lambda r: (rank.get(family(r.type), -1), r.name)):
            indent = "    " * depth
            ready = resource.type.startswith(READY_DATA)
            kind = resource.type.removeprefix(READY_DATA) if ready else _SHORT_TYPES.get(resource.type, resource.type)
            lines.append(f"{indent}+ {kind} {resource.name}")
            lines.extend(f"{indent}      {line}" for line in describe(resource, after.get(resource.urn)))
            walk(resource.urn, depth + 1)

    stack_urn = next((r.parent for r in plan.resources if "::pulumi:pulumi:Stack::" in r.parent), "")
    walk(stack_urn, 0)
    return "\n".join(lines)


def _text(value: Any, assigned: frozenset[int]) -> str:
    """A value as printed: markers as themselves, a port the mock Docker made up as ASSIGNED."""
    if value is UNKNOWN or isinstance(value, Secret):
        return repr(value)
    return _PORT_IN_TEXT.sub(lambda m: ASSIGNED if int(m.group()) in assigned else m.group(), str(value))


def _value(value: Any, depth: int, assigned: frozenset[int] = frozenset()) -> list[str]:
    if value is UNKNOWN or isinstance(value, Secret) or not isinstance(value, dict):
        return [_text(value, assigned)]
    lines = []
    for key, item in value.items():
        rendered = _value(item, depth + 1, assigned)
        if len(rendered) == 1 and not isinstance(item, dict):
            lines.append(f"{'    ' * depth}{key}: {rendered[0]}")
        else:
            lines.append(f"{'    ' * depth}{key}:")
            lines.extend(rendered)
    return lines


def format_outputs(outputs: dict[str, Any], assigned: frozenset[int] = frozenset()) -> str:
    """The stack outputs, sorted by name at every level; `assigned` are the host ports the mock
    Docker made up."""
    return "\n".join(["Outputs:", *_value(_sorted(outputs), 1, assigned)])


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="dev", help="stack whose Pulumi.<stack>.yaml to use (default: dev)")
    parser.add_argument(
        "--policy-config", type=Path, help="policy config (default: policies/config/prod.json for prod*, else ci.json)"
    )
    args = parser.parse_args(argv)
    policy_config = args.policy_config or environment_config(args.stack)
    try:
        load_committed_stack(args.stack, "")
        plan = run_program(args.stack, preview=True)
        applied = run_program(args.stack)
        report = run_gate(plan, policy_config)
    except StackConfigError as error:
        for line in error.lines:  # every problem of the files at once, each on its own line
            print(f"error: {line}", file=sys.stderr)
        return 2
    except pulumi.RunError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (GateError, PolicyConfigError) as error:
        print(f"gate: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # the program itself crashed: nothing to preview
        print(f"error: {program_failure(error)}", file=sys.stderr)
        return 2
    kubernetes = any(r.type.startswith("kubernetes:") for r in plan.resources)
    print((KUBERNETES_HEADER if kubernetes else HEADER).format(stack=args.stack))
    print()
    print(format_plan(plan, applied))
    print()
    print(format_outputs(applied.outputs, applied.assigned_ports))
    print()
    print(report.format())
    return 1 if report.mandatory else 0


if __name__ == "__main__":
    sys.exit(main())
