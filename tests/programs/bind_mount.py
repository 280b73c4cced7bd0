"""A container whose data sits on a host directory: the compose setup's ClickHouse mistake."""

import pulumi_docker as docker
from hardened import hardened_container

hardened_container(
    "clickhouse", volumes=[docker.ContainerVolumeArgs(host_path="/opt/trade2026/clickhouse", container_path="/data")]
)
