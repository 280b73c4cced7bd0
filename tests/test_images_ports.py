"""Pure helpers the settings and the renderer share: pinned images, image resolution, the fixed
host-port scheme and endpoint hosts."""

from __future__ import annotations

import pytest

from components.images import is_pinned, resolve_image
from components.ports import BLOCK_SIZE, MAX_BLOCK, endpoint_host, fixed_host_port
from components.spec import ServiceSpec
from offline.engine import run_program
from tests.conftest import CONTAINER, IMAGE, config
from tests.pinned_image_cases import PINNED_IMAGE_CASES


@pytest.mark.parametrize(("reference", "pinned"), PINNED_IMAGE_CASES, ids=[repr(c[0]) for c in PINNED_IMAGE_CASES])
def test_is_pinned_agrees_with_the_shared_table(reference: str, pinned: bool) -> None:
    assert is_pinned(reference) is pinned


@pytest.mark.parametrize(
    ("image", "mirror", "expected"),
    [
        ("nats:2.10.29-alpine", "", "nats:2.10.29-alpine"),
        ("nats:2.10.29-alpine", "mirror.internal:5000", "mirror.internal:5000/library/nats:2.10.29-alpine"),
        ("valkey/valkey:8.1.3-alpine", "m.corp", "m.corp/valkey/valkey:8.1.3-alpine"),
        ("nats:2.10.30-alpine", "m.corp/hub", "m.corp/hub/library/nats:2.10.30-alpine"),
        ("team/nats:2.10.30", "m.corp", "m.corp/team/nats:2.10.30"),
        ("registry.corp/nats:2.10.30", "m.corp", "registry.corp/nats:2.10.30"),
        ("localhost:5000/nats:2.10.30", "m.corp", "localhost:5000/nats:2.10.30"),
        ("Registry/nats:2.10.30", "m.corp", "Registry/nats:2.10.30"),
    ],
)
def test_images_follow_the_mirror_unless_they_name_a_registry(image: str, mirror: str, expected: str) -> None:
    assert resolve_image(image, mirror) == expected


def test_an_image_override_goes_through_the_mirror_in_place_of_the_pinned_image() -> None:
    plan = run_program("dev", config(registryMirror="m.corp", services={"nats": {"image": "team/nats:2.10.30"}}))
    images = {image.name: image.inputs["name"] for image in plan.of_type(IMAGE)}
    assert (images["nats-image"], images["valkey-image"]) == (
        "m.corp/team/nats:2.10.30",
        "m.corp/valkey/valkey:8.1.3-alpine",
    )


@pytest.mark.parametrize(
    ("block", "slot", "well_known", "port"),
    [
        (0, 0, 4222, 4222),
        (0, 7, 19000, 19000),
        (0, 10, 5432, 5432),
        (1, 0, 4222, 20000),
        (1, 11, 8181, 20011),
        (2, 0, 4222, 20020),
        (638, 11, 8181, 32751),
        (638, 19, 8181, 32759),
    ],
)
def test_fixed_host_port_of_a_block_and_slot(block: int, slot: int, well_known: int, port: int) -> None:
    assert fixed_host_port(block, slot, well_known) == port


@pytest.mark.parametrize(("block", "slot"), [(-1, 0), (639, 0), (0, 20), (1, -1)])
def test_fixed_host_port_refuses_blocks_and_slots_outside_the_scheme(block: int, slot: int) -> None:
    with pytest.raises(ValueError):
        fixed_host_port(block, slot, 4222)


def test_no_two_blocks_share_a_host_port_and_all_stay_below_the_ephemeral_range() -> None:
    ports = [fixed_host_port(block, slot, 0) for block in range(1, MAX_BLOCK + 1) for slot in range(BLOCK_SIZE)]
    assert len(ports) == len(set(ports)) == 638 * 20
    assert (min(ports), max(ports)) == (20000, 32759)


# Each sheet's published ports: (slot, block 0's well-known host port). Written out: a slot is never
# renumbered, or every stack with fixed host ports would move.
SLOTS = {
    ("nats", "client"): (0, 4222),
    ("nats", "monitoring"): (1, 8222),
    ("valkey", "client"): (2, 6379),
    ("questdb", "http"): (3, 9000),
    ("questdb", "ilp"): (4, 9009),
    ("questdb", "pg"): (5, 8812),
    ("clickhouse", "http"): (6, 8123),
    ("clickhouse", "native"): (7, 19000),
    ("seaweedfs", "s3"): (8, 8333),
    ("opensearch", "rest"): (9, 9200),
    ("postgres", "client"): (10, 5432),
    ("opa", "rest"): (11, 8181),
}


def test_every_published_port_of_the_catalog_keeps_its_slot_and_well_known_port(
    sheets: dict[str, ServiceSpec],
) -> None:
    published = {
        (key, p.role): (p.slot, p.host_number) for key, spec in sheets.items() for p in spec.ports if p.published
    }
    assert published == SLOTS


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
