"""SeaweedFS: S3-compatible object store for models, backtest results and archives."""

import json

from .catalog import ServiceSettings, Sheet
from .ready import S3Bucket
from .roundtrips import HTTP, Check, Credentials, Endpoints, seaweedfs_round_trip
from .spec import Credential, DataVolume, HttpProbe, Port, SecretRef, ServiceSpec, Upload

IDENTITIES_FILE = "/etc/seaweedfs/s3.json"


def s3_identities(access_key: str, secret_key: str) -> str:
    # Without an identities file SeaweedFS S3 accepts anonymous requests.
    identity = {
        "name": "trade2026",
        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
    }
    return json.dumps({"identities": [identity]}, indent=2)


def spec(overrides: ServiceSettings) -> ServiceSpec:
    return ServiceSpec(
        # The release the real-server tier runs (tests/real/test_seaweedfs.py): PyPI serves no 3.x.
        image="chrislusf/seaweedfs:4.30",
        # The compose file had these backwards: S3 is 8333, and 8080 is the volume server.
        ports=(
            Port("s3", 8333, scheme="http", slot=8),
            Port("master", 9333, scheme="http", published=False),
            Port("volume", 8080, scheme="http", published=False),
            Port("filer", 8888, scheme="http", published=False),
        ),
        volumes=(DataVolume("data", "/data"),),
        networks=("backend",),
        # /healthz on the S3 port is outside S3 authentication (proven on 4.30).
        healthcheck=HttpProbe("s3", "/healthz", tool="wget"),
        # The entrypoint puts -master.volumePreallocate and 1024 MB volumes before these, so the
        # first S3 write would claim 8 GB of disk (8 volumes, fallocated; measured on 4.30); a
        # later flag wins, so volumes grow with their data instead.
        command=("server", "-dir=/data", "-s3", f"-s3.config={IDENTITIES_FILE}", "-master.volumePreallocate=false"),
        uploads=(
            Upload(IDENTITIES_FILE, lambda c: s3_identities(c["s3-access-key"], c["s3-secret-key"]), secret=True),
        ),
        credentials=(Credential("s3-access-key"), Credential("s3-secret-key")),
        connection={"accessKey": SecretRef("s3-access-key"), "secretKey": SecretRef("s3-secret-key")},
        memory_mb=overrides.memory(256),
        wait_timeout=90,
        # weed 4.30 takes 20 to 37 s to stop on SIGTERM (every stop of the real-server tier,
        # rendered command), so Docker's 10 s default would kill it mid-shutdown; 60 s leaves
        # room, and a stop that ends sooner waits no longer (tests/real/test_seaweedfs.py).
        stop_timeout=60,
        ready=(
            S3Bucket("models", "ML model artifacts and weights"),
            S3Bucket("backtest-results", "Backtest result files (JSON, CSV)"),
            S3Bucket("reports", "Report archives (PDF, Excel)"),
            S3Bucket("log-archives", "Compressed log archives"),
        ),
    )


def variables(endpoints: Endpoints, credentials: Credentials) -> dict[str, str]:
    # The names boto3 and the AWS CLI read; AWS_ENDPOINT_URL_S3 points S3 alone at the stack.
    return {
        "AWS_ENDPOINT_URL_S3": endpoints["s3"],
        "AWS_ACCESS_KEY_ID": credentials["accessKey"],
        "AWS_SECRET_ACCESS_KEY": credentials["secretKey"],
    }


SHEET = Sheet(
    kind="seaweedfs",
    component="SeaweedFS",
    settings=ServiceSettings,
    spec=spec,
    variables=variables,
    check=Check("S3 put/get/delete", seaweedfs_round_trip, {"s3": HTTP}),
    memory_floor_mb=128,
)
