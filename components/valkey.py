"""Valkey: the in-memory cache for prices, order books, sessions and rate limits."""

from .catalog import ServiceSettings, Sheet
from .connections import with_login
from .roundtrips import Check, Credentials, Endpoints, valkey_round_trip
from .spec import CommandProbe, Credential, DataVolume, Port, SecretRef, ServiceSpec, Upload

CONFIG_FILE = "/usr/local/etc/valkey/valkey.conf"


def valkey_conf(password: str, memory_mb: int) -> str:
    # The compose setup's persistence (RDB every 60 s after 1000 writes, plus AOF), a password,
    # and a maxmemory below the container limit so Valkey refuses writes instead of being OOM-killed.
    return (
        "dir /data\n"
        "save 60 1000\n"
        "appendonly yes\n"
        f"maxmemory {memory_mb * 3 // 4}mb\n"
        "maxmemory-policy noeviction\n"
        f"requirepass {password}\n"
    )


def spec(overrides: ServiceSettings) -> ServiceSpec:
    memory_mb = overrides.memory(256)
    return ServiceSpec(
        image="valkey/valkey:8.1.3-alpine",
        ports=(Port("client", 6379, scheme="redis", slot=2),),
        volumes=(DataVolume("data", "/data"),),
        networks=("lowlatency", "backend"),
        # The password is read from the config file at probe time, so it never appears in
        # `docker inspect`, and handed over in REDISCLI_AUTH, so it never appears in `ps` either
        # (as `-a` would). valkey-cli exits 0 on NOAUTH, hence the check for PONG itself.
        healthcheck=CommandProbe(
            "client",
            f"REDISCLI_AUTH=\"$(sed -n 's/^requirepass //p' {CONFIG_FILE})\" valkey-cli -p 6379 ping | grep -qx PONG",
        ),
        command=("valkey-server", CONFIG_FILE),
        uploads=(Upload(CONFIG_FILE, lambda c: valkey_conf(c["password"], memory_mb), secret=True),),
        credentials=(Credential("password"),),
        connection={"password": SecretRef("password")},
        memory_mb=memory_mb,
        # Its entrypoint chowns /data as root, then runs the server as user valkey (uid 999).
        switches_user=True,
    )


def variables(endpoints: Endpoints, credentials: Credentials) -> dict[str, str]:
    # No user name: Valkey's `requirepass` is the default user's password. Both redis-py and
    # valkey-py read redis:// URLs; database 0 is the default made explicit.
    url = with_login(endpoints["client"], "", credentials["password"], "/0")
    return {"REDIS_URL": url, "VALKEY_URL": url}


SHEET = Sheet(
    kind="valkey",
    component="Valkey",
    settings=ServiceSettings,
    spec=spec,
    variables=variables,
    check=Check("AUTH SET GET", valkey_round_trip, {"client": ("redis", "rediss")}),
    memory_floor_mb=64,
)
