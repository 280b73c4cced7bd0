"""Images run exactly the release that was reviewed."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError
from pydantic import Field

from .framework import (
    CONTAINER,
    IMAGE,
    ImageRef,
    RuleConfig,
    Subject,
    cis,
    known,
    of_type,
    own,
    resource_rule,
    stack_rule,
)

_SHA256 = re.compile(r"sha256:[0-9a-f]{64}")
# A release: numbers joined by dots, optionally after a `v`, then nothing or a -/_ variant suffix.
_RELEASE = re.compile(r"v?(?P<version>\d+(?:\.\d+)*)(?:[-_][\w.-]*)?")
_PORT = re.compile(r":(\d+)$")


def is_pinned(reference: str, version_parts: int = 3) -> bool:
    """Whether `reference` names one image for good: `repo@sha256:<64 hex>` (a tag beside the
    digest is ignored, as Docker does), or `repo:<tag>` whose tag starts with an exact release of
    at least `version_parts` numbers (`2.10.29-alpine`). `latest`, no tag, floating tags (`2`,
    `2.10`, `8-alpine`, `stable`) and anything Docker would not parse are not pinned."""
    image = ImageRef.parse(reference)
    if image is None:
        return False
    port = _PORT.search(image.registry)
    if port is not None and not 1 <= int(port[1]) <= 65535:
        return False
    if image.digest is not None:
        return _SHA256.fullmatch(image.digest) is not None
    release = _RELEASE.fullmatch(image.tag or "")
    return release is not None and len(release["version"].split(".")) >= version_parts


class PinnedTags(RuleConfig):
    min_version_parts: int = Field(
        default=3,
        ge=1,
        alias="minVersionParts",
        description="Dot-separated numbers a tag must start with (2.10.29-alpine has 3).",
    )
    version_parts_by_repository: dict[str, int] = Field(
        default={"chrislusf/seaweedfs": 2, "postgres": 2},
        alias="versionPartsByRepository",
        description="Repositories whose exact releases have fewer parts (SeaweedFS 3.97, PostgreSQL 16.9).",
    )


def pinning_problem(reference: str, config: PinnedTags) -> str | None:
    image = ImageRef.parse(reference)
    if image is None:
        return f"image {reference} is not a reference Docker would parse"
    needed = next(
        (parts for repo, parts in config.version_parts_by_repository.items() if image.is_(repo)),
        config.min_version_parts,
    )
    if is_pinned(reference, needed):
        return None
    if not image.tag and not image.digest:
        return f"image {reference} has no tag and runs whatever latest is"
    if image.tag == "latest" and not image.digest:
        return f"image {reference} floats with every release"
    return f"image {reference} is not an exact release (needs {needed} version parts, or a sha256 digest)"


@resource_rule(
    "pinned-image-tags",
    "Requires images pinned to an exact release tag or a digest.",
    types=(IMAGE, CONTAINER),
    config=PinnedTags,
    anchor=cis(
        "Ensure that Docker commands always make use of the latest version of their image",
        "Pin the image as repo:1.2.3 (an exact release) or repo@sha256:<64 hex>.",
    ),
)
def pinned_image_tags(subject: Subject, config: PinnedTags) -> Iterator[str]:
    key = "name" if subject.type == IMAGE else "image"
    reference = known(subject.props, key)
    # A container normally names its RemoteImage's id (sha256:...), which is checked there.
    if reference and not str(reference).startswith("sha256:"):
        problem = pinning_problem(str(reference), config)
        if problem:
            yield f"{subject.label}: {problem}"


@stack_rule(
    "images-from-stack",
    "Requires a container's image id, and an image unknown at preview, to come from a RemoteImage of the stack.",
    anchor=own("Pass the RemoteImage's image_id as the container's image, as the components do."),
)
def images_from_stack(resources: Sequence[PolicyResource], _config: RuleConfig) -> Iterator[tuple[str, str]]:
    for container in of_type(resources, CONTAINER):
        subject = Subject.of(container)
        from_stack = any(d.resource_type == IMAGE for d in container.property_dependencies.get("image", []))
        try:
            image = subject.props.get("image")
        except UnknownValueError:
            if not from_stack:
                yield container.urn, f"{subject.label}: its image was unknown at preview and is no RemoteImage's here"
            continue
        # A reference (repo:tag) is pinned-image-tags' to judge; an id names whatever the host holds.
        if str(image).startswith("sha256:") and not from_stack:
            yield container.urn, f"{subject.label}: image {image} is an image id no RemoteImage of this stack pulled"
