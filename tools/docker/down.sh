#!/usr/bin/env bash
# `pulumi destroy` of a stack tools/docker/up.sh brought up, in the same project folder and state.
# Usage: tools/docker/down.sh STACK [--remove] [pulumi destroy options]
#   --remove  also remove the stack (its state, config and generated credentials) and its folder
# Data volumes of a stack with protectData: true stay (protect refuses the destroy; unprotect
# first with `pulumi state unprotect --all` in the folder, and retainOnDelete then keeps them).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: tools/docker/down.sh STACK [--remove] [pulumi destroy options]" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/docker/stack.sh
. "$repo/tools/docker/stack.sh"
stack_setup "$repo" "$1"
shift
remove=false
if [ "${1:-}" = --remove ]; then
  remove=true
  shift
fi
pulumi destroy --yes --non-interactive "$@"
if $remove; then
  pulumi stack rm --yes --non-interactive "$stack"
  cd /
  rm -rf "$project"
fi
