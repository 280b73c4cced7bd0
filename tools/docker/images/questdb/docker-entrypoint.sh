#!/usr/bin/env bash
# As the questdb image's entrypoint: no arguments start the server with the image's JVM options on
# /var/lib/questdb; arguments that are flags go to its java; started as root, the data folder is
# chowned to questdb (10001) and the server runs as questdb unless RUN_AS_ROOT=true. The image
# steps down with gosu, which Debian's minbase lacks: setpriv (util-linux) does the same here.
set -Eeo pipefail
export QDB_PACKAGE=${QDB_PACKAGE:-docker}
data=${QUESTDB_DATA_DIR:-/var/lib/questdb}
java=/app/bin/java
if [ -n "$JVM_PREPEND" ]; then
  java="$java $JVM_PREPEND"
fi
if [ $# -eq 0 ]; then
  # shellcheck disable=SC2086  # JVM_PREPEND holds several options
  set -- $java -ea -Dnoebug -XX:+UseParallelGC "-XX:ErrorFile=$data/db/hs_err_pid+%p.log" \
    "-Dout=$data/conf/log.conf" -m io.questdb/io.questdb.ServerMain -d "$data" -f
elif [ "${1:0:1}" = - ]; then
  # shellcheck disable=SC2086
  set -- $java "$@"
fi
if [ "$(id -u)" = 0 ] && [ "${RUN_AS_ROOT:-false}" = false ]; then
  if [ "${DO_CHOWN:-true}" = true ]; then
    find "$data" \( ! -user questdb -o ! -group questdb \) -exec chown questdb:questdb '{}' +
  fi
  exec setpriv --reuid=questdb --regid=questdb --init-groups -- "$@"
fi
exec "$@"
