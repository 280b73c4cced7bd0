"""Open Policy Agent: pre-trade compliance and authorization decisions."""

from pathlib import Path

from .catalog import ServiceSettings, Sheet
from .roundtrips import HTTP, Check, Credentials, Endpoints, opa_round_trip
from .spec import HttpProbe, Port, ServiceSpec, Upload

POLICY = (Path(__file__).parent / "files" / "trading.rego").read_text()


def spec(overrides: ServiceSettings) -> ServiceSpec:
    return ServiceSpec(
        # The release the real-server tier runs (tests/real/test_opa.py); the compose setup's
        # `latest` was 1.4.x when it was written, and the Go module proxy serves only 1.21+.
        image="openpolicyagent/opa:1.21.1",
        ports=(Port("rest", 8181, scheme="http", slot=11),),
        # Stateless: policies ship inside the container, decisions are not stored.
        volumes=(),
        networks=("backend",),
        # OPA does serve /health; the image has no shell or HTTP client, only /opa itself.
        healthcheck=HttpProbe("rest", "/health", tool="opa"),
        # OPA loads only the paths named here; the compose file named none and loaded nothing.
        command=("run", "--server", "--addr=0.0.0.0:8181", "/policies"),
        uploads=(Upload("/policies/trading.rego", POLICY),),
        memory_mb=overrides.memory(128),
    )


def variables(endpoints: Endpoints, _: Credentials) -> dict[str, str]:
    return {"OPA_URL": endpoints["rest"]}


SHEET = Sheet(
    kind="opa",
    component="OPA",
    settings=ServiceSettings,
    spec=spec,
    variables=variables,
    check=Check("policy decision", opa_round_trip, {"rest": HTTP}),
    memory_floor_mb=64,
)
