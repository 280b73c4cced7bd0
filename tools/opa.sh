#!/usr/bin/env bash
# Build the opa binary from its Go module, once per version, into the shared tool cache.
# Usage: tools/opa.sh [VERSION]   prints the binary's path.
set -euo pipefail
# shellcheck source=tools/versions.env
. "$(dirname "$0")/versions.env"
# shellcheck source=tools/go-install.sh
. "$(dirname "$0")/go-install.sh"
version=${1:-$OPA_VERSION}
go_install opa "$version" github.com/open-policy-agent/opa \
  "-X github.com/open-policy-agent/opa/v1/version.Version=$version"
