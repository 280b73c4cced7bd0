"""What counts as a pinned image reference: one table, read by the pack's tests and the program's.

The pack (policies/trade2026_policies/images.py::is_pinned) and the program (which validates
image overrides) each carry their own copy of the definition, because the pack cannot import the
program; both are tested against these cases, so the two copies cannot drift apart unnoticed.
Verdicts are for the default of three version parts (the pack relaxes that per repository for
PostgreSQL's and SeaweedFS's two-part releases, by config).
"""

DIGEST = "sha256:" + "0123456789abcdef" * 4

PINNED_IMAGE_CASES: list[tuple[str, bool]] = [
    # Exact releases.
    ("nats:2.10.29-alpine", True),
    ("valkey/valkey:8.1.3-alpine", True),
    ("clickhouse/clickhouse-server:24.9.2.42", True),
    ("openpolicyagent/opa:1.4.2", True),
    ("opensearchproject/opensearch:v2.19.1", True),
    ("mirror.internal:5000/library/nats:2.10.29-alpine", True),
    ("Mirror.Example.COM/nats:2.10.29", True),
    # Digests, with or without a tag beside them.
    (f"nats@{DIGEST}", True),
    (f"nats:latest@{DIGEST}", True),
    (f"registry.local:5000/team/opa@{DIGEST}", True),
    # Floating or missing tags.
    ("nats", False),
    ("nats:latest", False),
    ("nats:2", False),
    ("nats:2.10", False),
    ("valkey/valkey:8-alpine", False),
    ("nats:stable", False),
    ("nats:alpine", False),
    ("nats:2.10-alpine", False),
    # Malformed references and digests.
    ("", False),
    (" ", False),
    (" nats:2.10.29", False),
    ("nats:2.10.29 ", False),
    ("nats :2.10.29", False),
    ("NATS:2.10.29", False),
    ("nats:", False),
    ("nats@sha256:abc", False),
    ("nats@sha256:" + "0123456789ABCDEF" * 4, False),
    ("nats@sha512:" + "0" * 128, False),
    ("nats:2.10.29@", False),
]
