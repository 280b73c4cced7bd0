"""A pack that reports what it was started with: how, where, the stack environment, the provider
of each resource and its own config (schema default < initialConfig < config file)."""

import json
import os
from pathlib import Path

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ResourceValidationPolicy,
    StackValidationPolicy,
)


def started(args, report_violation):
    names = ("PULUMI_ORGANIZATION", "PULUMI_PROJECT", "PULUMI_STACK", "PULUMI_DRY_RUN")
    report_violation(
        json.dumps(
            {
                # The interpreter's own arguments: runpy has rewritten sys.argv[0] by now.
                "argv": Path("/proc/self/cmdline").read_bytes().decode().split("\0")[1:-1],
                "cwd": os.getcwd(),
                "env": {name: os.environ.get(name) for name in names},
                "config": json.loads(os.environ.get("PULUMI_CONFIG", "{}")),
                "greeting": args.get_config()["greeting"],
            },
            sort_keys=True,
        )
    )


def provider(args, report_violation):
    if args.provider is not None:
        props = json.dumps(dict(args.provider.props), sort_keys=True)
        report_violation(f"{args.provider.resource_type} {args.provider.name} {args.provider.urn} {props}")


PolicyPack(
    "introspect",
    [
        StackValidationPolicy(
            "started",
            "Reports how the pack was started.",
            started,
            config_schema=PolicyConfigSchema({"greeting": {"type": "string", "default": "from-default"}}),
        ),
        ResourceValidationPolicy("provider", "Reports the provider of each resource.", provider),
    ],
    EnforcementLevel.ADVISORY,
    initial_config={"started": {"greeting": "from-initial"}},
)
