#!/usr/bin/env bash
# Build the opa binary from its Go module, once per version, into the shared tool cache.
# Usage: tools/opa.sh [VERSION]   prints the binary's path.
set -euo pipefail
# shellcheck source=tools/versions.env
. "$(dirname "$0")/versions.env"
version=${1:-$OPA_VERSION}
cache=${TRADE2026_CACHE:-$HOME/.cache/trade2026}
dest=$cache/opa-$version
if [ ! -x "$dest/bin/opa" ]; then
  mkdir -p "$dest"
  # Build into a scratch folder and move in one step, so an interrupted build never looks done.
  scratch=$(mktemp -d "$dest.build.XXXXXX")
  trap 'rm -rf "$scratch"' EXIT
  GOBIN=$scratch GOFLAGS=-mod=mod CGO_ENABLED=0 go install \
    -ldflags "-X github.com/open-policy-agent/opa/v1/version.Version=$version" \
    "github.com/open-policy-agent/opa@v$version" >&2
  mkdir -p "$dest/bin"
  mv "$scratch/opa" "$dest/bin/opa"
fi
echo "$dest/bin/opa"
