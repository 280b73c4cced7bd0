"""Break the program on purpose, once per breakage, and list the tests that go red.

The breakages a reviewer found passing every test (issue 10), and breakages of module-level data
that mutmut 3 never mutates (it mutates function bodies only), and edits a reviewer could miss in a
data sheet or the Docker target. Each is applied to a copy of the tree; the fast tier (as mutmut
selects it) runs there. A breakage no test notices is a gap, and so is a harmless change (one that
keeps every identity) that turns a test red: either makes the script exit 1.

Usage: python tools/breakages.py [NAME...]   (default: every breakage)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SKIP = shutil.ignore_patterns(
    ".git", "venv", ".venv", ".mutation*", "mutants", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"
)
FAST_TIER = [
    "tests",
    "--ignore=tests/real",
    "--ignore=tests/realengine",
    "--ignore=tests/test_static_checks.py",
    "--ignore=tests/test_settings_properties.py",
    # The gate's tests start the pack in subprocesses (a minute per breakage); tests/policies runs
    # the same rules in process.
    "--ignore=tests/test_gate.py",
    "-p",
    "no:cacheprovider",
    "-q",
    "-rf",
    "--tb=no",
]


@dataclass(frozen=True)
class Breakage:
    name: str
    path: str
    old: str
    new: str
    # Further edits the same breakage makes (a rename touches two files).
    also: tuple[tuple[str, str, str], ...] = ()
    # A change that keeps every identity and behaviour: the suite must stay green.
    harmless: bool = False

    @property
    def edits(self) -> tuple[tuple[str, str, str], ...]:
        return ((self.path, self.old, self.new), *self.also)


BREAKAGES = [
    # Issue 10's list.
    Breakage(
        "clickhouse-probe-on-native-9000",
        "components/clickhouse.py",
        'HttpProbe("http", "/ping"',
        'HttpProbe("native", "/ping"',
    ),
    Breakage(
        "register-outputs-empty", "components/service.py", "self.register_outputs(outputs)", "self.register_outputs({})"
    ),
    Breakage(
        "postgres-data-volume-wrong-path",
        "components/postgres.py",
        'DataVolume("data", "/var/lib/postgresql/data")',
        'DataVolume("data", "/var/lib/postgresql")',
    ),
    Breakage(
        "docker-sock-not-sensitive",
        "policies/trade2026_policies/storage.py",
        '            "/var/run/docker.sock",\n',
        "",
    ),
    Breakage("opa-type-token-changed", "components/opa.py", 'component="OPA",', 'component="OpenPolicyAgent",'),
    # Module-level data mutmut does not reach.
    Breakage(
        "nats-slots-swapped",
        "components/nats.py",
        'Port("client", 4222, scheme="nats", slot=0)',
        'Port("client", 4222, scheme="nats", slot=1)',
        also=(
            (
                "components/nats.py",
                'Port("monitoring", 8222, scheme="http", slot=1)',
                'Port("monitoring", 8222, scheme="http", slot=0)',
            ),
        ),
    ),
    Breakage(
        "postgres-well-known-port",
        "components/postgres.py",
        'Port("client", 5432, scheme="postgresql", slot=10)',
        'Port("client", 5432, scheme="postgresql", slot=10, host=5433)',
    ),
    Breakage("block-size-changed", "components/ports.py", "BLOCK_SIZE = 20", "BLOCK_SIZE = 16"),
    Breakage("questdb-health-port-not-internal", "policies/trade2026_policies/network.py", "[9003]", "[]"),
    Breakage("trader123-allowed", "policies/trade2026_policies/credentials.py", '"trader123", ', ""),
    Breakage(
        "opensearch-memory-floor-halved", "components/opensearch.py", "memory_floor_mb=1024,", "memory_floor_mb=512,"
    ),
    Breakage("log-rotation-size", "components/targets/docker.py", '"max-size": "10m"', '"max-size": "100m"'),
    Breakage(
        "valkey-config-path", "components/valkey.py", '"/usr/local/etc/valkey/valkey.conf"', '"/etc/valkey/valkey.conf"'
    ),
    Breakage(
        "postgres-password-file-path",
        "components/postgres.py",
        '"/run/secrets/postgres-password"',
        '"/run/secrets/password"',
    ),
    Breakage("opensearch-health-green", "components/opensearch.py", "wait_for_status=yellow", "wait_for_status=green"),
    Breakage(
        "lowlatency-network-dropped",
        "components/spec.py",
        '("frontend", "lowlatency", "backend")',
        '("frontend", "backend")',
    ),
    Breakage(
        "seaweedfs-preallocation-on",
        "components/seaweedfs.py",
        '"-master.volumePreallocate=false"',
        '"-master.volumePreallocate=true"',
    ),
    Breakage(
        "unprotected-stack-glob",
        "policies/trade2026_policies/storage.py",
        'default=["dev", "dev-*"],\n        alias="unprotectedStacks"',
        'default=["dev*"],\n        alias="unprotectedStacks"',
    ),
    # The program's own: what a reviewer could miss in a data sheet or the Docker target.
    Breakage(
        "opa-declaration-renamed-type-token-literal-kept",
        "components/opa.py",
        "def spec(overrides: ServiceSettings) -> ServiceSpec:",
        "def declared(overrides: ServiceSettings) -> ServiceSpec:",
        also=(("components/opa.py", "spec=spec,", "spec=declared,"),),
        harmless=True,
    ),
    Breakage("postgres-dns-alias-dropped", "components/postgres.py", 'dns_aliases=("{name}-library",),', ""),
    Breakage(
        "seaweedfs-master-port-published",
        "components/seaweedfs.py",
        'Port("master", 9333, scheme="http", published=False)',
        'Port("master", 9333, scheme="http")',
    ),
    Breakage(
        "questdb-image-tag-changed", "components/questdb.py", '"questdb/questdb:8.3.3"', '"questdb/questdb:8.3.2"'
    ),
    Breakage("nats-memory-default-changed", "components/nats.py", "overrides.memory(256)", "overrides.memory(512)"),
    Breakage(
        "valkey-off-the-lowlatency-network",
        "components/valkey.py",
        'networks=("lowlatency", "backend")',
        'networks=("backend",)',
    ),
    Breakage(
        "clickhouse-password-left-out-of-its-connection",
        "components/clickhouse.py",
        'connection={"user": "trader", "password": SecretRef("password"), "database": "trading"}',
        'connection={"user": "trader", "database": "trading"}',
    ),
    Breakage(
        "postgres-password-file-with-fixed-content",
        "components/postgres.py",
        'Upload(PASSWORD_FILE, lambda c: c["password"], secret=True)',
        'Upload(PASSWORD_FILE, "password", secret=True)',
    ),
    Breakage(
        "questdb-password-env-as-a-literal",
        "components/questdb.py",
        '"QDB_PG_PASSWORD": SecretRef("pg-password"),',
        '"QDB_PG_PASSWORD": "quest",',
    ),
    Breakage(
        "upload-secret-flag-ignored-by-the-target",
        "components/targets/base.py",
        "return pulumi.Output.secret(content) if upload.secret else content",
        "return content",
    ),
    Breakage(
        "opensearch-admin-password-without-special-characters",
        "components/targets/base.py",
        "special=credential.special,",
        "special=False,",
    ),
    Breakage(
        "container-name-without-stack-prefix",
        "components/targets/docker.py",
        "name=self._docker_name(name),\n            image=",
        "name=name,\n            image=",
    ),
    Breakage(
        "volume-not-protected-under-protectdata",
        "components/targets/docker.py",
        "protect=self.protect_data, retain_on_delete=self.protect_data",
        "protect=False, retain_on_delete=self.protect_data",
    ),
    Breakage(
        "healthcheck-replace-on-changes-dropped",
        "components/targets/docker.py",
        'replace_on_changes=["healthcheck"],',
        "",
    ),
    # The container's, not the ready data's (the same option two screens below).
    Breakage(
        "delete-before-replace-dropped",
        "components/targets/docker.py",
        "must go first.\n                delete_before_replace=True,",
        "must go first.",
    ),
    Breakage(
        "image-override-ignored", "components/catalog.py", "image=chosen.image or spec.image,", "image=spec.image,"
    ),
    Breakage(
        "wait-timeout-override-ignored",
        "components/catalog.py",
        "wait_timeout=chosen.wait_timeout_seconds or spec.wait_timeout,",
        "wait_timeout=spec.wait_timeout,",
    ),
    Breakage(
        "start-period-not-rendered",
        "components/targets/docker.py",
        "start_period=go_duration(spec.start_period),",
        'start_period="0s",',
    ),
    Breakage(
        "disabled-service-loses-its-password",
        "components/targets/docker.py",
        "credentials = {c.name: credential_value(parent, name, c, supplied) for c in spec.credentials}",
        "credentials = {c.name: credential_value(parent, name, c, supplied) for c in spec.credentials if enabled}",
    ),
    Breakage(
        "disabled-service-loses-its-volume",
        "components/targets/docker.py",
        "volumes = [self._volume(parent, name, volume.name) for volume in spec.volumes]",
        "volumes = [self._volume(parent, name, volume.name) for volume in spec.volumes if enabled]",
    ),
    Breakage(
        "endpoints-exported-for-disabled-services",
        "__main__.py",
        'pulumi.export("endpoints", {s.name: s.endpoints for s in services if s.enabled})',
        'pulumi.export("endpoints", {s.name: s.endpoints for s in services})',
    ),
    Breakage(
        "opensearch-heap-whole-memory", "components/opensearch.py", "heap_mb = memory_mb // 2", "heap_mb = memory_mb"
    ),
    Breakage(
        "valkey-maxmemory-container-limit",
        "components/valkey.py",
        'f"maxmemory {memory_mb * 3 // 4}mb\\n"',
        'f"maxmemory {memory_mb}mb\\n"',
    ),
    Breakage(
        "questdb-health-port-published",
        "components/questdb.py",
        'Port("health", 9003, scheme="http", published=False)',
        'Port("health", 9003, scheme="http")',
    ),
    Breakage(
        "clickhouse-init-sql-upload-dropped",
        "components/clickhouse.py",
        'uploads=(Upload("/docker-entrypoint-initdb.d/001_trading.sql", INIT_SQL),),',
        "",
    ),
    Breakage(
        "remoteimage-not-kept-locally", "components/targets/docker.py", "keep_locally=True,", "keep_locally=False,"
    ),
    Breakage(
        "component-parented-children-lost-container-at-top-level",
        "components/targets/docker.py",
        "                parent=parent,\n                # Names and host ports",
        "                # Names and host ports",
    ),
    # The catalog: what a second instance or a kind lookup could quietly get wrong.
    Breakage(
        "second-instance-host-port-clash-unchecked",
        "components/settings.py",
        "        _host_port_problems(parsed, problems)\n",
        "",
    ),
    Breakage(
        "verify-takes-the-instance-name-for-its-kind",
        "verify/__main__.py",
        "check_for((kinds or {}).get(instance, instance))",
        "check_for(instance)",
    ),
    Breakage(
        "pydantic-wording-leaks",
        "components/settings.py",
        'self.add(loc, pydantic_message(error), error["input"])',
        'self.add(loc, str(error["msg"]), error["input"])',
    ),
    # Code that runs once at import (rule registration, the settings' field table): mutmut's
    # workers import it before a mutant is switched on, so only a deliberate breakage tests it.
    Breakage(
        "rule-runs-on-every-type",
        "policies/trade2026_policies/framework.py",
        "if types is not EVERY_TYPE and args.resource_type not in types:",
        "if types is not EVERY_TYPE and args.resource_type in types:",
    ),
    # The pack's servicer (policies/trade2026_policies/servicer.py): faster, never different.
    Breakage(
        "servicer-skips-rules-on-their-own-types",
        "policies/trade2026_policies/servicer.py",
        'if resource_type in getattr(p, "resource_types", (resource_type,))',
        'if resource_type not in getattr(p, "resource_types", (resource_type,))',
    ),
    Breakage(
        "servicer-shares-proxies-of-foreign-dicts",
        "policies/trade2026_policies/servicer.py",
        "return proxy_once(props) if deserialize_once.made(props) else proxy(props)",
        "return proxy_once(props)",
    ),
    Breakage(
        "rules-advisory-by-default",
        "policies/trade2026_policies/framework.py",
        '"enforcement_level": level,',
        '"enforcement_level": ADVISORY,',
    ),
    Breakage(
        "stack-violation-without-urn",
        "policies/trade2026_policies/framework.py",
        "report_violation(message, urn)",
        "report_violation(message, None)",
    ),
    Breakage(
        "cis-url-dropped",
        "policies/trade2026_policies/framework.py",
        '"https://www.cisecurity.org/benchmark/docker"',
        "None",
    ),
    Breakage("settings-field-table-empty", "components/settings.py", 'names.add(field.alias or "")', 'names.add("")'),
]


def failing_tests(breakage: Breakage) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="breakage-") as tmp:
        tree = Path(tmp) / "tree"
        shutil.copytree(ROOT, tree, ignore=_SKIP)
        for path, old, new in breakage.edits:
            target = tree / path
            text = target.read_text()
            if text.count(old) != 1:
                raise SystemExit(f"{breakage.name}: {old!r} is not once in {path}; update the table")
            target.write_text(text.replace(old, new))
        result = subprocess.run(
            [sys.executable, "-m", "pytest", *FAST_TIER], cwd=tree, capture_output=True, text=True, check=False
        )
        failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", result.stdout, re.MULTILINE)
        if not failed and result.returncode not in (0, 1):
            raise SystemExit(f"{breakage.name}: pytest exited {result.returncode}\n{result.stdout[-2000:]}")
        return failed


def main(names: list[str]) -> int:
    chosen = [b for b in BREAKAGES if not names or b.name in names]
    wrong = []
    print("| breakage | failing tests |\n| --- | --- |")
    for breakage in chosen:
        failed = failing_tests(breakage)
        if bool(failed) == breakage.harmless:
            wrong.append(breakage.name)
        verdict = "<br>".join(failed) or ("none, as it must (harmless)" if breakage.harmless else "**none: a gap**")
        print(f"| {breakage.name} | {verdict} |", flush=True)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
