"""The component every service is: one instance of a data sheet, rendered by the stack's target."""

from __future__ import annotations

from typing import Any

import pulumi

from .catalog import ServiceSettings, Sheet
from .targets.base import Target


class Service(pulumi.ComponentResource):
    """An instance `name` of `sheet` with the stack's `overrides` for it (the sheet's defaults when
    None): registers the component under the sheet's type token, lets the target render the final
    spec, and registers the component's outputs."""

    endpoints: pulumi.Output[dict[str, str]]
    internal_endpoints: dict[str, str]
    credentials: pulumi.Output[dict[str, str]] | None
    port_forward: pulumi.Input[str] | None
    # Secret: most values carry a credential. None when the instance is switched off.
    connections: pulumi.Output[dict[str, str]] | None

    def __init__(
        self,
        name: str,
        sheet: Sheet[Any],
        target: Target,
        overrides: ServiceSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(sheet.type_token, name, None, opts)
        chosen = sheet.settings() if overrides is None else overrides
        self.name = name
        self.kind = sheet.kind
        self.enabled = chosen.enabled
        self.spec = sheet.declare(chosen)
        rendered = target.render(self, name, self.spec, self.enabled)
        self.endpoints = rendered.endpoints
        self.internal_endpoints = rendered.internal_endpoints
        self.credentials = rendered.credentials
        self.port_forward = rendered.port_forward
        self.connections = None
        if self.enabled:
            login = self.credentials if self.credentials is not None else pulumi.Output.from_input({})
            both = pulumi.Output.all(self.endpoints, login)
            self.connections = pulumi.Output.secret(both.apply(lambda pair: sheet.variables(pair[0], pair[1])))
        outputs: dict[str, Any] = {"endpoints": self.endpoints, "internalEndpoints": self.internal_endpoints}
        if self.credentials is not None:
            outputs["credentials"] = self.credentials
        if self.port_forward is not None:
            outputs["portForward"] = self.port_forward
        self.register_outputs(outputs)
