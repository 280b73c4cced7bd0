# shellcheck shell=bash disable=SC2034,SC2154  # variables the driver reads; $repo and $python are the driver's
# openpolicyagent/opa: the static opa binary alone at /opa, run as 1000:1000, as bare as the
# official image (no shell, no HTTP client: its probe must use /opa itself).
TITLE="opa (trade2026 stand-in)"
BASE=scratch
PACKAGES=()
binary() { "$repo/tools/opa.sh"; }
software() {
  # shellcheck source=tools/versions.env
  . "$repo/tools/versions.env"
  echo "OPA $OPA_VERSION (built from its Go module by tools/opa.sh)"
}
stage() {
  local root=$1
  # Debug info is a third of the binary and nothing at run time needs it.
  objcopy --strip-debug "$(binary)" "$root/opa"
  chmod 755 "$root/opa"
}
changes() {
  cat <<'END'
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/
USER 1000:1000
EXPOSE 8181
ENTRYPOINT ["/opa"]
CMD ["run"]
END
}
