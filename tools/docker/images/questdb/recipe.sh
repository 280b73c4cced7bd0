# shellcheck shell=bash disable=SC2034,SC2154  # variables the driver reads; $repo and $python are the driver's
# questdb/questdb: QuestDB linked into its own Java runtime at /app (jlink, as the image's runtime
# is made), behind the image's /docker-entrypoint.sh, user questdb (10001), data /var/lib/questdb.
TITLE="questdb (trade2026 stand-in)"
BASE=debian
PACKAGES=()
software() {
  # shellcheck source=tools/versions.env
  . "$repo/tools/versions.env"
  echo "QuestDB $QUESTDB_VERSION (Maven Central, tools/questdb.sh) on $(jdk_version)"
}
stage() {
  local root=$1 here jar
  here=$(dirname "${BASH_SOURCE[0]}")
  jar=$("$repo/tools/questdb.sh")
  jlink_runtime "$root/app" --module-path "$jar" --add-modules io.questdb
  install -m755 "$here/docker-entrypoint.sh" "$root/docker-entrypoint.sh"
  mkdir -p "$root/var/lib/questdb"
}
changes() {
  cat <<'END'
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EXPOSE 8812 9000 9003 9009
WORKDIR /var/lib/questdb
ENTRYPOINT ["/docker-entrypoint.sh"]
END
}
