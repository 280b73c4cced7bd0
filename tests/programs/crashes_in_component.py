"""A program with a bug inside a component: one service registers, then the next one's data sheet
raises while the engine still has registrations in flight."""

from dataclasses import replace

from components import catalog, nats, service, settings, spec, valkey
from components.targets.docker import DockerTarget


def broken(_overrides: catalog.ServiceSettings) -> spec.ServiceSpec:
    """Valkey's declaration with a bug: it raises instead of declaring the spec (the gate names
    this file and line in its one line)."""
    raise ValueError("no image for valkey")


target = DockerTarget.for_stack(settings.StackSettings())
service.Service("nats", nats.SHEET, target)
service.Service("valkey", replace(valkey.SHEET, spec=broken), target)
