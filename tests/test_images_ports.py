"""Pure helpers the settings and the renderer share: pinned images, image resolution, the fixed
host-port scheme and endpoint hosts."""

from __future__ import annotations

import pytest

from components.images import is_pinned, resolve_image
from components.ports import MAX_BLOCK, SLOTS, WELL_KNOWN, endpoint_host, fixed_host_port
from components.spec import ServiceSpec
from offline.engine import run_program
from tests.conftest import CONTAINER, config
from tests.pinned_image_cases import PINNED_IMAGE_CASES


@pytest.mark.parametrize(("reference", "pinned"), PINNED_IMAGE_CASES, ids=[repr(c[0]) for c in PINNED_IMAGE_CASES])
def test_is_pinned_agrees_with_the_shared_table(reference: str, pinned: bool) -> None:
    assert is_pinned(reference) is pinned


@pytest.mark.parametrize(
    ("pinned", "override", "mirror", "expected"),
    [
        ("nats:2.10.29-alpine", None, "", "nats:2.10.29-alpine"),
        ("nats:2.10.29-alpine", None, "mirror.internal:5000", "mirror.internal:5000/library/nats:2.10.29-alpine"),
        ("valkey/valkey:8.1.3-alpine", None, "m.corp", "m.corp/valkey/valkey:8.1.3-alpine"),
        ("nats:2.10.29-alpine", "nats:2.10.30-alpine", "m.corp/hub", "m.corp/hub/library/nats:2.10.30-alpine"),
        ("nats:2.10.29-alpine", "team/nats:2.10.30", "m.corp", "m.corp/team/nats:2.10.30"),
        ("nats:2.10.29-alpine", "registry.corp/nats:2.10.30", "m.corp", "registry.corp/nats:2.10.30"),
        ("nats:2.10.29-alpine", "localhost:5000/nats:2.10.30", "m.corp", "localhost:5000/nats:2.10.30"),
        ("nats:2.10.29-alpine", "Registry/nats:2.10.30", "m.corp", "Registry/nats:2.10.30"),
        ("nats:2.10.29-alpine", "nats:2.10.30-alpine", "", "nats:2.10.30-alpine"),
    ],
)
def test_overrides_follow_the_mirror_unless_they_name_a_registry(
    pinned: str, override: str | None, mirror: str, expected: str
) -> None:
    assert resolve_image(pinned, override, mirror) == expected


@pytest.mark.parametrize(
    ("block", "slot", "port"),
    [(0, 0, 4222), (0, 7, 19000), (0, 10, 5432), (1, 0, 20000), (1, 11, 20011), (2, 0, 20020), (638, 11, 32751)],
)
def test_fixed_host_port_of_a_block_and_slot(block: int, slot: int, port: int) -> None:
    assert fixed_host_port(block, slot) == port


@pytest.mark.parametrize(("block", "slot"), [(-1, 0), (639, 0), (0, 12), (1, -1)])
def test_fixed_host_port_refuses_blocks_and_slots_outside_the_scheme(block: int, slot: int) -> None:
    with pytest.raises(ValueError):
        fixed_host_port(block, slot)


def test_no_two_blocks_share_a_host_port_and_all_stay_below_the_ephemeral_range() -> None:
    ports = [fixed_host_port(block, slot) for block in range(MAX_BLOCK + 1) for slot in range(len(WELL_KNOWN))]
    assert len(ports) == len(set(ports)) == 639 * 12
    assert max(ports) == 32751
    assert min(p for p in ports if p not in WELL_KNOWN) == 20000


def test_every_published_port_of_the_catalog_has_a_slot_and_block_0_is_its_well_known_port(
    sheets: dict[str, ServiceSpec],
) -> None:
    published = {(key, p.role): p.host_number for key, spec in sheets.items() for p in spec.ports if p.published}
    assert set(published) == set(SLOTS)
    assert {slot: published[key] for key, slot in SLOTS.items()} == dict(enumerate(WELL_KNOWN))


@pytest.mark.parametrize(
    ("address", "host"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("0.0.0.0", "127.0.0.1"),
        ("192.168.1.5", "192.168.1.5"),
        ("::", "[::1]"),
        ("::1", "[::1]"),
        ("fd00::5", "[fd00::5]"),
    ],
)
def test_endpoint_host_reaches_the_bind_address_from_the_host(address: str, host: str) -> None:
    assert endpoint_host(address) == host


def test_ipv6_endpoints_are_written_with_brackets() -> None:
    plan = run_program("dev", config(bindAddress="::1"))
    assert plan.outputs["endpoints"]["opa"]["rest"].startswith("http://[::1]:")
    assert {p["ip"] for c in plan.of_type(CONTAINER) for p in c.inputs["ports"]} == {"::1"}


def test_prod_keeps_the_well_known_ports() -> None:
    plan = run_program("prod")
    ports = {(c.name, p["internal"]): p["external"] for c in plan.of_type(CONTAINER) for p in c.inputs["ports"]}
    assert ports[("postgres", 5432)] == 5432
    assert ports[("clickhouse", 9000)] == 19000
    assert ports[("questdb", 9000)] == 9000
