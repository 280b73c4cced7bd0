#!/usr/bin/env bash
# A local Docker engine for the stand-in images and the real `pulumi up` tier.
# Usage: tools/docker/engine.sh start|stop|env
#   start  adopt the engine DOCKER_HOST (or the default socket) already answers on, else start a
#          private dockerd with its data under the tool cache (built images survive to the next
#          run); prints one eval-able line, DOCKER_HOST=unix://...
#   stop   stop the engine, only if `start` started it
#   env    print the DOCKER_HOST line of the engine that answers, or fail
# TRADE2026_DOCKER_DIR moves the engine's folder (default: <tool cache>/docker-engine), e.g. to run
# a second, throwaway engine beside the shared one.
set -euo pipefail
cache=${TRADE2026_CACHE:-$HOME/.cache/trade2026}
dir=${TRADE2026_DOCKER_DIR:-$cache/docker-engine}
default_host=unix://$dir/docker.sock
# Written only by `start`, so `stop` can tell an engine it started from one it adopted.
marker=$dir/started-by-engine-sh.pid
clamp_log=$dir/rlimit-clamp.log

die() {
  echo "engine.sh: $*" >&2
  exit 1
}

answers() {
  DOCKER_HOST=$1 timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

# Raising a hard limit needs CAP_SYS_RESOURCE; a container asking for more than the host's hard
# limit fails in runc without it. Probed in a subshell so this shell's limits stay as they are.
can_raise() {
  local flag=$1 hard
  hard=$(ulimit -H "$flag")
  [ "$hard" = unlimited ] && return 0
  (ulimit -H "$flag" "$((hard + 1))") 2>/dev/null
}

needs_clamp() {
  ! can_raise -n || ! can_raise -l
}

# An adopted engine keeps whatever runtime it was started with: say so when limits will fail.
warn_unclamped() {
  local runtime
  runtime=$(DOCKER_HOST=$1 docker info --format '{{.DefaultRuntime}}' 2>/dev/null || true)
  if needs_clamp && [ "$runtime" != trade2026-clamp ]; then
    echo "engine.sh: the engine on $1 runs $runtime, not trade2026-clamp, and this host cannot raise" \
      "rlimits: containers asking for nofile above $(ulimit -Hn) or memlock above $(ulimit -Hl) KiB will" \
      "not start. Restart it with the clamp (see docs) or stop it and run engine.sh start." >&2
  fi
}

install_clamp() {
  local python runc
  # Debian's python3 first: a version manager's shim on PATH would depend on the caller's environment.
  python=$(command -v /usr/bin/python3 || command -v python3) || die "python3 is missing (the rlimit clamp runs on it): apt-get install python3"
  runc=$(command -v runc) || die "runc is missing: apt-get install docker.io"
  mkdir -p "$dir/bin"
  cp "$(dirname "$0")/rlimit-clamp.py" "$dir/bin/rlimit-clamp.py"
  # The engine outlives this work tree's checkout, so the wrapper and its settings live in $dir.
  cat >"$dir/bin/trade2026-clamp" <<EOF
#!/bin/sh
TRADE2026_CLAMP_RUNC='$runc' TRADE2026_CLAMP_LOG='$clamp_log' exec '$python' '$dir/bin/rlimit-clamp.py' "\$@"
EOF
  chmod 755 "$dir/bin/trade2026-clamp"
}

start() {
  command -v docker >/dev/null || die "the docker CLI is missing: apt-get install docker.io"
  local host
  for host in ${DOCKER_HOST:+"$DOCKER_HOST"} "$default_host"; do
    if answers "$host"; then
      warn_unclamped "$host"
      echo "DOCKER_HOST=$host"
      return
    fi
  done
  command -v dockerd >/dev/null || die "dockerd is missing: apt-get install docker.io"
  [ "$(id -u)" -eq 0 ] || die "starting dockerd needs root (or set DOCKER_HOST to an engine that runs)"
  if [ -f "$dir/dockerd.pid" ] && kill -0 "$(cat "$dir/dockerd.pid")" 2>/dev/null; then
    die "dockerd $(cat "$dir/dockerd.pid") holds $dir but does not answer on $default_host; see $dir/dockerd.log"
  fi
  mkdir -p "$dir"
  local args=(
    --data-root "$dir/data" --exec-root "$dir/exec" -H "$default_host" --pidfile "$dir/dockerd.pid"
    --storage-driver=vfs --iptables=false --ip6tables=false --bridge=none
  )
  if needs_clamp; then
    install_clamp
    args+=(--add-runtime "trade2026-clamp=$dir/bin/trade2026-clamp" --default-runtime trade2026-clamp)
    echo "engine.sh: this host cannot raise rlimits: containers' ulimits above nofile $(ulimit -Hn)" \
      "/ memlock $(ulimit -Hl) KiB are lowered to them (logged in $clamp_log)" >&2
  fi
  setsid dockerd "${args[@]}" >>"$dir/dockerd.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$marker"
  local waited=0
  until answers "$default_host"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$marker"
      die "dockerd exited before it answered; the end of $dir/dockerd.log: $(tail -n 3 "$dir/dockerd.log" | tr '\n' ' ')"
    fi
    if [ "$waited" -ge 60 ]; then
      die "dockerd $pid did not answer on $default_host within 60 s; see $dir/dockerd.log"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  echo "DOCKER_HOST=$default_host"
}

stop() {
  if [ ! -f "$marker" ]; then
    echo "engine.sh: the engine in $dir was not started by engine.sh start; leaving it running" >&2
    return
  fi
  local pid
  pid=$(cat "$marker")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
      [ "$waited" -lt 60 ] || die "dockerd $pid still runs 60 s after SIGTERM"
      sleep 1
      waited=$((waited + 1))
    done
  fi
  rm -f "$marker"
}

env_line() {
  command -v docker >/dev/null || die "the docker CLI is missing: apt-get install docker.io"
  local host
  for host in ${DOCKER_HOST:+"$DOCKER_HOST"} "$default_host"; do
    if answers "$host"; then
      echo "DOCKER_HOST=$host"
      return
    fi
  done
  die "no Docker engine answers on ${DOCKER_HOST:-$default_host}; start one with tools/docker/engine.sh start"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  env) env_line ;;
  *) die "usage: engine.sh start|stop|env" ;;
esac
