#!/usr/bin/env bash
# `pulumi up` of one of this project's stacks on a Docker engine, on a machine with no registry and
# no vendor downloads: the real Pulumi CLI and its Python language host (tools/pulumi/build.sh), the
# Docker provider (tools/docker/provider.sh), an engine (tools/docker/engine.sh) and stand-in
# images under the pinned references (tools/docker/images.sh), each built once per version. With
# the vendors' CLI and Docker, plain `pulumi up` in the repository does the same.
# Usage: tools/docker/up.sh STACK [pulumi up options]   (tools/docker/stack.sh: where state lives)
# Credentials: the program generates them with pulumi-random, whose provider the Go module proxy
# does not serve; so each one the stack declares is supplied as secret config, generated once.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: tools/docker/up.sh STACK [pulumi up options]" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/../.." && pwd)
python=$repo/venv/bin/python
# shellcheck source=tools/venv.sh
. "$repo/tools/venv.sh"
# shellcheck source=tools/docker/stack.sh
. "$repo/tools/docker/stack.sh"

ensure_venv "$repo"
"$repo/tools/pulumi/build.sh" >&2
"$repo/tools/docker/provider.sh" >/dev/null
stack_setup "$repo" "$1"
shift
"$repo/tools/docker/images.sh" >&2

pulumi config --json | "$python" "$repo/tools/docker/credentials.py" keys "$stack" | while read -r key; do
  if ! pulumi config get --path "$key" >/dev/null 2>&1; then
    # On stdin, not the command line: no value in argv.
    "$python" "$repo/tools/docker/credentials.py" new "$key" | pulumi config set --secret --path "$key"
  fi
done

# A plain `pulumi up` previews first, so a --policy-pack stops it before anything changes.
exec pulumi up --yes --non-interactive "$@"
