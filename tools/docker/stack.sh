# shellcheck shell=bash
# Sourced by tools/docker/up.sh and down.sh. `stack_setup REPO STACK` gives this shell the real
# CLI's environment (tools/pulumi/env.sh) with state under $PULUMI_WORK (default
# <tool cache>/docker-stacks, so later runs find it), DOCKER_HOST of the engine tools/docker/engine.sh
# adopts or starts, and STACK selected in its project folder $project, where it stays.
#
# The project folder links the program's files from the repository and holds a copy of the
# committed Pulumi.<stack>.yaml, made once: `pulumi stack init` writes the passphrase's salt into
# the stack file and up.sh adds secret credentials, and neither belongs in the committed file.
stack_setup() {
  local repo=$1 file
  stack=$2
  [[ $stack =~ ^[A-Za-z0-9_.-]{1,100}$ ]] || { echo "stack name '$stack' is not letters, digits, '_', '.' and '-' (at most 100)" >&2; exit 2; }
  PULUMI_WORK=${PULUMI_WORK:-${TRADE2026_CACHE:-$HOME/.cache/trade2026}/docker-stacks}
  # shellcheck source=tools/pulumi/env.sh
  . "$repo/tools/pulumi/env.sh"
  eval "$("$repo/tools/docker/engine.sh" start)"
  export DOCKER_HOST
  project=$PULUMI_WORK/projects/$stack
  mkdir -p "$project"
  for file in Pulumi.yaml __main__.py components requirements.txt venv; do
    ln -sfn "$repo/$file" "$project/$file"
  done
  if [ ! -e "$project/Pulumi.$stack.yaml" ] && [ -e "$repo/Pulumi.$stack.yaml" ]; then
    cp "$repo/Pulumi.$stack.yaml" "$project/Pulumi.$stack.yaml"
  fi
  cd "$project" || exit 1
  pulumi stack select --create "$stack" --non-interactive >/dev/null
}
