"""Images run exactly the release that was reviewed."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import Field

from .framework import CONTAINER, IMAGE, ImageRef, RuleConfig, Subject, known, resource_rule

_VERSION = re.compile(r"v?(\d+(?:\.\d+)*)")


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
    if image.digest:
        return None
    if not image.tag:
        return f"image {reference} has no tag and runs whatever latest is"
    if image.tag == "latest":
        return f"image {reference} floats with every release"
    version = _VERSION.match(image.tag)
    needed = next(
        (parts for repo, parts in config.version_parts_by_repository.items() if image.is_(repo)),
        config.min_version_parts,
    )
    if not version or len(version.group(1).split(".")) < needed:
        return f"image {reference} is not an exact release (needs {needed} version parts, or a digest)"
    return None


@resource_rule(
    "pinned-image-tags",
    "Requires images pinned to an exact release tag or a digest.",
    types=(IMAGE, CONTAINER),
    config=PinnedTags,
)
def pinned_image_tags(subject: Subject, config: PinnedTags) -> Iterator[str]:
    key = "name" if subject.type == IMAGE else "image"
    reference = known(subject.props, key)
    # A container normally names its RemoteImage's id (sha256:...), which is checked there.
    if reference and not str(reference).startswith("sha256:"):
        problem = pinning_problem(str(reference), config)
        if problem:
            yield f"{subject.label}: {problem}"
