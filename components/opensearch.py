"""OpenSearch: full-text search over logs, orders and trades."""

from pydantic import Field

from .catalog import CliBool, ServiceSettings, Sheet
from .connections import with_login
from .credential_rules import OPENSEARCH_ADMIN_USER
from .ready import IndexTemplate
from .roundtrips import HTTP, Check, Credentials, Endpoints, opensearch_round_trip
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


class OpenSearchSettings(ServiceSettings):
    # Off only on a developer laptop (a policy enforces that).
    security_plugin: CliBool = Field(True, description="TLS and login on 9200; turn off only on a developer laptop.")


def spec(overrides: OpenSearchSettings) -> ServiceSpec:
    memory_mb = overrides.memory(1024)
    heap_mb = memory_mb // 2  # the other half is for Lucene's file cache
    env: dict[str, Value] = {
        "discovery.type": "single-node",
        "bootstrap.memory_lock": "true",
        "OPENSEARCH_JAVA_OPTS": f"-Xms{heap_mb}m -Xmx{heap_mb}m",
    }
    healthcheck: Probe
    credentials: tuple[Credential, ...] = ()
    connection: dict[str, Value] = {}
    if overrides.security_plugin:
        credentials = (Credential("admin-password", special=True),)
        connection = {"user": OPENSEARCH_ADMIN_USER, "password": SecretRef("admin-password")}
        env["OPENSEARCH_INITIAL_ADMIN_PASSWORD"] = SecretRef("admin-password")
        # TLS is beyond bash's /dev/tcp. curl in the 2.x image is unconfirmed from its
        # Dockerfile but used by OpenSearch's own healthcheck examples; so is sed (a base
        # package of every Linux image). The login reaches curl as a config file on stdin
        # (`-K -`), written by the shell's own printf, so no command line carries it (`ps`
        # shows command lines) and neither does the healthcheck (`docker inspect` shows it).
        # sed escapes the two characters a quoted curl config value treats specially, reading
        # the password on stdin as well.
        healthcheck = CommandProbe(
            "rest",
            f"printf 'user = \"{OPENSEARCH_ADMIN_USER}:%s\"\\n'"
            ' "$(printf \'%s\' "$OPENSEARCH_INITIAL_ADMIN_PASSWORD" | sed \'s/[\\\\"]/\\\\&/g\')"'
            f" | curl -K - -fsk -o /dev/null 'https://127.0.0.1:9200{HEALTH_PATH}'",
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
            Port("rest", 9200, scheme="https" if overrides.security_plugin else "http", slot=9),
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
        # It runs as user opensearch (uid and gid 1000), never as root.
        data_group=1000,
    )


def variables(endpoints: Endpoints, credentials: Credentials) -> dict[str, str]:
    rest = endpoints["rest"]
    if "password" not in credentials:
        return {"OPENSEARCH_URL": rest}  # security plugin off: no login
    return {"OPENSEARCH_URL": with_login(rest, credentials["user"], credentials["password"])}


SHEET = Sheet(
    kind="opensearch",
    component="OpenSearch",
    settings=OpenSearchSettings,
    spec=spec,
    variables=variables,
    check=Check("index + search", opensearch_round_trip, {"rest": HTTP}),
    memory_floor_mb=1024,
    # 512 MB of heap is what OpenSearch's own compose example gives a node.
    floor_reason="its JVM heap is half the limit and needs 512 MB",
)
