#!/usr/bin/env bash
# Builds the real Pulumi engine pieces the real-engine tests run, from the Go module proxy, into
#   ${TRADE2026_CACHE:-$HOME/.cache/trade2026}/pulumi-<version>/bin
# once per version: a piece whose recorded version matches is reused, so a second run costs nothing.
#   pulumi                          the CLI (wrapper module cli/: pkg/v3 and sdk/v3 at one version)
#   pulumi-resource-kubernetes      the Kubernetes provider (wrapper main kubernetes/)
#   pulumi-resource-pulumi-python   sdk/v3's host script for Python dynamic providers
#   pulumi-language-python          a stand-in Python language host (language_host.py), so `pulumi up` runs as typed
# Not built, because the module proxy refuses them (see docs/real-engine.md): the Go Python language
# host (hence the stand-in) and pulumi-random's provider.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"

command -v go >/dev/null || { echo "tools/pulumi/build.sh: needs Go 1.26 (go not on PATH)" >&2; exit 1; }

dest=${TRADE2026_CACHE:-$HOME/.cache/trade2026}/pulumi-$TRADE2026_PULUMI_VERSION
bin=$dest/bin
stamps=$dest/built
mkdir -p "$bin" "$stamps"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export CGO_ENABLED=0
# The release build's tags; -p 2 matches the 2-core CI machines and keeps peak memory down.
goflags=(-p 2 -trimpath -buildvcs=false -tags osusergo,grpcnotrace)

# Each piece is keyed by a version string (plus the hash of what of ours goes into it) and
# written to a temporary name first, so an interrupted build is never taken for a finished one.
current() { [ -x "$bin/$1" ] && [ "$(cat "$stamps/$1" 2>/dev/null)" = "$2" ]; }
record() { mv "$work/$1" "$bin/$1" && echo "$2" >"$stamps/$1"; }
step() { echo "== tools/pulumi [${SECONDS}s]: $*"; }
# The folder of a module in Go's module cache, downloading it first: `go list -m` alone gives an
# empty folder for a module not yet downloaded (a fresh machine), and the copy would then read /cmd/.
module_dir() {
  (cd "$1" && go mod download "$2")
  local dir
  dir=$(go list -C "$1" -m -f '{{.Dir}}' "$2")
  [ -d "$dir" ] || { echo "tools/pulumi/build.sh: $2 is not in Go's module cache" >&2; exit 1; }
  echo "$dir"
}

key="v$TRADE2026_PULUMI_VERSION $(cat "$here/cli/go.mod" "$here/cli/go.sum" | sha256sum | cut -c1-16)"
if current pulumi "$key"; then
  step "pulumi $TRADE2026_PULUMI_VERSION: cached"
else
  step "pulumi $TRADE2026_PULUMI_VERSION: building"
  go build -C "$here/cli" "${goflags[@]}" -o "$work/pulumi" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$TRADE2026_PULUMI_VERSION" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  record pulumi "$key"
fi

key="v$TRADE2026_PULUMI_VERSION $(sha256sum <"$here/cli/go.sum" | cut -c1-16)"
if current pulumi-resource-pulumi-python "$key"; then
  step "pulumi-resource-pulumi-python: cached"
else
  step "pulumi-resource-pulumi-python: installing from sdk/v3"
  sdk=$(module_dir "$here/cli" github.com/pulumi/pulumi/sdk/v3)
  # Module-cache files are read-only and lose their run bit.
  install -m755 "$sdk/python/dist/pulumi-resource-pulumi-python" "$work/pulumi-resource-pulumi-python"
  record pulumi-resource-pulumi-python "$key"
fi

key="v$TRADE2026_PULUMI_VERSION $(cat "$here/cli/go.sum" "$here/pulumi-language-python" "$here/language_host.py" | sha256sum | cut -c1-16)"
if current pulumi-language-python "$key"; then
  step "pulumi-language-python (stand-in): cached"
else
  step "pulumi-language-python (stand-in): installing, with sdk/v3's exec script"
  sdk=$(module_dir "$here/cli" github.com/pulumi/pulumi/sdk/v3)
  # The exec script is upstream's; the host beside it, which starts it, is ours (language_host.py).
  install -m755 "$sdk/python/cmd/pulumi-language-python-exec" "$bin/pulumi-language-python-exec"
  install -m644 "$here/language_host.py" "$bin/language_host.py"
  install -m755 "$here/pulumi-language-python" "$work/pulumi-language-python"
  record pulumi-language-python "$key"
fi

key="v$TRADE2026_PULUMI_KUBERNETES_VERSION $(cat "$here/kubernetes/go.mod" "$here/kubernetes/go.sum" "$here/kubernetes/main.go" | sha256sum | cut -c1-16)"
if current pulumi-resource-kubernetes "$key"; then
  step "pulumi-resource-kubernetes $TRADE2026_PULUMI_KUBERNETES_VERSION: cached"
else
  step "pulumi-resource-kubernetes $TRADE2026_PULUMI_KUBERNETES_VERSION: building"
  src=$work/kubernetes
  mkdir "$src"
  cp "$here/kubernetes/go.mod" "$here/kubernetes/go.sum" "$here/kubernetes/main.go" "$src/"
  # The generated files upstream embeds are not in the module; its sources for them are.
  provider=$(module_dir "$src" github.com/pulumi/pulumi-kubernetes/provider/v4)
  install -m644 "$provider/cmd/pulumi-resource-kubernetes/schema.json" \
    "$provider/cmd/pulumi-resource-kubernetes/terraform-mapping.json" "$src/"
  go build -C "$src" "${goflags[@]}" -o "$work/pulumi-resource-kubernetes" \
    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$TRADE2026_PULUMI_KUBERNETES_VERSION" .
  record pulumi-resource-kubernetes "$key"
fi

step "done: $("$bin/pulumi" version) in $bin"
