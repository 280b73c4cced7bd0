"""Which image references count as pinned, and which reference a service finally pulls.

Pure functions, no Pulumi: the stack settings validate overrides with them and the renderer
resolves images with them. References are parsed by docker-image-py (a port of Docker's own
distribution/reference), as the policy pack parses them; the pack imports nothing from the program,
so the pinning rule on top is written in each, and tests/pinned_image_cases.py is the table both
must agree on.
"""

from __future__ import annotations

import re

from docker_image.digest import InvalidDigest
from docker_image.reference import InvalidReference, Reference

# A registry mirror setting (host[:port][/path]) is not a reference, so it is checked here, with
# distribution/reference's rules for host labels and path components.
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_COMPONENT_RE = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_VERSION = re.compile(r"v?(\d+(?:\.\d+)*)")
# An exact release has three version parts (2.10.29-alpine); these projects release with two
# (SeaweedFS 3.97, PostgreSQL 16.9). The pack's pinned-image-tags rule has the same defaults.
_VERSION_PARTS = 3
_VERSION_PARTS_BY_REPOSITORY = {"chrislusf/seaweedfs": 2, "postgres": 2}
_EXAMPLE = "a pinned reference looks like repo:1.2.3 or repo@sha256:<64 hex digits>"


def _is_registry_host(component: str) -> bool:
    # Docker's rule (splitDockerDomain): a first component with "." or ":", localhost, or upper case.
    return "." in component or ":" in component or component == "localhost" or component != component.lower()


def registry_problem(registry: str) -> str | None:
    """Why `registry` (host[:port][/path], as in a reference) is not a registry, or None."""
    if "://" in registry:
        return "has a scheme; write host[:port][/path]"
    host, slash, path = registry.partition("/")
    name, colon, port = host.partition(":")
    if colon and not (port.isascii() and port.isdigit() and 1 <= int(port[:6]) <= 65535):
        return "has an invalid port (expected 1 to 65535)"
    labels = name.split(".")
    if "" in labels:
        return "has an empty host label (a leading, trailing or doubled dot)"
    if not all(_LABEL.fullmatch(label) for label in labels):
        return "has a host label that is not letters, digits and inner hyphens (at most 63)"
    if slash and not all(_COMPONENT_RE.fullmatch(part) for part in path.split("/")):
        return "has a path that is not lower-case components separated by single slashes (no trailing /)"
    return None


def split_registry(reference: str) -> tuple[str, str]:
    """(registry host or "", the rest): Docker's rule for whether the first component is a host."""
    first, slash, rest = reference.partition("/")
    if slash and _is_registry_host(first):
        return first, rest
    return "", reference


def pinning_problem(reference: str) -> str | None:
    """Why `reference` is not a pinned image reference, or None when it is.

    Pinned means a sha256 digest, or a tag that starts with an exact release number.
    """
    if not reference:
        return f"is empty; remove the key to use the pinned image, or give one ({_EXAMPLE})"
    try:
        parsed = Reference.parse_normalized_named(reference)
    except InvalidDigest:
        return f"has a malformed digest ({_EXAMPLE})"
    except InvalidReference:
        return f"is not an image reference ({_EXAMPLE})"
    # The parser checks the host's shape but not its port's range; docker.io when none is named.
    if registry_problem(str(parsed.domain())):
        return f"is not an image reference ({_EXAMPLE})"
    digest, tag = parsed["digest"], parsed["tag"]
    if digest is not None:
        return None if _DIGEST.fullmatch(digest) else f"has a malformed digest ({_EXAMPLE})"
    if tag is None:
        return f"has no tag, so it runs whatever latest is ({_EXAMPLE})"
    if tag == "latest":
        return f"uses the tag latest, which moves with every release ({_EXAMPLE})"
    repository = str(parsed.path()).removeprefix("library/")
    needed = next(
        (
            parts
            for repo, parts in _VERSION_PARTS_BY_REPOSITORY.items()
            if repository == repo or repository.endswith("/" + repo)
        ),
        _VERSION_PARTS,
    )
    version = _VERSION.match(tag)
    if version is None or len(version.group(1).split(".")) < needed:
        return f"uses the floating tag {tag} (an exact release has {needed} version parts; {_EXAMPLE})"
    return None


def is_pinned(reference: str) -> bool:
    """The one definition of a pinned image reference in the program."""
    return pinning_problem(reference) is None


def mirrored(image: str, registry: str) -> str:
    """The same image pulled through `registry`; Docker Hub official images live under library/."""
    if not registry:
        return image
    repository = image.split("@")[0].rsplit(":", 1)[0]
    return f"{registry}/{image if '/' in repository else 'library/' + image}"


def resolve_image(image: str, mirror: str) -> str:
    """The reference a service pulls: its image (the sheet's pinned one, or the stack's override in
    its place) through the registry mirror, unless it names a registry of its own."""
    if split_registry(image)[0]:
        return image
    return mirrored(image, mirror)
