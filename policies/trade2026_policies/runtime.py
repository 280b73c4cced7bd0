"""How a container runs: health, restarts, resource limits, privileges."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pulumi_policy import PolicyResource, Severity
from pydantic import Field

from .framework import ADVISORY, CONTAINER, RuleConfig, Subject, cis, known, of_type, own, resource_rule, stack_rule


@resource_rule(
    "healthcheck-required",
    "Requires a healthcheck, so `pulumi up` and Docker know when a service is ready.",
    severity=Severity.MEDIUM,
    anchor=cis(
        "Ensure that container health is checked at runtime",
        "Declare a probe in the service's data sheet that fails when the service cannot serve.",
    ),
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
    anchor=cis(
        "Ensure that the 'on-failure' container restart policy is set to '5'",
        "Set restart to unless-stopped, or on-failure with maxRetryCount between 1 and maxRetries.",
    ),
)
def restart_policy_set(subject: Subject, config: RestartPolicies) -> Iterator[str]:
    restart = known(subject.props, "restart", "no")
    if restart not in config.allowed_policies:
        yield f"{subject.label}: restart policy {restart!r} is not one of {', '.join(config.allowed_policies)}"
    elif restart == "on-failure" and not 1 <= int(known(subject.props, "maxRetryCount", 0)) <= config.max_retries:
        yield f"{subject.label}: on-failure needs maxRetryCount between 1 and {config.max_retries}"


@resource_rule(
    "memory-limit-required",
    "Requires a memory limit on every container.",
    severity=Severity.MEDIUM,
    anchor=cis("Ensure that the memory usage for containers is limited", "Set memory (MB) on the container."),
)
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
    anchor=own("Lower per-service memory in trade2026:services, or raise budgetMb for a bigger host."),
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


@resource_rule(
    "no-privileged-containers",
    "Prohibits privileged containers.",
    severity=Severity.CRITICAL,
    anchor=cis("Ensure that privileged containers are not used", "Remove privileged: true."),
)
def no_privileged_containers(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    if known(subject.props, "privileged"):
        yield f"{subject.label}: runs privileged"


class AllowedCapabilities(RuleConfig):
    allowed_capabilities: list[str] = Field(
        default=[], alias="allowedCapabilities", description="Capabilities that may be added (with or without CAP_)."
    )


def capability_name(name: str) -> str:
    """A capability as both Docker and Kubernetes accept it (`net_admin`, `CAP_NET_ADMIN`): NET_ADMIN."""
    return name.upper().removeprefix("CAP_")


@resource_rule(
    "no-added-capabilities",
    "Prohibits adding Linux capabilities beyond Docker's default set.",
    config=AllowedCapabilities,
    anchor=cis(
        "Ensure that Linux kernel capabilities are restricted within containers",
        "Remove capabilities.adds, or list a reviewed capability in allowedCapabilities.",
    ),
)
def no_added_capabilities(subject: Subject, config: AllowedCapabilities) -> Iterator[str]:
    allowed = {capability_name(c) for c in config.allowed_capabilities}
    for capability in known(known(subject.props, "capabilities", {}), "adds", []):
        if capability_name(str(capability)) not in allowed:
            yield f"{subject.label}: adds capability {capability}"


def _security_opts(subject: Subject) -> list[str]:
    return [str(opt).replace("=", ":") for opt in known(subject.props, "securityOpts", [])]


# Go's strconv.ParseBool, which Docker uses for the value of no-new-privileges.
_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}


def no_new_privileges_setting(security_opts: list[str]) -> bool | str:
    """What Docker makes of `securityOpts` for no-new-privileges: on, off (unset or explicitly
    false; the last setting wins, as in Docker), or the value Docker would refuse."""
    setting: bool | str = False
    for opt in security_opts:
        if opt == "no-new-privileges":
            setting = True
            continue
        key, sep, value = opt.partition("=") if "=" in opt else opt.partition(":")
        if sep and key == "no-new-privileges":
            setting = True if value in _TRUE else False if value in _FALSE else value
    return setting


@resource_rule(
    "no-new-privileges",
    "Requires no-new-privileges, so setuid binaries cannot raise privileges.",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    anchor=cis(
        "Ensure that the container is restricted from acquiring additional privileges",
        "Add no-new-privileges:true to securityOpts.",
    ),
)
def no_new_privileges(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    setting = no_new_privileges_setting([str(opt) for opt in known(subject.props, "securityOpts", [])])
    if setting is False:
        yield f"{subject.label}: securityOpts lacks no-new-privileges:true"
    elif setting is not True:
        yield f"{subject.label}: no-new-privileges value {setting!r} is not a boolean Docker accepts"


@resource_rule(
    "no-unconfined-profiles",
    "Prohibits running without the seccomp or AppArmor profile.",
    severity=Severity.HIGH,
    anchor=cis(
        "Ensure that the default seccomp profile is not disabled",
        "Remove seccomp=unconfined and apparmor=unconfined from securityOpts.",
    ),
)
def no_unconfined_profiles(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    for opt in _security_opts(subject):
        if opt in ("seccomp:unconfined", "apparmor:unconfined"):
            yield f"{subject.label}: {opt}"


@resource_rule(
    "no-host-devices",
    "Prohibits passing host devices into containers.",
    severity=Severity.HIGH,
    anchor=cis("Ensure that host devices are not directly exposed to containers", "Remove devices."),
)
def no_host_devices(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    for device in known(subject.props, "devices", []):
        yield f"{subject.label}: host device {known(device, 'hostPath', '?')} is passed in"


@resource_rule(
    "no-cgroup-parent",
    "Prohibits placing containers under a custom cgroup parent.",
    level=ADVISORY,
    severity=Severity.LOW,
    anchor=cis("Ensure that cgroup usage is confirmed", "Remove cgroupParent; Docker's default cgroup applies limits."),
)
def no_cgroup_parent(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    if known(subject.props, "cgroupParent"):
        yield f"{subject.label}: cgroupParent is {subject.props['cgroupParent']}"
