"""Host ports under `hostPorts: fixed`, and how a bind address appears in an endpoint URL.

The fixed scheme gives every stack a block of host ports chosen by `portBlock`, with one fixed
slot per published service port. Block 0 is the well-known ports (4222, 5432, ...), for the one
stack per Docker host that wants them; block N >= 1 is FIRST_BLOCK_PORT + (N - 1) * BLOCK_SIZE +
slot. Blocks never overlap each other or the well-known ports, so two stacks with different
`portBlock` can never claim the same host port. The blocks end below 32768, where Linux starts
handing out ephemeral ports (and Docker picks host ports for `hostPorts: auto` stacks).
"""

from __future__ import annotations

import ipaddress

# (service, port role) -> slot. Slots are never renumbered: a stack's ports must not move.
SLOTS: dict[tuple[str, str], int] = {
    ("nats", "client"): 0,
    ("nats", "monitoring"): 1,
    ("valkey", "client"): 2,
    ("questdb", "http"): 3,
    ("questdb", "ilp"): 4,
    ("questdb", "pg"): 5,
    ("clickhouse", "http"): 6,
    ("clickhouse", "native"): 7,
    ("seaweedfs", "s3"): 8,
    ("opensearch", "rest"): 9,
    ("postgres", "client"): 10,
    ("opa", "rest"): 11,
}
# Block 0, by slot. ClickHouse's native 9000 moves to 19000: QuestDB's console owns 9000.
WELL_KNOWN: tuple[int, ...] = (4222, 8222, 6379, 9000, 9009, 8812, 8123, 19000, 8333, 9200, 5432, 8181)
# Room for new services without renumbering.
BLOCK_SIZE = 20
FIRST_BLOCK_PORT = 20000
# The last block ends at 32759, below the ephemeral range.
MAX_BLOCK = 638


def fixed_host_port(block: int, slot: int) -> int:
    """The host port of `slot` in port block `block`."""
    if not 0 <= slot < min(BLOCK_SIZE, len(WELL_KNOWN)):
        raise ValueError(f"no port slot {slot}")
    if not 0 <= block <= MAX_BLOCK:
        raise ValueError(f"port block {block} is outside 0 to {MAX_BLOCK}")
    if block == 0:
        return WELL_KNOWN[slot]
    return FIRST_BLOCK_PORT + (block - 1) * BLOCK_SIZE + slot


def endpoint_host(bind_address: str) -> str:
    """The host part of a URL reaching a port published on `bind_address` from the host itself:
    a wildcard bind through loopback, IPv6 in brackets."""
    address = ipaddress.ip_address(bind_address)
    if address.is_unspecified:
        address = ipaddress.ip_address("::1" if address.version == 6 else "127.0.0.1")
    return f"[{address}]" if address.version == 6 else str(address)
