#!/usr/bin/env bash
# Build actionlint from its Go module, once per version, into the shared tool cache.
# Usage: tools/actionlint.sh [VERSION]   prints the binary's path.
set -euo pipefail
# shellcheck source=tools/versions.env
. "$(dirname "$0")/versions.env"
# shellcheck source=tools/go-install.sh
. "$(dirname "$0")/go-install.sh"
version=${1:-$ACTIONLINT_VERSION}
go_install actionlint "$version" github.com/rhysd/actionlint/cmd/actionlint \
  "-X github.com/rhysd/actionlint.version=$version"
