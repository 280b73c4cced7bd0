"""Print the image reference of each service as the program renders it for a stack (default dev):
one `<service> <reference>` a line, the names `pulumi up` of that stack pulls. Read from the program
under the offline engine, so the data sheets stay the one list of pinned images.

Usage: venv/bin/python tools/docker/references.py [STACK]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from offline.engine import run_program  # noqa: E402

IMAGE = "docker:index/remoteImage:RemoteImage"
# The renderer names a service's image resource after the service (components/targets/docker.py).
SUFFIX = "-image"


def references(stack: str) -> dict[str, str]:
    plan = run_program(stack)
    return {
        resource.name.removesuffix(SUFFIX): str(resource.inputs["name"])
        for resource in plan.of_type(IMAGE)
        if resource.name.endswith(SUFFIX)
    }


if __name__ == "__main__":
    for service, reference in sorted(references(sys.argv[1] if len(sys.argv) > 1 else "dev").items()):
        print(service, reference)
