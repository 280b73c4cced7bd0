"""Services an attacker can log in to: PostgreSQL that trusts every connection (in the image's
own variable, in initdb's arguments and in an uploaded pg_hba.conf), Valkey whose password is on
its command line and is a well-known default, ClickHouse with a default password under a
lower-case variable name, and OpenSearch with its security plugin off through the setting itself
rather than the image's DISABLE_SECURITY_PLUGIN switch."""

import pulumi_docker as docker
from hardened import hardened_container

hardened_container(
    "postgres",
    image_ref="postgres:16.9-alpine",
    envs=["POSTGRES_HOST_AUTH_METHOD=trust", "POSTGRES_INITDB_ARGS=--auth-host=trust"],
    uploads=[
        docker.ContainerUploadArgs(
            file="/docker-entrypoint-initdb.d/pg_hba.conf",
            content="local all all trust\nhost  all all 0.0.0.0/0 trust\n",
        )
    ],
)
hardened_container(
    "valkey",
    image_ref="valkey/valkey:8.1.3-alpine",
    command=["valkey-server", "--requirepass", "changeme", "--appendonly", "yes"],
)
hardened_container(
    "clickhouse", image_ref="clickhouse/clickhouse-server:24.9.3.128", envs=["clickhouse_password=admin"]
)
hardened_container(
    "opensearch",
    image_ref="opensearchproject/opensearch:2.19.1",
    envs=["discovery.type=single-node", "plugins.security.disabled=true"],
)
