# ruff: noqa: E501  (the table quotes program lines verbatim; wrapping them would hide what each edit is)
"""Break the program on purpose, one way at a time, and check that the suite notices each.

    venv/bin/python -m tests.breakages [WORD ...]     (only breakages whose title contains a WORD)

Each breakage is a one-line edit a reviewer could plausibly miss (issue 10's list and its kind).
It runs in a copy of the working tree, so the tree itself is never touched; the copy runs the
suite without the real-server tier, mypy/ruff and the hypothesis settings tests (none of which
look at what a service renders). Exit status 1 if any breakage went unnoticed, or if a harmless
change turned the suite red. A caught breakage takes seconds (-x), a missed one a full run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HARMLESS = "harmless"
PYTEST = [
    "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "not real_server",
    "--deselect", "tests/test_static_checks.py", "--ignore", "tests/test_settings_properties.py",
]  # fmt: skip


def one(title: str, path: str, old: str, new: str) -> tuple[str, list[tuple[str, str, str]]]:
    return (title, [(path, old, new)])


# fmt: off
BREAKAGES: list[tuple[str, list[tuple[str, str, str]]]] = [
 one("clickhouse probe on native 9000", "components/clickhouse.py", 'HttpProbe("http", "/ping"', 'HttpProbe("native", "/ping"'),
 one("register_outputs({})", "components/service.py", "self.register_outputs(outputs)", "self.register_outputs({})"),
 one("postgres volume at /var/lib/postgresql", "components/postgres.py", 'DataVolume("data", "/var/lib/postgresql/data")', 'DataVolume("data", "/var/lib/postgresql")'),
 ("OPA class renamed (type token literal kept): harmless, the suite must stay green", [
   ("components/opa.py", "class OPA(Service):", "class OpenPolicyAgent(Service):"),
   ("components/__init__.py", "from .opa import OPA\n", "from .opa import OpenPolicyAgent as OPA\n"),
 ]),
 one("OPA type token changed", "components/opa.py", '"trade2026:infra:OPA"', '"trade2026:infra:OpenPolicyAgent"'),
 one("postgres DNS alias dropped", "components/postgres.py", 'dns_aliases=("postgres-library",),', ''),
 one("seaweedfs master port published", "components/seaweedfs.py", 'Port("master", 9333, scheme="http", published=False)', 'Port("master", 9333, scheme="http")'),
 one("questdb image tag changed", "components/questdb.py", '"questdb/questdb:8.3.3"', '"questdb/questdb:8.3.2"'),
 one("nats memory default changed", "components/nats.py", "args.memory(256)", "args.memory(512)"),
 one("valkey off the lowlatency network", "components/valkey.py", 'networks=("lowlatency", "backend")', 'networks=("backend",)'),
 one("clickhouse password left out of its connection", "components/clickhouse.py", 'connection={"user": "trader", "password": SecretRef("password"), "database": "trading"}', 'connection={"user": "trader", "database": "trading"}'),
 one("postgres password file with fixed content", "components/postgres.py", 'Upload(PASSWORD_FILE, lambda c: c["password"], secret=True)', 'Upload(PASSWORD_FILE, "password", secret=True)'),
 one("questdb password env as a literal", "components/questdb.py", '"QDB_PG_PASSWORD": SecretRef("pg-password"),', '"QDB_PG_PASSWORD": "quest",'),
 one("upload secret flag ignored by the target", "components/targets/base.py", "return pulumi.Output.secret(content) if upload.secret else content", "return content"),
 one("opensearch admin password without special characters", "components/targets/base.py", "special=credential.special,", "special=False,"),
 one("container name without stack prefix", "components/targets/docker.py", "name=self._docker_name(name),\n            image=", "name=name,\n            image="),
 one("volume not protected under protectData", "components/targets/docker.py", "protect=self.protect_data, retain_on_delete=self.protect_data", "protect=False, retain_on_delete=self.protect_data"),
 one("healthcheck replace_on_changes dropped", "components/targets/docker.py", 'replace_on_changes=["healthcheck"],', ''),
 one("delete_before_replace dropped", "components/targets/docker.py", 'delete_before_replace=True,', ''),
 one("image override ignored", "components/targets/docker.py", "name=resolve_image(spec.image, args.image, self.registry_mirror),", "name=resolve_image(spec.image, None, self.registry_mirror),"),
 one("wait timeout override ignored", "components/targets/docker.py", "wait_timeout=args.wait_timeout_seconds or spec.wait_timeout,", "wait_timeout=spec.wait_timeout,"),
 one("start period not rendered", "components/targets/docker.py", "start_period=go_duration(spec.start_period),", 'start_period="0s",'),
 one("disabled service loses its password", "components/targets/docker.py",
     "credentials = {c.name: credential_value(parent, name, c, supplied) for c in spec.credentials}",
     "credentials = {c.name: credential_value(parent, name, c, supplied) for c in spec.credentials if args.enabled}"),
 one("disabled service loses its volume", "components/targets/docker.py", "volumes = [self._volume(parent, name, volume.name) for volume in spec.volumes]", "volumes = [self._volume(parent, name, volume.name) for volume in spec.volumes if args.enabled]"),
 one("endpoints exported for disabled services", "__main__.py", 'pulumi.export("endpoints", {s.key: s.endpoints for s in services if s.enabled})', 'pulumi.export("endpoints", {s.key: s.endpoints for s in services})'),
 one("opensearch heap = whole memory", "components/opensearch.py", "heap_mb = memory_mb // 2", "heap_mb = memory_mb"),
 one("valkey maxmemory = container limit", "components/valkey.py", 'f"maxmemory {memory_mb * 3 // 4}mb\\n"', 'f"maxmemory {memory_mb}mb\\n"'),
 one("questdb health port published", "components/questdb.py", 'Port("health", 9003, scheme="http", published=False)', 'Port("health", 9003, scheme="http")'),
 one("clickhouse init SQL upload dropped", "components/clickhouse.py", 'uploads=(Upload("/docker-entrypoint-initdb.d/001_trading.sql", INIT_SQL),),', ''),
 one("RemoteImage not kept locally", "components/targets/docker.py", "keep_locally=True,", "keep_locally=False,"),
 one("component parented children lost (container at top level)", "components/targets/docker.py", "                parent=parent,\n                # Names and host ports", "                # Names and host ports"),
]

# fmt: on


def run(copy: Path, title: str, edits: list[tuple[str, str, str]]) -> bool:
    """True when the suite's verdict is the right one for this breakage."""
    originals: dict[str, str] = {}
    try:
        for path, old, new in edits:
            file = copy / path
            text = file.read_text()
            originals.setdefault(path, text)
            if text.count(old) != 1:
                print(f"STALE  | {title} | {path} no longer contains the line this breakage edits")
                return False
            file.write_text(text.replace(old, new))
        result = subprocess.run([sys.executable, *PYTEST], cwd=copy, capture_output=True, text=True)
        failed = [line.split(" ")[1] for line in result.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
        red = result.returncode != 0
        verdict = ("GREEN " if not red else "RED   ") if HARMLESS in title else ("CAUGHT" if red else "MISSED")
        print(f"{verdict} | {title} | {'; '.join(failed[:2])}", flush=True)
        return red != (HARMLESS in title)
    finally:
        for path, text in originals.items():
            (copy / path).write_text(text)


def main(words: list[str]) -> int:
    ignore = shutil.ignore_patterns("venv", ".venv", ".git", "__pycache__", ".*_cache", ".hypothesis")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "tree"
        shutil.copytree(ROOT, copy, ignore=ignore)
        chosen = [(t, e) for t, e in BREAKAGES if not words or any(w in t for w in words)]
        wrong = [title for title, edits in chosen if not run(copy, title, edits)]
    print(f"{len(chosen) - len(wrong)} of {len(chosen)} as expected" + (f"; wrong: {wrong}" if wrong else ""))
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
