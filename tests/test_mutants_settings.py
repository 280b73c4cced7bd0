"""Settings behaviour mutation testing (tools/mutation.sh) found unguarded."""

from __future__ import annotations

from components.settings import parse_settings
from tests.conftest import CATALOG


def test_a_namespace_only_loosely_like_ours_belongs_to_another_package() -> None:
    # "trade" and "trader" are 0.71 and 0.67 alike to trade2026 by difflib's ratio, under the 0.75
    # that marks a misspelling; a provider or package of that name owns its keys.
    assert parse_settings({"trade:bindAddress": "0.0.0.0", "trader:x": "1"}, CATALOG) == parse_settings({}, CATALOG)
