#!/usr/bin/env bash
# Builds the Pulumi Docker provider plugin from the Go module proxy, once per version, into
#   ${TRADE2026_CACHE:-$HOME/.cache/trade2026}/pulumi-docker-<version>/bin/pulumi-resource-docker
# and prints that path as its last line (progress goes to stderr). tools/pulumi/env.sh puts the
# folder on PATH. pulumi-docker's own provider module is not served, so this bridges the Terraform
# provider it wraps with the wrapper module in provider/ (see provider/bridge/bridge.go):
#   1. copy the upstream module out of Go's module cache and add package shim (upstream.patch),
#   2. build provider/tfgen and generate the Pulumi schema from the bridge mapping,
#   3. build the plugin with that schema embedded, stamped with the pulumi-docker SDK's version.
# `tools/docker/provider.sh --tidy` instead runs `go mod tidy` on that layout and writes go.mod and
# go.sum back into provider/ (the module cannot be tidied where it is: upstream/ exists only here).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=versions.env
. "$here/versions.env"

command -v go >/dev/null || { echo "tools/docker/provider.sh: needs Go 1.26 (go not on PATH)" >&2; exit 1; }

version=$TRADE2026_DOCKER_PROVIDER_VERSION
dest=${TRADE2026_CACHE:-$HOME/.cache/trade2026}/pulumi-docker-$version
name=pulumi-resource-docker
step() { echo "== tools/docker/provider.sh [${SECONDS}s]: $*" >&2; }

inputs=(go.mod go.sum main.go bridge/bridge.go tfgen/main.go upstream.patch)
tidy=false
[ "${1:-}" = --tidy ] && tidy=true

key="v$version $TRADE2026_DOCKER_UPSTREAM_VERSION $(cd "$here/provider" && cat "${inputs[@]}" | sha256sum | cut -c1-16)"
if ! $tidy && [ -x "$dest/bin/$name" ] && [ "$(cat "$dest/built" 2>/dev/null)" = "$key" ]; then
  step "$name $version: cached"
  echo "$dest/bin/$name"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=$work/src
mkdir -p "$src/bridge" "$src/tfgen"
for file in "${inputs[@]}"; do cp "$here/provider/$file" "$src/$file"; done

# Outside any module `go mod download` takes an exact version and reports where it put it; on a
# fresh machine that is what downloads it (`go list -m` alone would name an empty folder).
module=$(cd "$work" && go mod download -json "$TRADE2026_DOCKER_UPSTREAM@$TRADE2026_DOCKER_UPSTREAM_VERSION") || {
  echo "tools/docker/provider.sh: cannot download $TRADE2026_DOCKER_UPSTREAM: $module" >&2
  exit 1
}
field() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}$/\1/p" <<<"$module"; }
sum=$(field Sum)
[ "$sum" = "$TRADE2026_DOCKER_UPSTREAM_SUM" ] || {
  echo "tools/docker/provider.sh: $TRADE2026_DOCKER_UPSTREAM@$TRADE2026_DOCKER_UPSTREAM_VERSION has hash '$sum', versions.env pins $TRADE2026_DOCKER_UPSTREAM_SUM" >&2
  exit 1
}
# Module-cache files are read-only; the copy gets the shim package and stays in the scratch folder.
cp -r "$(field Dir)" "$src/upstream"
chmod -R u+w "$src/upstream"
patch --quiet --batch -p1 -d "$src/upstream" <"$here/provider/upstream.patch"

if $tidy; then
  step "go mod tidy"
  # main.go embeds the schema that tfgen writes later; for tidy any file of that name will do.
  echo '{}' >"$src/schema.json"
  (cd "$src" && go mod tidy)
  cp "$src/go.mod" "$src/go.sum" "$here/provider/"
  exit 0
fi

step "$name $version: building"
mkdir -p "$dest/bin"

export CGO_ENABLED=0
# no_compose: the docker_compose resource (not mapped here) would pull in docker/compose/v2.
# -p 2 matches the 2-core CI machines and keeps peak memory down.
goflags=(-p 2 -trimpath -buildvcs=false -tags no_compose
  -ldflags "-s -w -X trade2026.local/tools/docker/provider/bridge.Version=$version")

step "tfgen: building"
go build -C "$src" "${goflags[@]}" -o "$work/tfgen" ./tfgen
step "tfgen: writing the schema"
"$work/tfgen" schema --skip-docs --skip-examples --out "$work/schema" >&2
cp "$work/schema/schema.json" "$src/schema.json"

step "$name: building"
go build -C "$src" "${goflags[@]}" -o "$work/$name" .
reported=$("$work/$name" -version)
[ "$reported" = "$version" ] || { echo "tools/docker/provider.sh: the plugin reports version '$reported', not $version" >&2; exit 1; }

# Written to a temporary name first, so an interrupted build is never taken for a finished one.
mv "$work/$name" "$dest/bin/$name"
echo "$key" >"$dest/built"
step "done: $name $reported ($(du -m "$dest/bin/$name" | cut -f1) MiB)"
echo "$dest/bin/$name"
