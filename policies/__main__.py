import pulumi_policy.policy
from pulumi_policy import EnforcementLevel, PolicyPack
from trade2026_policies import POLICIES, servicer

servicer.install(pulumi_policy.policy)

# Each policy carries its own default level; environments override them with
# --policy-pack-config (policies/config/*.json).
PolicyPack(name="trade2026", policies=POLICIES, enforcement_level=EnforcementLevel.ADVISORY)
