"""Credentials a stack supplies (as from a vault) instead of having them generated: every one the
data sheets declare, written out so a test fails when a data sheet gains or loses one."""

from __future__ import annotations

import json

SUPPLIED: dict[str, dict[str, str]] = {
    "valkey": {"password": "vault-valkey-7Qm2xW9pLk"},
    "questdb": {"pg-password": "vault-questdb-R4tY8uNb2c"},
    "clickhouse": {"password": "vault-clickhouse-H6jK3sDf5g"},
    "seaweedfs": {"s3-access-key": "vault-s3-access-Z1xC7vBn4m", "s3-secret-key": "vault-s3-secret-P0oI9uYt3r"},
    # OpenSearch refuses an admin password without an upper, a lower, a digit and a special.
    "opensearch": {"admin-password": "Vault_OpenSearch-8eW2q"},
    "postgres": {"password": "vault-postgres-L5kJ2hGf8d"},
}
SECRET_KEYS = ("trade2026:credentials",)
VALUES = [value for credentials in SUPPLIED.values() for value in credentials.values()]


def credentials_config(credentials: dict[str, dict[str, str]] = SUPPLIED) -> dict[str, str]:
    """`trade2026:credentials` as the CLI passes it to the program (mark it secret alongside)."""
    return {"trade2026:credentials": json.dumps(credentials)}
