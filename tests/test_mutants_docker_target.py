"""What the Docker target renders around each data sheet, written out: the generated credentials'
shape, the healthcheck's timing, log rotation, restart and privilege settings, labels, and the
resource options that keep a replace safe. Mutation testing (tools/mutation.sh) found each of
these could change with every other test still green."""

from __future__ import annotations

import pytest

from components.targets.docker import go_duration
from offline.engine import Plan, run_program
from tests.conftest import CONTAINER, IMAGE, PASSWORD, SERVICE_KEYS, VOLUME, config

# RandomPassword inputs: 32 characters with a lower, an upper and a digit; only OpenSearch's admin
# password (security plugin on) has special characters, from a set safe in its config files.
PLAIN_PASSWORD = {"length": 32, "special": False, "minLower": 1, "minUpper": 1, "minNumeric": 1, "minSpecial": 0}
SPECIAL_PASSWORD = {
    "length": 32,
    "special": True,
    "minLower": 1,
    "minUpper": 1,
    "minNumeric": 1,
    "minSpecial": 1,
    "overrideSpecial": "_%@+=",
}
PASSWORDS = ["clickhouse-password", "postgres-password", "questdb-pg-password", "seaweedfs-s3-access-key"]
PASSWORDS += ["seaweedfs-s3-secret-key", "valkey-password"]
# Docker's healthcheck start period per service (Go duration text, as the provider reports it).
START_PERIOD = {"questdb": "10s", "clickhouse": "30s", "opensearch": "1m0s"}
WAIT_TIMEOUT = {"questdb": 90, "clickhouse": 120, "seaweedfs": 90, "opensearch": 180}


def test_every_generated_credential_of_the_dev_stack_is_32_plain_characters(dev_plan: Plan) -> None:
    generated = {p.name: p.inputs for p in dev_plan.of_type(PASSWORD)}
    assert generated == {name: PLAIN_PASSWORD for name in PASSWORDS}


def test_opensearchs_admin_password_has_special_characters_from_a_safe_set() -> None:
    plan = run_program("dev", config(services={"opensearch": {"securityPlugin": True}}))
    assert plan.get(PASSWORD, "opensearch-admin-password").inputs == SPECIAL_PASSWORD


@pytest.mark.parametrize("key", SERVICE_KEYS)
def test_healthcheck_runs_every_10s_times_out_after_5s_and_allows_3_retries(dev_plan: Plan, key: str) -> None:
    healthcheck = dev_plan.get(CONTAINER, key).inputs["healthcheck"]
    timing = {k: v for k, v in healthcheck.items() if k != "tests"}
    assert timing == {"interval": "10s", "timeout": "5s", "retries": 3, "startPeriod": START_PERIOD.get(key, "0s")}


@pytest.mark.parametrize("key", SERVICE_KEYS)
def test_container_rotates_logs_restarts_unless_stopped_and_cannot_gain_privileges(dev_plan: Plan, key: str) -> None:
    inputs = dev_plan.get(CONTAINER, key).inputs
    assert inputs["logDriver"] == "json-file"
    assert inputs["logOpts"] == {"max-size": "10m", "max-file": "3"}
    assert inputs["restart"] == "unless-stopped"
    assert inputs["securityOpts"] == ["no-new-privileges:true"]


@pytest.mark.parametrize("key", SERVICE_KEYS)
def test_container_and_volume_carry_the_stack_and_service_labels(dev_plan: Plan, key: str) -> None:
    labels = [{"label": "trade2026.stack", "value": "dev"}, {"label": "trade2026.service", "value": key}]
    assert dev_plan.get(CONTAINER, key).inputs["labels"] == labels
    volumes = [v for v in dev_plan.of_type(VOLUME) if v.name == f"{key}-data"]
    assert [v.inputs["labels"] for v in volumes] == ([] if key == "opa" else [labels])


@pytest.mark.parametrize("key", SERVICE_KEYS)
def test_up_waits_for_healthy_with_the_services_own_timeout(dev_plan: Plan, key: str) -> None:
    inputs = dev_plan.get(CONTAINER, key).inputs
    assert (inputs["wait"], inputs["waitTimeout"]) == (True, WAIT_TIMEOUT.get(key, 60))


@pytest.mark.parametrize("key", SERVICE_KEYS)
def test_a_replaced_container_goes_first_and_a_changed_healthcheck_replaces_it(dev_plan: Plan, key: str) -> None:
    container = dev_plan.get(CONTAINER, key)
    assert (container.delete_before_replace, container.replace_on_changes) == (True, ("healthcheck",))


@pytest.mark.parametrize("key", SERVICE_KEYS)
def test_the_image_stays_on_the_host_when_the_stack_lets_go_of_it(dev_plan: Plan, key: str) -> None:
    assert dev_plan.get(IMAGE, f"{key}-image").inputs["keepLocally"] is True


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (10, "10s"), (59, "59s"), (60, "1m0s"), (90, "1m30s")])
def test_durations_are_written_the_way_docker_reports_them(seconds: int, text: str) -> None:
    assert go_duration(seconds) == text
