#!/usr/bin/env bash
# Make sure each image reference the program renders exists on the Docker engine (DOCKER_HOST):
# for every missing one, build a STAND-IN from the real server software on this machine, under the
# exact pinned name, that behaves like the official image wherever our containers depend on it
# (entrypoint conventions, users, paths, and the tools each rendered probe runs).
# Usage: tools/docker/images.sh [SERVICE...]   (default: every service of the dev stack)
#
# Each stand-in carries a label with a hash of its recipe and of the software versions that go into
# it: an unchanged recipe is reused, a changed one rebuilt. An image of that name without the
# stand-in label (the official one, pulled from a registry) is never replaced.
#
# A recipe is images/<service>/recipe.sh, sourced in a subshell, defining
#   TITLE     the image title label
#   BASE      debian (the bookworm minbase rootfs, apt-get in a build container), busybox (an
#             alpine-style busybox userland), or scratch (nothing but what stage puts there)
#   PACKAGES  Debian packages to install (BASE=debian)
#   software  prints what really runs, with versions (cheap: it is part of the hash)
#   stage     fills the root file system overlay given as $1, on this machine
#   changes   prints Dockerfile instructions for `docker import --change`, one per line
#   installed (optional) prints what really runs, as built, given the image, for the software label
# and optionally pre.sh / setup.sh beside it, run in the build container before / after PACKAGES.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
python=${TRADE2026_PYTHON:-$repo/venv/bin/python}
# shellcheck source=tools/docker/images/lib.sh
. "$here/images/lib.sh"

command -v docker >/dev/null || die "the docker CLI is missing: apt-get install docker.io"
docker version >/dev/null 2>&1 || die "no Docker engine answers on ${DOCKER_HOST:-the default socket}; eval \"\$(tools/docker/engine.sh start)\""
[ -x "$python" ] || die "no Python at $python: create the venv (python3 -m venv venv) and install requirements*.txt"

declare -A reference
while read -r service ref; do reference[$service]=$ref; done < <(cd "$repo" && "$python" "$here/references.py")
if [ $# -eq 0 ]; then
  mapfile -t services < <(printf '%s\n' "${!reference[@]}" | sort)
else
  services=("$@")
fi

recipe_hash() {
  local dir=$1 software=$2 base=$3
  {
    (cd "$here" && sha256sum images.sh images/lib.sh images/build-inside.sh)
    (cd "$dir" && find . -type f | LC_ALL=C sort | xargs sha256sum)
    echo "software: $software"
    [ "$base" = scratch ] || echo "base: $(base_digest)"
  } | sha256sum | cut -d' ' -f1
}

build() {
  local service=$1 ref=$2 dir=$here/images/$1
  [ -f "$dir/recipe.sh" ] || die "no recipe for $service ($ref): expected $dir/recipe.sh"
  # shellcheck source=/dev/null
  . "$dir/recipe.sh"
  local software key current
  software=$(software)
  # shellcheck disable=SC2153  # BASE comes from the recipe
  key=$(recipe_hash "$dir" "$software" "$BASE")
  if docker image inspect "$ref" >/dev/null 2>&1; then
    current=$(docker image inspect "$ref" --format '{{index .Config.Labels "trade2026.stand-in.recipe"}}')
    if [ -z "$current" ] || [ "$current" = "<no value>" ]; then
      echo "== $ref: not a stand-in (the official image?); left alone"
      return
    fi
    if [ "$current" = "$key" ]; then
      echo "== $ref: up to date (recipe ${key:0:12}, $software)"
      return
    fi
  fi
  echo "== $ref: building (recipe ${key:0:12}, $software)"
  local start=$SECONDS scratch old
  old=$(docker image inspect "$ref" --format '{{.Id}}' 2>/dev/null || true)
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/trade2026-image-$service.XXXXXX")
  # shellcheck disable=SC2064  # expand now: the trap must remove this very folder
  trap "rm -rf '$scratch'" RETURN
  local args=() line extra=()
  # `docker import --change` takes most instructions but not STOPSIGNAL: those go into a one-line
  # Dockerfile on top, which adds metadata and no file system layer.
  while IFS= read -r line; do
    case $line in
      STOPSIGNAL*) extra+=("$line") ;;
      *) args+=(--change "$line") ;;
    esac
  done < <(changes)
  args+=(--change "LABEL org.opencontainers.image.title=\"$TITLE\" trade2026.stand-in=\"true\" trade2026.stand-in.software=\"$software\" trade2026.stand-in.recipe=\"$key\"")
  mkdir -p "$scratch/root"
  case $BASE in
    debian)
      stage "$scratch/root"
      cp "$here/images/build-inside.sh" "$scratch/"
      local hook
      for hook in pre.sh setup.sh; do [ ! -f "$dir/$hook" ] || cp "$dir/$hook" "$scratch/"; done
      printf '%s\n' "${PACKAGES[@]}" >"$scratch/packages"
      local container=trade2026-image-build-$service-$$
      # apt-get needs the network; /mnt (empty in the base) carries the stage so nothing of it
      # remains in the exported file system.
      docker create --name "$container" --network host -v "$scratch:/mnt:ro" "$(base_image)" \
        /bin/sh -eu /mnt/build-inside.sh >/dev/null
      if ! docker start -a "$container" >"$scratch/build.log" 2>&1; then
        tail -n 20 "$scratch/build.log" >&2
        docker rm -f "$container" >/dev/null
        die "building $ref failed in its build container (log above)"
      fi
      docker export "$container" | docker import "${args[@]}" - "$ref" >/dev/null
      docker rm -f "$container" >/dev/null
      ;;
    busybox | scratch)
      [ "$BASE" = scratch ] || busybox_root "$scratch/root"
      stage "$scratch/root"
      tar --numeric-owner -C "$scratch/root" -c . | docker import "${args[@]}" - "$ref" >/dev/null
      ;;
    *) die "recipe $dir/recipe.sh: BASE must be debian, busybox or scratch, not $BASE" ;;
  esac
  # A recipe whose software is resolved by the build (a Debian package) names the version it got.
  if declare -F installed >/dev/null; then
    extra+=("LABEL trade2026.stand-in.software=\"$(installed "$ref")\"")
  fi
  if [ ${#extra[@]} -gt 0 ]; then
    printf 'FROM %s\n%s\n' "$ref" "$(printf '%s\n' "${extra[@]}")" | DOCKER_BUILDKIT=0 docker build -q -t "$ref" - >/dev/null
  fi
  # The previous build of this recipe, unless a container still uses it.
  if [ -n "$old" ] && [ "$old" != "$(docker image inspect "$ref" --format '{{.Id}}')" ]; then
    docker image rm "$old" >/dev/null 2>&1 || true
  fi
  local size
  size=$(docker image inspect "$ref" --format '{{.Size}}')
  echo "== $ref: built in $((SECONDS - start)) s, $((size / 1000000)) MB"
}

for service in "${services[@]}"; do
  [ -n "${reference[$service]:-}" ] || die "the program renders no service $service (known: ${!reference[*]})"
  (build "$service" "${reference[$service]}")
done
