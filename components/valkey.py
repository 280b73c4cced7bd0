import pulumi

from .service import Service, ServiceArgs
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


class Valkey(Service):
    """Valkey: the in-memory cache for prices, order books, sessions and rate limits."""

    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trade2026:infra:Valkey", name, self.declare(args), args, opts)

    @staticmethod
    def declare(args: ServiceArgs) -> ServiceSpec:
        memory_mb = args.memory(256)
        return ServiceSpec(
            image="valkey/valkey:8.1.3-alpine",
            ports=(Port("client", 6379, scheme="redis"),),
            volumes=(DataVolume("data", "/data"),),
            networks=("lowlatency", "backend"),
            # The password is read from the config file at probe time, so it never appears in
            # `docker inspect`, and handed over in REDISCLI_AUTH, so it never appears in `ps` either
            # (as `-a` would). valkey-cli exits 0 on NOAUTH, hence the check for PONG itself.
            healthcheck=CommandProbe(
                "client",
                f"REDISCLI_AUTH=\"$(sed -n 's/^requirepass //p' {CONFIG_FILE})\" valkey-cli -p 6379 ping"
                " | grep -qx PONG",
            ),
            command=("valkey-server", CONFIG_FILE),
            uploads=(Upload(CONFIG_FILE, lambda c: valkey_conf(c["password"], memory_mb), secret=True),),
            credentials=(Credential("password"),),
            connection={"password": SecretRef("password")},
            memory_mb=memory_mb,
        )
