"""The data sheet every service fills in: plain values, no Pulumi resources.

A service file says *what* runs (image, ports by role, data volumes, networks, probe, env, the
credentials it needs); a target under `components.targets` decides *how* that becomes resources.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from .ports import BLOCK_SIZE, fixed_host_port
from .ready import ReadyObject

# frontend: what UI-facing services reach; lowlatency: the trading hot path;
# backend: everything services talk to. As in the compose setup.
NETWORKS = ("frontend", "lowlatency", "backend")


@dataclass(frozen=True)
class Credential:
    """A secret the service needs, generated once per stack by the target (never written in code)."""

    name: str
    # OpenSearch refuses an admin password without a special character.
    special: bool = False


@dataclass(frozen=True)
class SecretRef:
    """Stands for the value of the service's credential `credential` wherever a value is expected."""

    credential: str


# An env value or a connection field: literal text, or a generated credential.
Value = str | SecretRef


@dataclass(frozen=True)
class Port:
    """A port the service really serves, named by the role clients know it by."""

    role: str
    number: int
    scheme: str = "tcp"
    # Internal ports are reachable from the stack's networks only, never from the host.
    published: bool = True
    # Its place in every block of fixed host ports (components/ports.py): a published port's slot
    # is never renumbered, or a stack's ports would move. Slots are the sheet's, so two sheets
    # never share one (the catalog refuses that).
    slot: int | None = None
    # Well-known host port (port block 0), where the container port would clash with another
    # service's (QuestDB and ClickHouse both serve 9000).
    host: int | None = None

    @property
    def host_number(self) -> int:
        return self.host if self.host is not None else self.number

    def fixed_host_port(self, block: int) -> int:
        """Its host port in port block `block` of the fixed scheme."""
        if self.slot is None:
            raise ValueError(f"port {self.role} has no host-port slot")
        return fixed_host_port(block, self.slot, self.host_number)


@dataclass(frozen=True)
class HttpProbe:
    """GET a path on one of the service's own ports, from inside the container.

    `tool` is what the image actually ships: busybox/GNU `wget`, `curl`, `bash` alone (its
    /dev/tcp speaks enough HTTP/1.0), or `opa` (the OPA binary is the only program in its image).
    """

    port: str
    path: str
    tool: Literal["wget", "curl", "bash", "opa"]


@dataclass(frozen=True)
class CommandProbe:
    """A readiness command for a protocol that is not HTTP, checking the port of role `port`."""

    port: str
    command: str


Probe = HttpProbe | CommandProbe


@dataclass(frozen=True)
class DataVolume:
    """A managed Docker volume holding data the service must keep across container replacement."""

    name: str
    path: str


@dataclass(frozen=True)
class Upload:
    """A file written into the container before it starts: config without a bind mount.

    `content` is the text, or a template applied to the service's credentials (name -> value)
    once they exist. Either way the target keeps a `secret` file out of plaintext state.
    """

    path: str
    content: str | Callable[[Mapping[str, str]], str]
    secret: bool = False


@dataclass(frozen=True)
class ServiceSpec:
    image: str
    ports: tuple[Port, ...]
    volumes: tuple[DataVolume, ...]
    networks: tuple[str, ...]
    healthcheck: Probe
    env: Mapping[str, Value] = field(default_factory=dict)
    command: tuple[str, ...] = ()
    uploads: tuple[Upload, ...] = ()
    credentials: tuple[Credential, ...] = ()
    # What a client needs besides the address (user, password, database...): the service's
    # entry in the stack's `credentials` output.
    connection: Mapping[str, Value] = field(default_factory=dict)
    # DNS names on the stack's networks besides the instance's own name, each written with {name}
    # for that name (`{name}-library` is postgres-library for the instance postgres), so a second
    # instance of the sheet answers to names of its own.
    dns_aliases: tuple[str, ...] = ()
    # name -> (soft, hard), as the image's own compose examples ask for.
    ulimits: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    memory_mb: int = 256
    # Seconds `pulumi up` waits for the healthcheck to pass; slow JVM starters need more.
    wait_timeout: int = 60
    # Seconds of start-up during which failed probes do not count.
    start_period: int = 0
    # Seconds a stop (`docker stop`, a pod's termination) waits after SIGTERM before it kills the
    # server, which may then lose what it had not flushed; None keeps the platform's default
    # (Docker 10 s, Kubernetes 30 s).
    stop_timeout: int | None = None
    # Objects the applications expect on a fresh stack (streams, tables, buckets, index templates).
    ready: tuple[ReadyObject, ...] = ()
    # What the image's entrypoint does, which a target that runs it with less than a container
    # runtime's default rights must allow: it starts as root, gives the data directory to the
    # server's user (chown, chmod) and switches to that user (gosu, su-exec, setpriv).
    switches_user: bool = False
    # The group of the fixed non-root user the image runs as, which must be able to write its data
    # volumes; None where the image starts as root.
    data_group: int | None = None

    def __post_init__(self) -> None:
        # A data sheet that contradicts itself is refused before any target renders it.
        self.port(self.healthcheck.port)
        declared = {credential.name for credential in self.credentials}
        for value in [*self.env.values(), *self.connection.values()]:
            if isinstance(value, SecretRef) and value.credential not in declared:
                raise ValueError(f"{value.credential!r} is not a declared credential")
        for declaration in self.ready:
            if not self.port(declaration.port_role).published:
                raise ValueError(f"{declaration.kind} {declaration.name} needs port {declaration.port_role} published")
        unknown = set(self.networks) - set(NETWORKS)
        if unknown:
            raise ValueError(f"unknown networks {sorted(unknown)}")
        for port in self.ports:
            if port.published and (port.slot is None or not 0 <= port.slot < BLOCK_SIZE):
                raise ValueError(f"published port {port.role} needs a host-port slot from 0 to {BLOCK_SIZE - 1}")
        for alias in self.dns_aliases:
            if "{name}" not in alias or alias.replace("{name}", "") in ("", "-"):
                raise ValueError(f"DNS alias {alias!r} must be the instance's {{name}} and a part of its own")

    def aliases(self, name: str) -> tuple[str, ...]:
        """The DNS aliases of the instance `name`."""
        return tuple(alias.replace("{name}", name) for alias in self.dns_aliases)

    def port(self, role: str) -> Port:
        for port in self.ports:
            if port.role == role:
                return port
        raise KeyError(f"no port with role {role!r}")


def probe_test(probe: Probe, ports: tuple[Port, ...]) -> list[str]:
    """Render a probe as Docker's healthcheck `test` list."""
    if isinstance(probe, CommandProbe):
        return ["CMD-SHELL", probe.command]
    number = next(p.number for p in ports if p.role == probe.port)
    # 127.0.0.1, not localhost: in the alpine images localhost resolves to ::1 first, and
    # several of these servers listen on IPv4 only.
    url = f"http://127.0.0.1:{number}{probe.path}"
    if probe.tool == "wget":
        return ["CMD", "wget", "-q", "-O", "/dev/null", url]
    if probe.tool == "curl":
        return ["CMD", "curl", "-fsS", "-o", "/dev/null", url]
    if probe.tool == "opa":
        # Unification, not `==`: a one-expression query whose comparison is false is a defined
        # result (`false`), which --fail lets through with exit 0, so a 503 would pass. A failed
        # unification leaves the query undefined, which --fail turns into exit 1; so does a
        # refused connection.
        query = f'http.send({{"method": "get", "url": "{url}"}}).status_code = 200'
        return ["CMD", "/opa", "eval", "--fail", query]
    request = f"GET {probe.path} HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n"
    script = (
        f"exec 3<>/dev/tcp/127.0.0.1/{number} && printf {shlex.quote(request)} >&3"
        " && read -r status <&3 && [[ $status == 'HTTP/1.'?' 200'* ]]"
    )
    return ["CMD", "bash", "-c", script]
