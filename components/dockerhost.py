"""Which Docker host the stack lands on, and how a developer's machine reaches its published ports.

The Docker provider connects to `docker:context` (or DOCKER_CONTEXT) when one is named, else to
`docker:host`, else to DOCKER_HOST, else to the local socket (pulumi-docker 5.x, `config/vars.py`).
A published port binds on *that* host: on a remote host, 127.0.0.1 is the remote's loopback. So:

- local (unix://, npipe://, or tcp:// and ssh:// to a loopback address): endpoints as bound;
- remote, bound to a non-loopback address: endpoints name the remote host (or the bound address);
- remote over ssh://, bound to loopback: endpoints on this machine's loopback, reachable through
  one `ssh -L` line per service (the `portForward` output);
- remote over tcp://, bound to loopback: nothing can reach the ports, so the stack is refused.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .ports import endpoint_host

LOCAL_SCHEMES = frozenset({"unix", "npipe"})
# http(s):// are what the Docker client makes of tcp:// itself; it accepts them as given too.
NETWORK_SCHEMES = frozenset({"tcp", "http", "https", "ssh"})
_TOOL = "the Docker provider"


class DockerHostError(ValueError):
    """A Docker host this program cannot place endpoints for: one line naming the keys."""


@dataclass(frozen=True)
class DockerHost:
    """The daemon the provider talks to. `url` is empty for the local default socket."""

    url: str = ""
    # Which setting named it: docker:host, DOCKER_HOST, docker:context <name>, ...
    source: str = "the default socket"
    ssh_options: tuple[str, ...] = ()

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme if self.url else "unix"

    @property
    def hostname(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def remote(self) -> bool:
        if self.scheme in LOCAL_SCHEMES:
            return False
        return not _is_loopback_name(self.hostname)

    def described(self) -> str:
        return f"{self.source} {self.url}" if self.url else self.source


def _is_loopback_name(name: str) -> bool:
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _context_host(name: str, docker_config: Path, source: str) -> str:
    """The Docker endpoint a named context stores, where the Docker CLI keeps it."""
    meta = docker_config / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest() / "meta.json"
    try:
        host = json.loads(meta.read_text())["Endpoints"]["docker"]["Host"]
    except (OSError, ValueError, KeyError, TypeError):
        raise DockerHostError(f"{source}: no Docker context {name!r} under {docker_config / 'contexts'}") from None
    return str(host)


def resolve(
    config_host: str | None,
    config_context: str | None,
    environ: Mapping[str, str],
    ssh_options: Sequence[str] = (),
) -> DockerHost:
    """The Docker host as the provider picks it from its config and the environment."""
    context, context_source = config_context, "docker:context"
    if not context and environ.get("DOCKER_CONTEXT"):
        context, context_source = environ["DOCKER_CONTEXT"], "DOCKER_CONTEXT"
    if context and context != "default":
        docker_config = Path(environ.get("DOCKER_CONFIG") or Path(environ.get("HOME", "~")) / ".docker").expanduser()
        url, source = _context_host(context, docker_config, context_source), f"{context_source} {context}"
    elif config_host:
        url, source = config_host, "docker:host"
    elif environ.get("DOCKER_HOST"):
        url, source = environ["DOCKER_HOST"], "DOCKER_HOST"
    else:
        return DockerHost(ssh_options=tuple(ssh_options))
    host = DockerHost(url, source, tuple(ssh_options))
    scheme = urlsplit(url).scheme
    if scheme not in LOCAL_SCHEMES | NETWORK_SCHEMES:
        raise DockerHostError(f"{source}: {url!r} is not a Docker host {_TOOL} connects to (unix://, tcp://, ssh://)")
    try:
        urlsplit(url).port  # noqa: B018 (parsing it is the check)
    except ValueError:
        raise DockerHostError(f"{source}: {url!r} has a port that is not a number from 0 to 65535") from None
    if scheme in NETWORK_SCHEMES and not host.hostname:
        raise DockerHostError(f"{source}: {url!r} names no host")
    return host


@dataclass(frozen=True)
class Tunnel:
    """`ssh -L` forwards from this machine's loopback to ports bound on the remote's loopback."""

    destination: str
    remote_address: str
    options: tuple[str, ...] = ()

    def command(self, ports: Iterable[int]) -> str:
        forwards = [arg for port in ports for arg in ("-L", f"127.0.0.1:{port}:{self.remote_address}:{port}")]
        return shlex.join(["ssh", "-N", *self.options, *forwards, self.destination])


@dataclass(frozen=True)
class Reach:
    """How URLs on the developer's machine reach the published ports."""

    # The host part of every endpoint URL.
    host: str
    # Set when the endpoints work only through ssh forwards.
    tunnel: Tunnel | None = None


def reach(docker: DockerHost, bind_address: str) -> Reach:
    """Where endpoints point for ports published on `bind_address` of `docker`'s host; raises
    DockerHostError for a combination no machine but the Docker host itself could use."""
    if not docker.remote:
        return Reach(endpoint_host(bind_address))
    address = ipaddress.ip_address(bind_address)
    if address.is_unspecified:
        host = docker.hostname
        return Reach(f"[{host}]" if ":" in host else host)
    if not address.is_loopback:
        return Reach(endpoint_host(bind_address))  # an address of the remote host itself
    if docker.scheme != "ssh":
        raise DockerHostError(
            f"trade2026:bindAddress {bind_address} is the loopback of the remote Docker host "
            f"({docker.described()}), which nothing else reaches: bind one of its addresses "
            "(0.0.0.0 for all) or reach it over ssh:// for tunnels"
        )
    parts = urlsplit(docker.url)
    destination = f"{parts.username}@{docker.hostname}" if parts.username else docker.hostname
    port = ("-p", str(parts.port)) if parts.port else ()
    return Reach("127.0.0.1", Tunnel(destination, endpoint_host(bind_address), (*port, *docker.ssh_options)))
