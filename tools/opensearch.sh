#!/usr/bin/env bash
# Build the single-node OpenSearch launcher (tests/real/opensearch-node: a pinned pom.xml and one
# class) with Maven and lay its runtime classpath into the shared tool cache, once per OpenSearch
# version; a changed launcher source (recorded in source.sha256) is rebuilt in place.
# Usage: tools/opensearch.sh   prints the folder holding opensearch-node.jar and lib/.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/../tests/real/opensearch-node" && pwd)
version=$(sed -n 's:.*<opensearch.version>\(.*\)</opensearch.version>.*:\1:p' "$source_dir/pom.xml")
digest=$(cd "$source_dir" && find pom.xml src -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
cache=${TRADE2026_CACHE:-$HOME/.cache/trade2026}
dest=$cache/opensearch-$version
if [ "$(cat "$dest/source.sha256" 2>/dev/null)" != "$digest" ]; then
  mkdir -p "$cache"
  scratch=$(mktemp -d "$dest.build.XXXXXX")
  trap 'rm -rf "$scratch"' EXIT
  # Build outside the source tree so no target/ folder lands in the work tree.
  cp -r "$source_dir/pom.xml" "$source_dir/src" "$scratch/"
  mvn -B -q -f "$scratch/pom.xml" package >&2
  mkdir -p "$scratch/out"
  mv "$scratch/target/opensearch-node-1.jar" "$scratch/out/opensearch-node.jar"
  mv "$scratch/target/lib" "$scratch/out/lib"
  echo "$digest" >"$scratch/out/source.sha256"
  rm -rf "$dest"
  mv "$scratch/out" "$dest"
fi
echo "$dest"
