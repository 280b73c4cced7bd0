"""How a container runs: health, restarts, resource limits, privileges."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pulumi_policy import PolicyResource, Severity
from pydantic import Field

from .framework import ADVISORY, CONTAINER, RuleConfig, Subject, known, of_type, resource_rule, stack_rule


@resource_rule(
    "healthcheck-required",
    "Requires a healthcheck, so `pulumi up` and Docker know when a service is ready.",
    severity=Severity.MEDIUM,
)
def healthcheck_required(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    tests = known(known(subject.props, "healthcheck", {}), "tests", [])
    if not tests or list(tests)[:1] == ["NONE"]:
        yield f"{subject.label}: no healthcheck"


class RestartPolicies(RuleConfig):
    allowed_policies: list[str] = Field(
        default=["unless-stopped", "always", "on-failure"],
        alias="allowedPolicies",
        description="Restart policies a container may use.",
    )
    max_retries: int = Field(default=5, ge=1, alias="maxRetries", description="Upper bound for on-failure retries.")


@resource_rule(
    "restart-policy-set",
    "Requires a restart policy, with bounded retries for on-failure.",
    level=ADVISORY,
    severity=Severity.LOW,
    config=RestartPolicies,
)
def restart_policy_set(subject: Subject, config: RestartPolicies) -> Iterator[str]:
    restart = known(subject.props, "restart", "no")
    if restart not in config.allowed_policies:
        yield f"{subject.label}: restart policy {restart!r} is not one of {', '.join(config.allowed_policies)}"
    elif restart == "on-failure" and not 1 <= int(known(subject.props, "maxRetryCount", 0)) <= config.max_retries:
        yield f"{subject.label}: on-failure needs maxRetryCount between 1 and {config.max_retries}"


@resource_rule("memory-limit-required", "Requires a memory limit on every container.", severity=Severity.MEDIUM)
def memory_limit_required(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    if not known(subject.props, "memory"):
        yield f"{subject.label}: no memory limit"


class MemoryBudget(RuleConfig):
    budget_mb: int = Field(default=4096, ge=1, alias="budgetMb", description="Sum of container memory limits, in MB.")


@stack_rule(
    "stack-memory-budget",
    "Requires the stack's container memory limits to add up to at most the budget.",
    severity=Severity.MEDIUM,
    config=MemoryBudget,
)
def stack_memory_budget(resources: Sequence[PolicyResource], config: MemoryBudget) -> Iterator[tuple[str, str]]:
    sizes = sorted(
        ((int(known(c.props, "memory", 0)), Subject.of(c).label, c.urn) for c in of_type(resources, CONTAINER)),
        reverse=True,
    )
    total = sum(size for size, _, _ in sizes)
    if total > config.budget_mb:
        biggest = ", ".join(f"{label} {size} MB" for size, label, _ in sizes[:3])
        yield (
            sizes[0][2],
            f"memory limits add up to {total} MB, over the {config.budget_mb} MB budget (largest: {biggest})",
        )


@resource_rule("no-privileged-containers", "Prohibits privileged containers.", severity=Severity.CRITICAL)
def no_privileged_containers(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    if known(subject.props, "privileged"):
        yield f"{subject.label}: runs privileged"


class AllowedCapabilities(RuleConfig):
    allowed_capabilities: list[str] = Field(
        default=[], alias="allowedCapabilities", description="Capabilities that may be added (with or without CAP_)."
    )


def _capability(name: str) -> str:
    return name.upper().removeprefix("CAP_")


@resource_rule(
    "no-added-capabilities",
    "Prohibits adding Linux capabilities beyond Docker's default set.",
    config=AllowedCapabilities,
)
def no_added_capabilities(subject: Subject, config: AllowedCapabilities) -> Iterator[str]:
    allowed = {_capability(c) for c in config.allowed_capabilities}
    for capability in known(known(subject.props, "capabilities", {}), "adds", []):
        if _capability(str(capability)) not in allowed:
            yield f"{subject.label}: adds capability {capability}"


def _security_opts(subject: Subject) -> list[str]:
    return [str(opt).replace("=", ":") for opt in known(subject.props, "securityOpts", [])]


@resource_rule(
    "no-new-privileges",
    "Requires no-new-privileges, so setuid binaries cannot raise privileges.",
    level=ADVISORY,
    severity=Severity.MEDIUM,
)
def no_new_privileges(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    if not {"no-new-privileges", "no-new-privileges:true"} & set(_security_opts(subject)):
        yield f"{subject.label}: securityOpts lacks no-new-privileges:true"


@resource_rule(
    "no-unconfined-profiles", "Prohibits running without the seccomp or AppArmor profile.", severity=Severity.HIGH
)
def no_unconfined_profiles(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    for opt in _security_opts(subject):
        if opt in ("seccomp:unconfined", "apparmor:unconfined"):
            yield f"{subject.label}: {opt}"


@resource_rule("no-host-devices", "Prohibits passing host devices into containers.", severity=Severity.HIGH)
def no_host_devices(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    for device in known(subject.props, "devices", []):
        yield f"{subject.label}: host device {known(device, 'hostPath', '?')} is passed in"


@resource_rule(
    "no-cgroup-parent",
    "Prohibits placing containers under a custom cgroup parent.",
    level=ADVISORY,
    severity=Severity.LOW,
)
def no_cgroup_parent(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    if known(subject.props, "cgroupParent"):
        yield f"{subject.label}: cgroupParent is {subject.props['cgroupParent']}"
