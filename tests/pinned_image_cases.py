"""What counts as a pinned image reference: one literal table for the program's validation
(components/images.py) and the policy pack's pinned-image-tags rule under its default config.

Both parse references with docker-image-py (Docker's distribution/reference); the pack cannot
import the program, so the pinning rule on top is written in each, and both are tested against
these cases, so the two cannot drift apart unnoticed. Verdicts include the
defaults both apply to projects that release with two version parts (PostgreSQL 16.9, SeaweedFS 3.97).
"""

DIGEST = "sha256:" + "0123456789abcdef" * 4

# (reference, pinned)
PINNED_IMAGE_CASES: list[tuple[str, bool]] = [
    ("nats:2.10.29-alpine", True),
    ("valkey/valkey:8.1.3-alpine", True),
    ("clickhouse/clickhouse-server:24.9.2.42", True),
    ("openpolicyagent/opa:1.4.2", True),
    ("postgres:16.9-alpine", True),
    ("chrislusf/seaweedfs:3.97", True),
    ("registry.corp/opa:1.4.2", True),
    ("Mirror.Internal:5000/library/nats:2.10.29-alpine", True),
    ("mirror.internal:5000/chrislusf/seaweedfs:3.97", True),
    ("localhost:5000/team/app:v1.2.3", True),
    (f"nats@{DIGEST}", True),
    (f"nats:latest@{DIGEST}", True),
    (f"registry.corp/team/app@{DIGEST}", True),
    ("nats", False),
    ("nats:latest", False),
    ("registry.corp/opa", False),
    ("nats:2.10-alpine", False),
    ("nats:2", False),
    ("opensearchproject/opensearch:2", False),
    ("postgres:16", False),
    ("postgres:16-alpine", False),
    ("chrislusf/seaweedfs:3", False),
    ("questdb/questdb:stable", False),
    ("nats:alpine", False),
    ("nats@sha256:abc", False),
    ("", False),
    (" nats:2.10.29", False),
    ("nats :2.10.29", False),
    ("nats:2.10.29 ", False),
    ("Nats:2.10.29", False),
    ("nats:", False),
    ("registry..corp/opa:1.4.2", False),
    ("registry.corp:0/opa:1.4.2", False),
    ("registry.corp:65536/opa:1.4.2", False),
    ("https://registry.corp/opa:1.4.2", False),
    ("opensearchproject/opensearch:v2.19.1", True),
    ("mirror.internal:5000/library/nats:2.10.29-alpine", True),
    ("Mirror.Example.COM/nats:2.10.29", True),
    (f"registry.local:5000/team/opa@{DIGEST}", True),
    ("nats:2.10", False),
    ("valkey/valkey:8-alpine", False),
    ("nats:stable", False),
    (" ", False),
    ("NATS:2.10.29", False),
    ("nats@sha256:0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF", False),
    (
        "nats@sha512:00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        False,
    ),
    ("nats:2.10.29@", False),
]
