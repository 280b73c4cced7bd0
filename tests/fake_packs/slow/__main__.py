import time

from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def validate(args, report_violation):
    time.sleep(30)


PolicyPack(
    "slow", [ResourceValidationPolicy("never-answers", "Requires patience.", validate)], EnforcementLevel.MANDATORY
)
