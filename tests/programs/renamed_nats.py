"""NATS after a hypothetical rename of its type token, done the safe way: the alias names the old
token, so the engine matches the deployed component and its children instead of replacing them."""

import pulumi

from components import DockerTarget, Nats, Service, ServiceArgs, StackSettings


class MessageBus(Service):
    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        renamed = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_="trade2026:infra:Nats")])
        super().__init__(
            "trade2026:infra:MessageBus", name, Nats.declare(args), args, pulumi.ResourceOptions.merge(opts, renamed)
        )


MessageBus("nats", ServiceArgs(DockerTarget.for_stack(StackSettings())))
