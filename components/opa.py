from pathlib import Path

import pulumi

from .service import Service, ServiceArgs
from .spec import HttpProbe, Port, ServiceSpec, Upload

POLICY = (Path(__file__).parent / "files" / "trading.rego").read_text()


class OPA(Service):
    """Open Policy Agent: pre-trade compliance and authorization decisions."""

    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trade2026:infra:OPA", name, self.declare(args), args, opts)

    @staticmethod
    def declare(args: ServiceArgs) -> ServiceSpec:
        return ServiceSpec(
            # The release the real-server tier runs (tests/real/test_opa.py); the compose setup's
            # `latest` was 1.4.x when it was written, and the Go module proxy serves only 1.21+.
            image="openpolicyagent/opa:1.21.1",
            ports=(Port("rest", 8181, scheme="http"),),
            # Stateless: policies ship inside the container, decisions are not stored.
            volumes=(),
            networks=("backend",),
            # OPA does serve /health; the image has no shell or HTTP client, only /opa itself.
            healthcheck=HttpProbe("rest", "/health", tool="opa"),
            # OPA loads only the paths named here; the compose file named none and loaded nothing.
            command=("run", "--server", "--addr=0.0.0.0:8181", "/policies"),
            uploads=(Upload("/policies/trading.rego", POLICY),),
            memory_mb=args.memory(128),
        )
