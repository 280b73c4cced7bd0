#!/bin/bash
# The clickhouse-server image's entrypoint, as far as this stand-in goes: started as root, the data
# folder is chowned to clickhouse and the server runs as clickhouse; CLICKHOUSE_DB, CLICKHOUSE_USER,
# CLICKHOUSE_PASSWORD and /docker-entrypoint-initdb.d are handled by the server on first start.
# CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT has nothing to switch on: the stand-in has no SQL users.
# Any other command runs as given.
set -eo pipefail
if [ $# -gt 0 ] && [ "${1:0:1}" != - ]; then
  exec "$@"
fi
server=(python3 -u /usr/local/lib/trade2026/clickhouse_http_server.py)
if [ "$(id -u)" = 0 ]; then
  find /var/lib/clickhouse \! -user clickhouse -exec chown clickhouse:clickhouse '{}' +
  exec setpriv --reuid=clickhouse --regid=clickhouse --init-groups -- "${server[@]}"
fi
exec "${server[@]}"
