"""Which Docker host the stack lands on, and how a developer's machine reaches its published ports.

The Docker provider connects to `docker:context` (or DOCKER_CONTEXT) when one is named, else to
`docker:host`, else to DOCKER_HOST, else to the local socket (pulumi-docker 5.x, `config/vars.py`).
A published port binds on *that* host: on a remote host, 127.0.0.1 is the remote's loopback. So:

- local (unix://, npipe://, or tcp:// and ssh:// to a loopback address): endpoints as bound;
- remote, bound to a non-loopback address: endpoints name the remote host (or the bound address);
- remote over ssh://, bound to loopback: endpoints on this machine's loopback, reachable through
  one `ssh -L` line per service (the `portForward` output);
- remote over tcp://, bound to loopback: nothing can reach the ports, so the stack is refused.

A Docker host URL never appears in a message with its password: `redacted` shows `[secret]` in
its place. A URL carrying one is refused, as the Docker provider would refuse or ignore it. What the
stack marked secret (`docker:host`, `docker:sshOpts`) keeps the outputs built from it secret.
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


def redacted(url: str) -> str:
    """`url` as a message may show it: the password of a login in it, if any, as [secret].

    Works on text no URL parser accepts, since messages about such text must not leak either: the
    login is everything between `scheme://` and the last `@`.
    """
    scheme, separator, rest = url.partition("://")
    prefix, rest = (f"{scheme}://", rest) if separator else ("", url)
    login, at, host = rest.rpartition("@")
    if not at or ":" not in login:
        return url
    return f"{prefix}{login.partition(':')[0]}:[secret]@{host}"


def _has_password(url: str) -> bool:
    return redacted(url) != url


@dataclass(frozen=True)
class DockerHost:
    """The daemon the provider talks to. `url` is empty for the local default socket."""

    url: str = ""
    # Which setting named it: docker:host, DOCKER_HOST, docker:context <name>, ...
    source: str = "the default socket"
    ssh_options: tuple[str, ...] = ()
    # The stack marked the setting that named the host (docker:host) secret: what is built from it
    # (endpoints naming the host, ssh lines naming user and host) is secret too.
    secret: bool = False
    # The stack marked docker:sshOpts secret: ssh lines carrying them are secret.
    secret_options: bool = False

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
        return f"{self.source} {redacted(self.url)}" if self.url else self.source


def _is_loopback_name(name: str) -> bool:
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


# Ours, not the docker SDK's ContextAPI: that is a Docker API client (requests with it) for one JSON
# read, and it finds contexts through DOCKER_CONFIG in os.environ, not the environment resolve() is
# given (docker-py docker/context/config.py, read, not run here).
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
    *,
    secret_host: bool = False,
    secret_options: bool = False,
) -> DockerHost:
    """The Docker host as the provider picks it from its config and the environment; `secret_host`
    and `secret_options` say whether the stack marked docker:host and docker:sshOpts secret."""
    context, context_source = config_context, "docker:context"
    if not context and environ.get("DOCKER_CONTEXT"):
        context, context_source = environ["DOCKER_CONTEXT"], "DOCKER_CONTEXT"
    secret = False
    if context and context != "default":
        docker_config = Path(environ.get("DOCKER_CONFIG") or Path(environ.get("HOME", "~")) / ".docker").expanduser()
        url, source = _context_host(context, docker_config, context_source), f"{context_source} {context}"
    elif config_host:
        url, source, secret = config_host, "docker:host", secret_host
    elif environ.get("DOCKER_HOST"):
        url, source = environ["DOCKER_HOST"], "DOCKER_HOST"
    else:
        return DockerHost(ssh_options=tuple(ssh_options), secret_options=secret_options)
    host = DockerHost(url, source, tuple(ssh_options), secret, secret_options)
    shown = redacted(url)
    try:
        parts = urlsplit(url)
    except ValueError:
        # An unclosed IPv6 bracket, say: urlsplit refuses it.
        raise DockerHostError(f"{source}: {shown!r} is not a URL (unix://, tcp://, ssh://)") from None
    if parts.scheme not in LOCAL_SCHEMES | NETWORK_SCHEMES:
        raise DockerHostError(f"{source}: {shown!r} is not a Docker host {_TOOL} connects to (unix://, tcp://, ssh://)")
    try:
        parts.port  # noqa: B018 (parsing it is the check)
    except ValueError:
        raise DockerHostError(f"{source}: {shown!r} has a port that is not a number from 0 to 65535") from None
    if _has_password(url):
        # The Docker CLI's ssh helper, which the provider uses, refuses one ("plain-text password
        # is not supported", docker/cli cli/connhelper/ssh), and its tcp:// client drops the login
        # (docker/docker client.ParseHostURL keeps the URL's host only): read, not run here.
        raise DockerHostError(
            f"{source}: {shown!r} carries a password, which {_TOOL} does not use: "
            "log in over ssh:// with a key (docker:sshOpts -i ...) or over tcp:// with TLS certificates"
        )
    if parts.scheme in NETWORK_SCHEMES and not host.hostname:
        raise DockerHostError(f"{source}: {shown!r} names no host")
    return host


@dataclass(frozen=True)
class Tunnel:
    """`ssh -L` forwards from this machine's loopback to ports bound on the remote's loopback."""

    destination: str
    remote_address: str
    options: tuple[str, ...] = ()
    # Which parts came from settings the stack marked secret.
    secret_destination: bool = False
    secret_options: bool = False

    @property
    def secret(self) -> bool:
        return self.secret_destination or self.secret_options

    def command(self, ports: Iterable[int]) -> str:
        """The line to run; secret when `secret` is."""
        return self._line(ports, list(self.options), self.destination)

    def shown(self, ports: Iterable[int]) -> str:
        """The line as a message may show it: secret parts named, not given."""
        options = ["[secret docker:sshOpts]"] if self.secret_options and self.options else list(self.options)
        destination = "[secret docker:host]" if self.secret_destination else self.destination
        return self._line(ports, options, destination)

    def _line(self, ports: Iterable[int], options: list[str], destination: str) -> str:
        forwards = [arg for port in ports for arg in ("-L", f"127.0.0.1:{port}:{self.remote_address}:{port}")]
        return shlex.join(["ssh", "-N", *options, *forwards, destination])


@dataclass(frozen=True)
class Reach:
    """How URLs on the developer's machine reach the published ports."""

    # The host part of every endpoint URL.
    host: str
    # Set when the endpoints work only through ssh forwards.
    tunnel: Tunnel | None = None
    # `host` came from a setting the stack marked secret: endpoints naming it are secret.
    secret: bool = False


def reach(docker: DockerHost, bind_address: str) -> Reach:
    """Where endpoints point for ports published on `bind_address` of `docker`'s host; raises
    DockerHostError for a combination no machine but the Docker host itself could use."""
    if not docker.remote:
        return Reach(endpoint_host(bind_address))
    address = ipaddress.ip_address(bind_address)
    if address.is_unspecified:
        host = docker.hostname
        return Reach(f"[{host}]" if ":" in host else host, secret=docker.secret)
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
    tunnel = Tunnel(
        destination,
        endpoint_host(bind_address),
        (*port, *docker.ssh_options),
        secret_destination=docker.secret,
        secret_options=docker.secret_options,
    )
    return Reach("127.0.0.1", tunnel)
