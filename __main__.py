"""Trade2026 infrastructure: eight services on three Docker networks, one stack per environment or developer."""

import pulumi

from components import SERVICES, Placement, create_networks, load_settings

# First, so bad config is refused before any resource is registered.
settings = load_settings()

# Every Docker object name carries the stack, so developer stacks share a Docker host safely.
prefix = f"{pulumi.get_project()}-{pulumi.get_stack()}"
placement = Placement(prefix, settings, create_networks(prefix))
services = [service(placement) for service in SERVICES]

pulumi.export("endpoints", {s.key: s.endpoints for s in services if s.settings.enabled})
pulumi.export("internalEndpoints", {s.key: s.internal_endpoints for s in services if s.settings.enabled})
pulumi.export("credentials", pulumi.Output.secret({s.key: s.credentials for s in services if s.credentials}))
