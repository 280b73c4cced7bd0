"""NATS after a hypothetical rename of its type token, done the safe way: the alias names the old
token, so the engine matches the deployed component and its children instead of replacing them."""

from dataclasses import replace

import pulumi

from components import nats
from components.service import Service
from components.settings import StackSettings
from components.targets.docker import DockerTarget

renamed = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_="trade2026:infra:Nats")])
Service("nats", replace(nats.SHEET, component="MessageBus"), DockerTarget.for_stack(StackSettings()), opts=renamed)
