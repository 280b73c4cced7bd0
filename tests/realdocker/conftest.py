"""Fixtures for the real-Docker tier (tests/realdocker/support.py)."""

from tests.realdocker.support import busybox_image, engine, prefix

__all__ = ["busybox_image", "engine", "prefix"]
