from dataclasses import dataclass

import pulumi

from .ready import IndexTemplate
from .service import Service, ServiceArgs
from .spec import CommandProbe, Credential, DataVolume, HttpProbe, Port, Probe, SecretRef, ServiceSpec, Value

# Yellow is healthy for a single node: replicas have nowhere to go.
HEALTH_PATH = "/_cluster/health?wait_for_status=yellow&timeout=2s"

# Ids and enumerations are keywords (exact match, aggregations); free text only where people search it.
TEMPLATES = (
    IndexTemplate(
        "logs",
        ("logs-*",),
        (
            ("@timestamp", "date"),
            ("level", "keyword"),
            ("service", "keyword"),
            ("host", "keyword"),
            ("trace_id", "keyword"),
            ("message", "text"),
        ),
    ),
    IndexTemplate(
        "orders",
        ("orders-*",),
        (
            ("timestamp", "date"),
            ("order_id", "keyword"),
            ("symbol", "keyword"),
            ("side", "keyword"),
            ("price", "double"),
            ("quantity", "double"),
            ("status", "keyword"),
            ("user_id", "keyword"),
        ),
    ),
    IndexTemplate(
        "trades",
        ("trades-*",),
        (
            ("timestamp", "date"),
            ("fill_id", "keyword"),
            ("order_id", "keyword"),
            ("symbol", "keyword"),
            ("side", "keyword"),
            ("price", "double"),
            ("quantity", "double"),
            ("venue", "keyword"),
        ),
    ),
)


@dataclass(frozen=True)
class OpenSearchArgs(ServiceArgs):
    # TLS and login on 9200; off only on a developer laptop (a policy enforces that).
    security_plugin: bool = True


class OpenSearch(Service):
    """OpenSearch: full-text search over logs, orders and trades."""

    def __init__(self, name: str, args: OpenSearchArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trade2026:infra:OpenSearch", name, self.declare(args), args, opts)

    @staticmethod
    def declare(args: OpenSearchArgs) -> ServiceSpec:
        memory_mb = args.memory(1024)
        heap_mb = memory_mb // 2  # the other half is for Lucene's file cache
        env: dict[str, Value] = {
            "discovery.type": "single-node",
            "bootstrap.memory_lock": "true",
            "OPENSEARCH_JAVA_OPTS": f"-Xms{heap_mb}m -Xmx{heap_mb}m",
        }
        healthcheck: Probe
        credentials: tuple[Credential, ...] = ()
        connection: dict[str, Value] = {}
        if args.security_plugin:
            credentials = (Credential("admin-password", special=True),)
            connection = {"user": "admin", "password": SecretRef("admin-password")}
            env["OPENSEARCH_INITIAL_ADMIN_PASSWORD"] = SecretRef("admin-password")
            # TLS is beyond bash's /dev/tcp. curl in the 2.x image is unconfirmed from its
            # Dockerfile but used by OpenSearch's own healthcheck examples.
            healthcheck = CommandProbe(
                "rest",
                'curl -fsk -o /dev/null -u "admin:$OPENSEARCH_INITIAL_ADMIN_PASSWORD"'
                f" 'https://127.0.0.1:9200{HEALTH_PATH}'",
            )
        else:
            # Plain HTTP with no login: for a developer laptop only (a policy enforces that).
            env["DISABLE_SECURITY_PLUGIN"] = "true"
            env["DISABLE_INSTALL_DEMO_CONFIG"] = "true"
            # bash is certain in this image (its entrypoint is a bash script); curl is not.
            healthcheck = HttpProbe("rest", HEALTH_PATH, tool="bash")
        return ServiceSpec(
            image="opensearchproject/opensearch:2.19.1",
            ports=(
                Port("rest", 9200, scheme="https" if args.security_plugin else "http"),
                Port("transport", 9300, scheme="tcp", published=False),
                Port("performance-analyzer", 9600, scheme="http", published=False),
            ),
            volumes=(DataVolume("data", "/usr/share/opensearch/data"),),
            networks=("backend",),
            healthcheck=healthcheck,
            env=env,
            credentials=credentials,
            connection=connection,
            # Memory lock needs an unlimited memlock ulimit; the host also needs vm.max_map_count >= 262144.
            ulimits={"memlock": (-1, -1), "nofile": (65536, 65536)},
            memory_mb=memory_mb,
            wait_timeout=180,
            start_period=60,
            ready=TEMPLATES,
        )
