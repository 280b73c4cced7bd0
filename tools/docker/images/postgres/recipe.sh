# shellcheck shell=bash disable=SC2034,SC2154  # variables the driver reads; $repo and $python are the driver's
# postgres:16-alpine: Debian bookworm's PostgreSQL 15 (the nearest release this machine can have),
# behind an entrypoint that does what the image's does on first start, user postgres (70, as the
# alpine image), data /var/lib/postgresql/data, the server programs on PATH as in the image.
TITLE="postgres (trade2026 stand-in)"
BASE=debian
PACKAGES=(postgresql-15)
software() {
  echo "PostgreSQL 15 (Debian bookworm postgresql-15, the archive's current 15.x at build time)"
}
installed() {
  echo "PostgreSQL $(docker run --rm --entrypoint postgres "$1" --version | sed 's/^postgres (PostgreSQL) //') (Debian bookworm postgresql-15)"
}
stage() {
  local root=$1 here
  here=$(dirname "${BASH_SOURCE[0]}")
  cp -a "$here/root/." "$root/"
  install -D -m755 "$here/docker-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
}
changes() {
  cat <<'END'
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENV PG_MAJOR=15
ENV PGDATA=/var/lib/postgresql/data
ENV LANG=C.UTF-8
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
END
}
