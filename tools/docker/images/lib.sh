# shellcheck shell=bash disable=SC2154  # $python is set by the driver before sourcing
# Sourced by tools/docker/images.sh and, through it, by each recipe (images/<service>/recipe.sh):
# where the software comes from, and the pieces a stand-in's root file system is made of.

cache=${TRADE2026_CACHE:-$HOME/.cache/trade2026}
# Changing how the base is made changes this folder's name, so an old base is never reused for it.
base_dir=$cache/debian-bookworm-minbase-1
mirror=http://deb.debian.org/debian

die() {
  echo "images.sh: $*" >&2
  exit 1
}

# The Debian bookworm rootfs every stand-in but OPA starts from, made once per machine: minbase
# (Essential packages and apt), plus busybox-static for the alpine-style stand-ins to take their
# userland from; docs, manuals, translations and apt's caches are left out.
base_tarball() {
  if [ ! -f "$base_dir/rootfs.tar" ]; then
    command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install debootstrap"
    [ "$(id -u)" -eq 0 ] || die "debootstrap needs root to make the base rootfs"
    mkdir -p "$cache"
    local scratch
    scratch=$(mktemp -d "$base_dir.build.XXXXXX")
    # shellcheck disable=SC2064  # expand now: the trap must remove this very folder
    trap "rm -rf '$scratch'" EXIT
    echo "== debootstrap bookworm (minbase) into $scratch" >&2
    debootstrap --variant=minbase --include=busybox-static bookworm "$scratch/rootfs" "$mirror" >&2
    printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s-security bookworm-security main\n' \
      "$mirror" "$mirror" "$mirror" >"$scratch/rootfs/etc/apt/sources.list"
    rm -rf "$scratch"/rootfs/usr/share/{doc,man,info,locale}/* "$scratch"/rootfs/var/cache/apt/* \
      "$scratch"/rootfs/var/lib/apt/lists/* "$scratch"/rootfs/var/log/*
    tar --numeric-owner -C "$scratch/rootfs" -cf "$scratch/rootfs.tar" .
    sha256sum "$scratch/rootfs.tar" | cut -d' ' -f1 >"$scratch/rootfs.sha256"
    mkdir -p "$base_dir"
    mv "$scratch/rootfs.tar" "$scratch/rootfs.sha256" "$base_dir/"
    rm -rf "$scratch"
    trap - EXIT
  fi
  echo "$base_dir/rootfs.tar"
}

base_digest() {
  base_tarball >/dev/null
  cat "$base_dir/rootfs.sha256"
}

# The base as an image on the engine, to run apt-get in (recipes with packages).
base_image() {
  local digest image
  digest=$(base_digest)
  image=trade2026-build/bookworm-minbase:${digest:0:12}
  if ! docker image inspect "$image" >/dev/null 2>&1; then
    docker import "$(base_tarball)" "$image" >/dev/null
  fi
  echo "$image"
}

# Where the pinned PyPI servers (requirements-real.txt) are installed.
python_scripts() {
  "$python" -c 'import sysconfig; print(sysconfig.get_path("scripts"))'
}

python_package_dir() {
  "$python" -c 'import importlib.util, pathlib, sys; spec = importlib.util.find_spec(sys.argv[1]); print(pathlib.Path(spec.origin).parent if spec and spec.origin else "")' "$1"
}

pypi_version() {
  "$python" -c 'import importlib.metadata, sys; print(importlib.metadata.version(sys.argv[1]))' "$1" 2>/dev/null ||
    die "the PyPI package $1 is not installed: venv/bin/pip install -r requirements-real.txt"
}

# An alpine image's userland as its probes and entrypoints use it: busybox's applets (sh, wget, grep,
# sed, find, setpriv, ...) from Debian's busybox-static, linked into /bin as alpine links them.
busybox_root() {
  local root=$1 applet
  mkdir -p "$root"/{bin,etc,tmp,root,usr/local/bin,usr/bin,var/run}
  chmod 1777 "$root/tmp"
  tar -xOf "$(base_tarball)" ./usr/bin/busybox >"$root/bin/busybox"
  chmod 755 "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"
}

# The shared libraries dynamically linked programs need, taken from the base rootfs (the same
# bookworm glibc the programs run on here), for the busybox stand-ins that carry such a program.
# NAME* also brings the file a library's soname link points to.
libraries_for() {
  local root=$1 binary needed=() name
  shift
  for binary in "$@"; do
    while read -r name; do needed+=("./usr/lib/x86_64-linux-gnu/$name*"); done < <(
      readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
    )
  done
  needed+=(./usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)
  mapfile -t needed < <(printf '%s\n' "${needed[@]}" | sort -u)
  tar -C "$root" -xf "$(base_tarball)" --wildcards "${needed[@]}"
  mkdir -p "$root/lib64"
  ln -sf ../usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$root/lib64/ld-linux-x86-64.so.2"
  ln -sfn usr/lib "$root/lib"
}

# Programs of the base rootfs (paths as in it, e.g. ./usr/bin/setpriv) with their libraries.
from_base() {
  local root=$1 path
  shift
  tar -C "$root" -xf "$(base_tarball)" "$@"
  for path in "$@"; do libraries_for "$root" "$root/$path"; done
}

# A Java runtime of only the modules a server needs (jlink, from this machine's JDK 17), as the
# QuestDB image ships one.
jlink_runtime() {
  local output=$1
  shift
  command -v jlink >/dev/null || die "jlink is missing (a JDK 17): apt-get install openjdk-17-jdk-headless"
  jlink --strip-debug --no-header-files --no-man-pages --compress=2 --output "$output" "$@" >&2
}

jdk_version() {
  command -v jlink >/dev/null || die "jlink is missing (a JDK 17): apt-get install openjdk-17-jdk-headless"
  echo "OpenJDK $(jlink --version)"
}
