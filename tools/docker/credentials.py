"""The credentials a stack's data sheets declare, and fresh values for them, for tools/docker/up.sh.

The program generates each credential with pulumi-random, whose provider the Go module proxy does
not serve; a stack may supply them instead (`trade2026:credentials.<service>.<name>`, secret
config), which is what up.sh does on this machine, once per stack, with values from `new`.

Usage: pulumi config --json | venv/bin/python tools/docker/credentials.py keys STACK   one key a line
       venv/bin/python tools/docker/credentials.py new KEY   a value the key's rules accept
"""

from __future__ import annotations

import json
import secrets
import string
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from components.credential_rules import problem  # noqa: E402
from components.settings import NAMESPACE  # noqa: E402
from offline.engine import run_program  # noqa: E402

PREFIX = f"{NAMESPACE}:credentials."
# What the program's RandomPasswords draw from (components/targets/base.py): letters and digits,
# and for a credential that needs one, the specials OpenSearch takes.
_PLAIN = string.ascii_letters + string.digits
_SPECIAL = "_%@+="


def keys(stack: str, cli_config: dict[str, dict[str, object]]) -> list[str]:
    """The credential keys the program would generate a password for under the stack's config, as
    `pulumi config --json` shows it (secret values hidden: the credentials themselves are not
    needed). The program says it, run under the offline engine: each RandomPassword it registers
    is `<instance>-<credential>`, parented to its instance."""
    config = {
        key: str(entry["value"]) for key, entry in cli_config.items() if "value" in entry and key != PREFIX.rstrip(".")
    }
    plan = run_program(stack, config)
    found = []
    for password in plan.of_type("random:index/randomPassword:RandomPassword"):
        instance = password.parent.rsplit("::", 1)[1]
        found.append(f"{PREFIX}{instance}.{password.name.removeprefix(instance + '-')}")
    return sorted(found)


def new(key: str) -> str:
    service, _, name = key.removeprefix(PREFIX).partition(".")
    while True:
        value = "".join(secrets.choice(_PLAIN) for _ in range(31)) + secrets.choice(_SPECIAL)
        if problem(service, name, value) is None:
            return value
        # A plain value for credentials whose file formats take no special (Valkey, S3 keys).
        plain = "".join(secrets.choice(_PLAIN) for _ in range(32))
        if problem(service, name, plain) is None:
            return plain


if __name__ == "__main__":
    if sys.argv[1] == "keys":
        print("\n".join(keys(sys.argv[2], json.load(sys.stdin))))
    else:
        print(new(sys.argv[2]))
