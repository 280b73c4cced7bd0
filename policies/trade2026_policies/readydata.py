"""Ready data (components/readydata.py): the JetStream streams a stack creates for the applications."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import Severity

from .framework import ADVISORY, RuleConfig, Subject, known, own, resource_rule

# One dynamic resource type per kind of ready data (components/readydata.py), each served by the
# provider class of that kind in that module. What that provider would run is the gate's to check
# (offline/providers.py): the CLI never shows a pack a dynamic resource's pickled `__provider`.
READY_DATA_KINDS = ("JetStreamStream", "QuestDBTable", "S3Bucket", "IndexTemplate")
READY_DATA_TYPES = tuple(f"pulumi-python:dynamic/trade2026:{kind}" for kind in READY_DATA_KINDS)
STREAM = READY_DATA_TYPES[0]


@resource_rule(
    "jetstream-file-storage",
    "Requires JetStream streams to use file storage, so messages survive a restart on the data volume.",
    types=(STREAM,),
    severity=Severity.HIGH,
    anchor=own('Declare the stream with storage="file" in components/nats.py.'),
)
def jetstream_file_storage(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    storage = known(subject.props, "storage")
    if storage is not None and storage != "file":
        yield f"stream {subject.label}: storage is {storage}; a restart would lose its messages, use file"


@resource_rule(
    "bounded-jetstream-streams",
    "Requires every JetStream stream to have a maximum age and size, so it cannot fill the data volume.",
    types=(STREAM,),
    level=ADVISORY,
    severity=Severity.MEDIUM,
    anchor=own("Give the stream max_age_seconds and max_bytes above zero in components/nats.py."),
)
def bounded_jetstream_streams(subject: Subject, _config: RuleConfig) -> Iterator[str]:
    for key, what in (("maxAgeSeconds", "maximum age"), ("maxBytes", "maximum size")):
        value = known(subject.props, key)
        if value is not None and value <= 0:
            yield f"stream {subject.label}: no {what}; it grows until the data volume is full"
