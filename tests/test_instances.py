"""Two instances of one data sheet in one program: `postgres` and `postgres-audit`, both the
PostgreSQL sheet. Lookups go through the sheet, never the name, so the second instance gets what
follows, and the first keeps every identity it had."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from components import nats, opa, postgres
from components.catalog import Catalog, ServiceSettings, Sheet
from components.settings import ConfigError
from components.spec import ServiceSpec
from connect import dotenv
from offline.engine import Plan, Registration, Secret, reveal, run_program
from tests.conftest import CONTAINER, PASSWORD, VOLUME, config, program_with
from tests.supplied import SECRET_KEYS, credentials_config
from tests.test_identities import DEV_URNS
from verify import __main__ as cli

SECOND = '"postgres-audit": postgres.SHEET,'


def _on_slot(slot: int, well_known: int | None = None) -> Callable[[ServiceSettings], ServiceSpec]:
    """PostgreSQL's declaration with its client port moved to `slot` (and `well_known`)."""

    def spec(overrides: ServiceSettings) -> ServiceSpec:
        declared = postgres.spec(overrides)
        return replace(declared, ports=(replace(declared.ports[0], slot=slot, host=well_known),))

    return spec


def _nats_on_one_slot(overrides: ServiceSettings) -> ServiceSpec:
    declared = nats.spec(overrides)
    client, monitoring = declared.ports
    return replace(declared, ports=(client, replace(monitoring, slot=0)))


K8S_SECRET = "kubernetes:core/v1:Secret"
K8S_SERVICE = "kubernetes:core/v1:Service"


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return program_with(tmp_path_factory.mktemp("two-postgres"), SECOND)


@pytest.fixture(scope="module")
def plan(program: Path) -> Plan:
    return run_program("dev", program=program)


def _refusal(program: Path, raw: dict[str, str], secret_keys: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        run_program("dev", raw, program=program, secret_keys=secret_keys)
    first, *lines = str(caught.value).splitlines()
    assert first == "invalid stack config:"
    return [line.strip() for line in lines]


def test_the_first_instance_keeps_every_urn_and_the_second_has_its_own(plan: Plan) -> None:
    urns = [r.urn for r in plan.resources]
    assert [urn for urn in urns if "postgres-audit" not in urn] == DEV_URNS
    prefix = "urn:pulumi:dev::trade2026::trade2026:infra:Postgres"
    assert [urn for urn in urns if "postgres-audit" in urn] == [
        f"{prefix}$docker:index/container:Container::postgres-audit",
        f"{prefix}$docker:index/remoteImage:RemoteImage::postgres-audit-image",
        f"{prefix}$docker:index/volume:Volume::postgres-audit-data",
        f"{prefix}$random:index/randomPassword:RandomPassword::postgres-audit-password",
        f"{prefix}::postgres-audit",
    ]


def test_the_second_instance_has_docker_names_a_volume_and_dns_names_of_its_own(plan: Plan) -> None:
    container = plan.get(CONTAINER, "postgres-audit").inputs
    assert container["name"] == "trade2026-dev-postgres-audit"
    assert [v["volumeName"] for v in container["volumes"]] == ["trade2026-dev-postgres-audit-data"]
    assert plan.get(VOLUME, "postgres-audit-data").inputs["name"] == "trade2026-dev-postgres-audit-data"
    assert [n["aliases"] for n in container["networksAdvanced"]] == [["postgres-audit", "postgres-audit-library"]]
    first = plan.get(CONTAINER, "postgres").inputs
    assert [n["aliases"] for n in first["networksAdvanced"]] == [["postgres", "postgres-library"]]


def test_the_second_instance_is_set_under_its_own_key_and_validated_by_its_sheets_model(program: Path) -> None:
    plan = run_program("dev", config(services={"postgres-audit": {"memoryMb": 512}}), program=program)
    assert (
        plan.get(CONTAINER, "postgres-audit").inputs["memory"],
        plan.get(CONTAINER, "postgres").inputs["memory"],
    ) == (
        512,
        256,
    )
    assert _refusal(program, config(services={"postgres-audit": {"memoryMb": 100, "securityPlugin": False}})) == [
        "trade2026:services.postgres-audit.memoryMb: below the 256 MB postgres needs to start (got 100)",
        "trade2026:services.postgres-audit.securityPlugin: unknown key",
    ]


def test_the_second_instance_has_its_own_credentials_generated_or_supplied(program: Path, plan: Plan) -> None:
    credentials = reveal(plan.outputs["credentials"])
    assert credentials["postgres-audit"]["password"] != credentials["postgres"]["password"]
    assert "postgres-audit-password" in {r.name for r in plan.of_type(PASSWORD)}
    audit = {"password": "vault-audit-Q7wE3rT9y"}
    supplied = run_program(
        "dev", {**config(), **credentials_config({"postgres-audit": audit})}, program=program, secret_keys=SECRET_KEYS
    )
    assert reveal(supplied.outputs["credentials"])["postgres-audit"]["password"] == "vault-audit-Q7wE3rT9y"
    assert "postgres-audit-password" not in {r.name for r in supplied.of_type(PASSWORD)}
    assert "postgres-password" in {r.name for r in supplied.of_type(PASSWORD)}
    typo = credentials_config({"postgres-audit": {"pasword": "vault-audit-Q7wE3rT9y"}})
    assert _refusal(program, {**config(), **typo}, SECRET_KEYS) == [
        "trade2026:credentials.postgres-audit.pasword: postgres-audit declares no such credential "
        "(its credentials are password)"
    ]


def test_under_fixed_host_ports_the_shared_slots_are_refused_before_anything_is_created(program: Path) -> None:
    assert _refusal(program, config(hostPorts="fixed", portBlock=2)) == [
        "trade2026:services.postgres-audit: its client port would take host port 20030 under trade2026:hostPorts "
        "fixed, as trade2026:services.postgres's client port does (instances of one sheet share its ports); "
        "switch one of them off (enabled false) or use trade2026:hostPorts auto"
    ]
    off = run_program(
        "dev", config(hostPorts="fixed", services={"postgres-audit": {"enabled": False}}), program=program
    )
    assert off.get(CONTAINER, "postgres").inputs["ports"][0]["external"] == 5432
    assert "postgres-audit" not in {c.name for c in off.of_type(CONTAINER)}


def test_on_kubernetes_their_port_forward_lines_would_clash_and_are_refused(program: Path) -> None:
    assert _refusal(program, config(platform="kubernetes")) == [
        "trade2026:services.postgres-audit: its client port would be forwarded to local port 5432, as "
        "trade2026:services.postgres's client port is (instances of one sheet share its ports); "
        "switch one of them off (enabled false)"
    ]


def test_on_kubernetes_the_second_instance_renders_valid_objects_of_its_own(program: Path) -> None:
    plan = run_program("dev", config(platform="kubernetes", services={"postgres": {"enabled": False}}), program=program)
    audit = [r for r in plan.resources if r.type.startswith("kubernetes:") and "postgres-audit" in r.name]
    assert sorted((r.type.rsplit(":", 1)[-1], r.name) for r in audit) == [
        ("ConfigMap", "postgres-audit-files"),
        ("Secret", "postgres-audit-credentials"),
        ("Secret", "postgres-audit-secret-files"),
        ("Service", "postgres-audit"),
        ("Service", "postgres-audit-headless"),
        ("Service", "postgres-audit-library"),
        ("StatefulSet", "postgres-audit"),
    ]
    for resource in audit:
        _validate(resource)
    assert reveal(plan.get(K8S_SECRET, "postgres-audit-credentials").inputs)["stringData"].keys() == {"password"}


def _validate(resource: Registration) -> None:
    for version in ("1.25", "1.37"):
        kubernetes_validate.validate(reveal(resource.inputs), version, strict=True)


def test_the_second_instance_has_a_connections_entry_of_its_own(plan: Plan) -> None:
    connections = plan.outputs["connections"]
    assert isinstance(connections["postgres-audit"], Secret)
    audit, first = reveal(connections["postgres-audit"]), reveal(connections["postgres"])
    password = reveal(plan.outputs["credentials"])["postgres-audit"]["password"]
    port = reveal(plan.outputs["endpoints"])["postgres-audit"]["client"].rsplit(":", 1)[1]
    assert audit == {"DATABASE_URL": f"postgresql://trader:{password}@127.0.0.1:{port}/library"}
    assert audit != first


def test_one_env_file_cannot_hold_both_instances_and_says_why(plan: Plan) -> None:
    """The same sheet gives both the same variable names; connect.dotenv refuses to pick one."""
    with pytest.raises(dotenv.DotenvError, match=r"^`DATABASE_URL` is set by both postgres and postgres-audit$"):
        dotenv.render(reveal(plan.outputs))


def test_verify_checks_the_second_instance_with_its_sheets_check_named_by_the_kinds_output(plan: Plan) -> None:
    assert plan.outputs["kinds"]["postgres-audit"] == "postgres"
    outputs = reveal(plan.outputs)
    document = {
        "endpoints": {"postgres-audit": {"client": "postgresql:///library"}},
        "credentials": {},
        "kinds": outputs["kinds"],
    }
    out = io.StringIO()
    assert cli.main(["--json", "--no-progress"], stdin=io.StringIO(json.dumps(document)), stdout=out) == 1
    (result,) = json.loads(out.getvalue())["results"]
    assert (result["service"], result["check"], result["detail"]) == (
        "postgres-audit",
        "library query",
        "EndpointError: the client endpoint names no host and port",
    )


@pytest.mark.parametrize(
    ("instances", "problem"),
    [
        pytest.param(
            {"postgres": postgres.SHEET, "Postgres_2": postgres.SHEET},
            "Postgres_2: Postgres_2 is not a DNS name (lower-case letters, digits and inner '-', at most 63)",
            id="name no target can use",
        ),
        pytest.param(
            {"postgres": postgres.SHEET, "postgres-library": opa.SHEET},
            "postgres-library and postgres both answer to postgres-library",
            id="a name that is another instance's alias",
        ),
        pytest.param(
            {"opa": opa.SHEET, "postgres": replace(postgres.SHEET, spec=_on_slot(11))},
            "postgres's client port takes slot 11, which opa's rest port has",
            id="two sheets share a slot",
        ),
        pytest.param(
            {"opa": opa.SHEET, "postgres": replace(postgres.SHEET, spec=_on_slot(12, well_known=8181))},
            "postgres's client port takes well-known host port 8181, which opa's rest port has",
            id="two sheets share a well-known port",
        ),
        pytest.param(
            {"nats": replace(nats.SHEET, spec=_nats_on_one_slot)},
            "nats's monitoring port takes slot 0, which nats's client port has",
            id="one sheet uses a slot twice",
        ),
    ],
)
def test_the_catalog_refuses_instances_that_would_take_each_others_names_or_ports(
    instances: dict[str, Sheet[Any]], problem: str
) -> None:
    with pytest.raises(ValueError) as caught:
        Catalog(instances)
    assert str(caught.value) == f"invalid catalog: {problem}"
