# shellcheck shell=bash
# Sourced by tools/opa.sh and tools/actionlint.sh: `go install` one command of a Go module, once per
# version, into the shared tool cache, and print the binary's path.
# Usage: go_install NAME VERSION PACKAGE LDFLAGS

go_install() {
  local name=$1 version=$2 package=$3 ldflags=$4
  local dest=${TRADE2026_CACHE:-$HOME/.cache/trade2026}/$name-$version
  if [ ! -x "$dest/bin/$name" ]; then
    mkdir -p "$dest"
    # Build into a scratch folder and move in one step, so an interrupted build never looks done.
    local scratch
    scratch=$(mktemp -d "$dest.build.XXXXXX")
    # shellcheck disable=SC2064  # expand now: $scratch is local to this function
    trap "rm -rf '$scratch'" EXIT
    GOBIN=$scratch GOFLAGS=-mod=mod CGO_ENABLED=0 go install -ldflags "$ldflags" "$package@v$version" >&2
    mkdir -p "$dest/bin"
    mv "$scratch/$name" "$dest/bin/$name"
  fi
  echo "$dest/bin/$name"
}
