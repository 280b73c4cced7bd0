#!/usr/bin/env bash
# Build actionlint from its Go module, once per version, into the shared tool cache.
# Usage: tools/actionlint.sh [VERSION]   prints the binary's path.
set -euo pipefail
# shellcheck source=tools/versions.env
. "$(dirname "$0")/versions.env"
version=${1:-$ACTIONLINT_VERSION}
cache=${TRADE2026_CACHE:-$HOME/.cache/trade2026}
dest=$cache/actionlint-$version
if [ ! -x "$dest/bin/actionlint" ]; then
  mkdir -p "$dest"
  scratch=$(mktemp -d "$dest.build.XXXXXX")
  trap 'rm -rf "$scratch"' EXIT
  GOBIN=$scratch GOFLAGS=-mod=mod CGO_ENABLED=0 go install \
    -ldflags "-X github.com/rhysd/actionlint.version=$version" \
    "github.com/rhysd/actionlint/cmd/actionlint@v$version" >&2
  mkdir -p "$dest/bin"
  mv "$scratch/actionlint" "$dest/bin/actionlint"
fi
echo "$dest/bin/actionlint"
