"""The project's pack on pulumi_policy's own servicer (without trade2026_policies.servicer): the
reference the faster servicer's verdicts are compared with."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "policies"))

from pulumi_policy import EnforcementLevel, PolicyPack
from trade2026_policies import POLICIES

PolicyPack(name="trade2026", policies=POLICIES, enforcement_level=EnforcementLevel.ADVISORY)
