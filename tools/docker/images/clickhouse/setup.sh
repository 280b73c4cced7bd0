# shellcheck shell=sh
groupadd -r -g 101 clickhouse
useradd -r -u 101 -g 101 -d /nonexistent -M -s /bin/false clickhouse
chown clickhouse:clickhouse /var/lib/clickhouse
# Compiled once here, so a read-only /opt never makes each start recompile.
python3 -m compileall -q /opt/chdb /usr/local/lib/trade2026 >/dev/null
