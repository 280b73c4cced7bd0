"""Which images may run at all: the repositories of the eight services, from Docker Hub or from a
registry mirror this environment names. A pinned tag says which release; this says whose."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import Severity
from pydantic import Field

from .framework import CONTAINER, IMAGE, ImageRef, RuleConfig, Subject, known, own, resource_rule
from .kubernetes import WORKLOADS, Pod

# The names Docker Hub answers to, as the parser leaves them: a reference with no host, or naming
# index.docker.io, is parsed as docker.io.
_DOCKER_HUB = {"docker.io", "registry-1.docker.io"}


class AllowedImages(RuleConfig):
    allowed_repositories: list[str] = Field(
        default=[
            "nats",
            "valkey/valkey",
            "questdb/questdb",
            "clickhouse/clickhouse-server",
            "chrislusf/seaweedfs",
            "opensearchproject/opensearch",
            "postgres",
            "openpolicyagent/opa",
        ],
        alias="allowedRepositories",
        description="Image repositories (as Docker Hub names them) a stack may run.",
    )
    allowed_registries: list[str] = Field(
        default=[],
        alias="allowedRegistries",
        description="Registry hosts (host[:port]) of mirrors besides Docker Hub; a mirror may prefix the path.",
    )


def image_problem(reference: str, config: AllowedImages) -> str | None:
    """Why `reference` names an image this environment does not run; None when it may."""
    image = ImageRef.parse(reference)
    if image is None:
        return f"image {reference} is not a reference Docker would parse"
    host, repository = image.registry, image.repository
    if host in _DOCKER_HUB:
        # On Docker Hub a path prefix is another account: attacker/nats is not nats.
        if repository in config.allowed_repositories:
            return None
        return f"image {reference} is not one of the stack's repositories"
    if host not in config.allowed_registries:
        return f"image {reference} comes from registry {host}, which this environment does not allow"
    if any(repository == allowed or repository.endswith("/" + allowed) for allowed in config.allowed_repositories):
        return None
    return f"image {reference} is not one of the stack's repositories"


@resource_rule(
    "allowed-images",
    "Requires every image to be one of the stack's repositories, from Docker Hub or an allowed mirror.",
    types=(IMAGE, CONTAINER, *WORKLOADS),
    severity=Severity.CRITICAL,
    config=AllowedImages,
    anchor=own(
        "Run the services' own images; add a reviewed repository to allowedRepositories, or a mirror to "
        "allowedRegistries, in this environment's config."
    ),
)
def allowed_images(subject: Subject, config: AllowedImages) -> Iterator[str]:
    if subject.type in WORKLOADS:
        pod = Pod.of(subject)
        for container in pod.containers():
            image = known(container, "image")
            problem = image_problem(str(image), config) if image else None
            if problem:
                yield f"{pod.at(container)}: {problem}"
        return
    reference = known(subject.props, "name" if subject.type == IMAGE else "image")
    # A container normally runs its RemoteImage's id (sha256:...), which is judged there.
    if reference and not str(reference).startswith("sha256:"):
        problem = image_problem(str(reference), config)
        if problem:
            yield f"{subject.label}: {problem}"
