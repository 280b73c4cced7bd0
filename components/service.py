"""The component every service is: its data sheet (`declare`) rendered by the stack's target."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

import pulumi

from .settings import ServiceSettings
from .spec import ServiceSpec

if TYPE_CHECKING:
    from .targets.base import Target


@dataclass(frozen=True)
class ServiceArgs:
    """What a service takes from its stack: the target it renders on and the per-service overrides."""

    target: Target
    enabled: bool = True
    # A full image reference replacing the pinned one; it goes through the registry mirror unless it
    # names a registry of its own (components/images.py resolve_image).
    image: str | None = None
    memory_mb: int | None = None
    wait_timeout_seconds: int | None = None

    @classmethod
    def from_settings(cls, target: Target, settings: ServiceSettings) -> Self:
        return cls(target, **settings.model_dump())

    def memory(self, default_mb: int) -> int:
        """The container memory limit: the stack's override, else the service's default. Services
        size in-process limits (JVM heap, maxmemory) from this same number."""
        return self.memory_mb or default_mb


class Service(pulumi.ComponentResource):
    """Base of the eight services: registers the component, lets the target render the spec, and
    registers the component's outputs."""

    endpoints: pulumi.Output[dict[str, str]]
    internal_endpoints: dict[str, str]
    credentials: pulumi.Output[dict[str, str]] | None
    port_forward: pulumi.Input[str] | None

    def __init__(
        self, type_token: str, name: str, spec: ServiceSpec, args: ServiceArgs, opts: pulumi.ResourceOptions | None
    ) -> None:
        super().__init__(type_token, name, None, opts)
        self.key = name
        self.enabled = args.enabled
        self.spec = spec
        rendered = args.target.render(self, name, spec, args)
        self.endpoints = rendered.endpoints
        self.internal_endpoints = rendered.internal_endpoints
        self.credentials = rendered.credentials
        self.port_forward = rendered.port_forward
        outputs: dict[str, Any] = {"endpoints": self.endpoints, "internalEndpoints": self.internal_endpoints}
        if self.credentials is not None:
            outputs["credentials"] = self.credentials
        if self.port_forward is not None:
            outputs["portForward"] = self.port_forward
        self.register_outputs(outputs)
