"""Host ports under `hostPorts: fixed`, and how a bind address appears in an endpoint URL.

The fixed scheme gives every stack a block of host ports chosen by `portBlock`, with one fixed
slot per published port of a data sheet. Block 0 is the well-known ports (4222, 5432, ...), for the one
stack per Docker host that wants them; block N >= 1 is FIRST_BLOCK_PORT + (N - 1) * BLOCK_SIZE +
slot. Blocks never overlap each other or the well-known ports, so two stacks with different
`portBlock` can never claim the same host port. The blocks end below 32768, where Linux starts
handing out ephemeral ports (and Docker picks host ports for `hostPorts: auto` stacks).
"""

from __future__ import annotations

import ipaddress

# Each published port of a data sheet has a slot (`Port.slot`, never renumbered: a stack's ports
# must not move); block 0 is each port's well-known host port (`Port.host_number`). Room for new
# services without renumbering: the eight take slots 0 to 11.
BLOCK_SIZE = 20
FIRST_BLOCK_PORT = 20000
# The last block ends at 32759, below the ephemeral range.
MAX_BLOCK = 638


def fixed_host_port(block: int, slot: int, well_known: int) -> int:
    """The host port of `slot` in port block `block`; in block 0, the port's `well_known` one."""
    if not 0 <= slot < BLOCK_SIZE:
        raise ValueError(f"no port slot {slot}")
    if not 0 <= block <= MAX_BLOCK:
        raise ValueError(f"port block {block} is outside 0 to {MAX_BLOCK}")
    if block == 0:
        return well_known
    return FIRST_BLOCK_PORT + (block - 1) * BLOCK_SIZE + slot


def endpoint_host(bind_address: str) -> str:
    """The host part of a URL reaching a port published on `bind_address` from the host itself:
    a wildcard bind through loopback, IPv6 in brackets."""
    address = ipaddress.ip_address(bind_address)
    if address.is_unspecified:
        address = ipaddress.ip_address("::1" if address.version == 6 else "127.0.0.1")
    return f"[{address}]" if address.version == 6 else str(address)
