"""How a container runs: health, restarts, resource limits, privileges."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from pulumi_policy import PolicyResource, Severity
from pydantic import Field

from .framework import (
    ADVISORY,
    CONTAINER,
    RuleConfig,
    Subject,
    cis,
    items,
    known,
    of_type,
    own,
    resource_rule,
    stack_rule,
)


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
    tests = list(items(known(subject.props, "healthcheck", {}), "tests"))
    if not tests or tests[:1] == ["NONE"]:
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
    for capability in items(known(subject.props, "capabilities", {}), "adds"):
        if capability_name(str(capability)) not in allowed:
            yield f"{subject.label}: adds capability {capability}"


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
    setting = no_new_privileges_setting([str(opt) for opt in items(subject.props, "securityOpts")])
    if setting is False:
        yield f"{subject.label}: securityOpts lacks no-new-privileges:true"
    elif setting is not True:
        yield f"{subject.label}: no-new-privileges value {setting!r} is not a boolean Docker accepts"


# What each security option Docker accepts relaxes (docker run --security-opt).
_RELAXES = {
    "seccomp": "replaces Docker's default seccomp profile",
    "apparmor": "replaces Docker's default AppArmor profile",
    "label": "changes or disables the SELinux label",
    "systempaths": "unmasks /proc and /sys paths Docker hides",
}


def relaxation(opt: str) -> str | None:
    """Why a security option relaxes confinement; None for no-new-privileges, the one option
    that only tightens (whether it is on is no-new-privileges' business)."""
    key = re.split(r"[=:]", opt, maxsplit=1)[0]
    if key == "no-new-privileges":
        return None
    return _RELAXES.get(key, "is not an option this stack uses")


@resource_rule(
    "no-unconfined-profiles",
    "Prohibits security options beyond no-new-privileges: seccomp, AppArmor, SELinux and masked-path relaxations.",
    severity=Severity.HIGH,
    anchor=cis(
        "Ensure that the default seccomp profile is not disabled",
        "Keep securityOpts to no-new-privileges:true, so Docker's default seccomp, AppArmor and SELinux apply.",
    ),
)
def no_unconfined_profiles(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    for opt in (str(opt) for opt in items(subject.props, "securityOpts")):
        reason = relaxation(opt)
        if reason:
            yield f"{subject.label}: security option {opt} {reason}"


_DEVICE_FIELDS = (
    "devices",
    "deviceCgroupRules",
    "deviceRequests",
    "gpus",
    "deviceReadBps",
    "deviceReadIops",
    "deviceWriteBps",
    "deviceWriteIops",
)


@resource_rule(
    "no-host-devices",
    "Prohibits host devices in containers: devices, device cgroup rules, device requests, GPUs and device throttles.",
    severity=Severity.HIGH,
    anchor=cis(
        "Ensure that host devices are not directly exposed to containers",
        "Remove devices, deviceCgroupRules, deviceRequests, gpus and the device throttles.",
    ),
)
def no_host_devices(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    for device in items(subject.props, "devices"):
        yield f"{subject.label}: host device {known(device, 'hostPath', '?')} is passed in"
    for key in _DEVICE_FIELDS[1:]:
        if known(subject.props, key):
            yield f"{subject.label}: {key} gives the container host devices"


_ROOT = re.compile(r"(root|0)(:.*)?")


@resource_rule(
    "no-root-user",
    "Prohibits running a container's process as root by setting user to root or 0.",
    severity=Severity.MEDIUM,
    anchor=cis(
        "Ensure that a user for the container has been created",
        "Leave user unset (the image's entrypoint steps down from root where it needs to), or name a non-root user.",
    ),
)
def no_root_user(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    user = known(subject.props, "user")
    if user is not None and _ROOT.fullmatch(str(user)):
        yield f"{subject.label}: user {user} runs the container's process as root"


class LogDrivers(RuleConfig):
    allowed_drivers: list[str] = Field(
        default=["json-file", "local"],
        alias="allowedDrivers",
        description="Log drivers that keep logs on the Docker host.",
    )


# Options of the local drivers (json-file, local); any other names an address, a file or a plugin.
_LOCAL_LOG_OPTS = frozenset(
    {"max-size", "max-file", "compress", "labels", "labels-regex", "env", "env-regex", "tag", "mode", "max-buffer-size"}
)


@resource_rule(
    "local-log-driver",
    "Requires containers to log on the Docker host, not to a syslog, fluentd, GELF or cloud endpoint.",
    severity=Severity.MEDIUM,
    config=LogDrivers,
    anchor=own("Use logDriver json-file with max-size and max-file, as the components do."),
)
def local_log_driver(subject: Subject, config: LogDrivers) -> Iterator[str]:
    driver = known(subject.props, "logDriver")
    if driver is not None and driver not in config.allowed_drivers:
        yield f"{subject.label}: log driver {driver} sends the container's logs off the Docker host"
    for option in known(subject.props, "logOpts", {}):
        if option not in _LOCAL_LOG_OPTS:
            yield f"{subject.label}: log option {option} is not one of the local drivers'"


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
