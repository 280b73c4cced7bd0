from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def validate(args, report_violation):
    raise RuntimeError("bug in a policy")


PolicyPack(
    "crashes", [ResourceValidationPolicy("always-crashes", "Requires nothing.", validate)], EnforcementLevel.MANDATORY
)
