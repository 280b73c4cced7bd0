"""Targets: each turns the same data sheets into one platform's resources."""

from __future__ import annotations

from ..settings import StackSettings
from .base import Target
from .docker import DockerTarget
from .kubernetes import KubernetesTarget


def for_stack(settings: StackSettings) -> Target:
    """The target `trade2026:platform` names, with its stack-wide resources created."""
    if settings.platform == "kubernetes":
        return KubernetesTarget.for_stack(settings)
    return DockerTarget.for_stack(settings)
