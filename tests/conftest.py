"""Shared fixtures: the program run under the mock engine, and config builders."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from pulumi.runtime import mocks, settings

from components import SERVICES, Placement, Service, create_networks, parse_settings
from offline.engine import PROJECT, DockerMocks, Plan, RecordingMonitor, config_text, run_program, stack_config

CONTAINER = "docker:index/container:Container"
VOLUME = "docker:index/volume:Volume"
NETWORK = "docker:index/network:Network"
IMAGE = "docker:index/remoteImage:RemoteImage"
PASSWORD = "random:index/randomPassword:RandomPassword"
SERVICE_KEYS = [service.key for service in SERVICES]


def config(stack: str = "dev", **overrides: Any) -> dict[str, str]:
    """The committed config of `stack`, with `trade2026:<key>` overrides as the CLI would pass them."""
    return {**stack_config(stack), **{f"trade2026:{key}": config_text(value) for key, value in overrides.items()}}


@pytest.fixture(scope="session")
def dev_plan() -> Plan:
    """The committed dev stack, as after `pulumi up` against a mock Docker."""
    return run_program("dev")


@pytest.fixture
def catalog() -> Iterator[dict[str, Service]]:
    """All eight components built directly, under a fresh mock runtime, for spec-level checks
    and Output-level assertions inside @pulumi.runtime.test."""
    stack = "dev"
    pulumi.runtime.set_all_config(stack_config(stack))
    mock = DockerMocks(preview=False)
    settings.ROOT.set(None)
    mocks.set_mocks(mock, project=PROJECT, stack=stack, preview=False, monitor=RecordingMonitor(mock))
    prefix = f"{PROJECT}-{stack}"
    placement = Placement(prefix, parse_settings(stack_config(stack)), create_networks(prefix))
    yield {service.key: service(placement) for service in SERVICES}
