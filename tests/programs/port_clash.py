"""QuestDB and ClickHouse both on host port 9000, as in the compose setup."""

import pulumi_docker as docker
from hardened import hardened_container

hardened_container("questdb", ports=[docker.ContainerPortArgs(internal=9000, external=9000, ip="127.0.0.1")])
hardened_container("clickhouse", ports=[docker.ContainerPortArgs(internal=9000, external=9000, ip="127.0.0.1")])
