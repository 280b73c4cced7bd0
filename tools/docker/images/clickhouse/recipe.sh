# shellcheck shell=bash disable=SC2034,SC2154  # variables the driver reads; $repo and $python are the driver's
# clickhouse/clickhouse-server: NO ClickHouse server exists for this machine, so this stand-in is
# chDB (ClickHouse's engine as a library, PyPI chdb) behind clickhouse_http_server.py, which speaks
# the parts of the HTTP interface (8123) our clients use. User clickhouse (101), data
# /var/lib/clickhouse, CLICKHOUSE_DB/USER/PASSWORD and the init scripts as the image has them, and
# GNU wget for the probe as in the Ubuntu-based image. Nothing listens on the native port 9000.
TITLE="clickhouse-server (trade2026 STAND-IN: chDB behind an HTTP front, not ClickHouse's server)"
BASE=debian
PACKAGES=(python3 wget)
chdb_dir() {
  local package
  package=$(python_package_dir chdb)
  [ -n "$package" ] || die "chdb (PyPI) is missing: venv/bin/pip install -r requirements-real.txt"
  echo "$package"
}
software() {
  echo "chDB $(pypi_version chdb) with chdb-core $(pypi_version chdb-core) (PyPI) on Debian's python3, behind an HTTP front of ours"
}
stage() {
  local root=$1 here package
  here=$(dirname "${BASH_SOURCE[0]}")
  package=$(chdb_dir)
  mkdir -p "$root/opt/chdb"
  # The engine alone: chdb's DataFrame helpers (pandas, pyarrow) are imported only when used.
  cp -r "$package" "$root/opt/chdb/chdb"
  cp -r "$(dirname "$package")/chdb_core.libs" "$root/opt/chdb/"
  find "$root/opt/chdb" -name __pycache__ -prune -exec rm -rf {} +
  install -D -m644 "$here/clickhouse_http_server.py" "$root/usr/local/lib/trade2026/clickhouse_http_server.py"
  install -m755 "$here/entrypoint.sh" "$root/entrypoint.sh"
  mkdir -p "$root/docker-entrypoint-initdb.d" "$root/var/lib/clickhouse"
}
changes() {
  cat <<'END'
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EXPOSE 8123 9000 9009
ENTRYPOINT ["/entrypoint.sh"]
END
}
