"""A JetStream stream kept in memory and unbounded: lost on a restart, free to fill the volume."""

import pulumi

from components.ready import JetStreamStream
from components.readydata import ready_resource

ready_resource(
    JetStreamStream("SCRATCH", ("scratch.>",), "memory only", max_age_seconds=0, max_bytes=-1, storage="memory"),
    "nats-stream-SCRATCH",
    "nats://127.0.0.1:4222",
    None,
    None,
    pulumi.ResourceOptions(),
)
