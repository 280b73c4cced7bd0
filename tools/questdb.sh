#!/usr/bin/env bash
# Resolve the QuestDB server jar (the whole server, linux-x86-64 natives inside) from Maven Central,
# once per version, into the shared tool cache.
# Usage: tools/questdb.sh [VERSION]   prints the jar's path.
set -euo pipefail
# shellcheck source=tools/versions.env
. "$(dirname "$0")/versions.env"
version=${1:-$QUESTDB_VERSION}
cache=${TRADE2026_CACHE:-$HOME/.cache/trade2026}
dest=$cache/questdb-$version
jar=$dest/questdb-$version.jar
if [ ! -f "$jar" ]; then
  mkdir -p "$dest"
  scratch=$(mktemp -d "$dest.build.XXXXXX")
  trap 'rm -rf "$scratch"' EXIT
  mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact="org.questdb:questdb:$version" -DoutputDirectory="$scratch" >&2
  mv "$scratch/questdb-$version.jar" "$jar"
fi
echo "$jar"
