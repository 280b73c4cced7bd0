"""A program with a bug inside a component: one service registers, then the next one's data sheet
raises while the engine still has registrations in flight."""

from components import ServiceArgs, load_settings, target_for_stack
from components.nats import Nats
from components.spec import ServiceSpec
from components.valkey import Valkey


class BrokenValkey(Valkey):
    @staticmethod
    def declare(args: ServiceArgs) -> ServiceSpec:
        raise ValueError("no image for valkey")


settings = load_settings()
target = target_for_stack(settings)
Nats("nats", ServiceArgs.from_settings(target, settings.services.nats))
BrokenValkey("valkey", ServiceArgs.from_settings(target, settings.services.valkey))
