# shellcheck shell=bash disable=SC2034,SC2154  # variables the driver reads; $repo and $python are the driver's
# opensearchproject/opensearch:2.x: one OpenSearch node (tests/real/opensearch-node: the server's
# own jars from Maven Central, with the netty4 and analysis-common modules) in the image's layout
# under /usr/share/opensearch, behind its entrypoint, user opensearch (1000). No plugins: the
# security plugin is a STAND-IN of ours in the same JVM (SecurityStandIn: TLS with a certificate its
# demo configuration makes at first start, and the admin login), and Debian's curl and sed are
# there for the rendered probe of that path (the dev stack's plain HTTP probe needs only bash).
TITLE="opensearch (trade2026 stand-in; its security plugin is a STAND-IN of ours: TLS and the admin login)"
BASE=debian
PACKAGES=(curl)
launcher_version() { sed -n 's:.*<opensearch.version>\(.*\)</opensearch.version>.*:\1:p' "$repo/tests/real/opensearch-node/pom.xml"; }
software() {
  local digest
  # The launcher's own source is an input too (tools/opensearch.sh records its digest).
  digest=$(cd "$repo/tests/real/opensearch-node" && find pom.xml src -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12)
  echo "OpenSearch $(launcher_version) node (Maven Central, tools/opensearch.sh, launcher $digest) with a STAND-IN of the security plugin (ours: TLS, the admin login) on $(jdk_version)"
}
installed() {
  echo "$(software), curl $(docker run --rm --entrypoint dpkg-query "$1" -W -f '${Version}' curl) (Debian bookworm)"
}
stage() {
  local root=$1 here home=$1/usr/share/opensearch node
  here=$(dirname "${BASH_SOURCE[0]}")
  node=$("$repo/tools/opensearch.sh")
  mkdir -p "$home"/{bin,config,data,logs,plugins,lib}
  cp "$node/opensearch-node.jar" "$home/lib/"
  cp "$node"/lib/*.jar "$home/lib/"
  # The modules a node's classpath needs, plus jdk.crypto.ec for TLS (the stand-in's EC key too),
  # jdk.management for the monitoring OpenSearch does through com.sun.management, jdk.localedata,
  # without which creating any index fails ("This JRE does not have support for Thai segmentation"),
  # and jdk.httpserver for the security stand-in's HTTPS front (java.se brings its java.net.http).
  jlink_runtime "$home/jdk" --add-modules java.se,jdk.unsupported,jdk.management,jdk.crypto.ec,jdk.zipfs,jdk.localedata,jdk.httpserver
  install -m755 "$here/opensearch" "$home/bin/opensearch"
  install -m755 "$here/opensearch-docker-entrypoint.sh" "$home/opensearch-docker-entrypoint.sh"
  install -m644 "$here/opensearch.yml" "$home/config/opensearch.yml"
}
changes() {
  cat <<'END'
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/share/opensearch/jdk/bin:/usr/share/opensearch/bin
ENV JAVA_HOME=/usr/share/opensearch/jdk
EXPOSE 9200 9300 9600 9650
WORKDIR /usr/share/opensearch
USER 1000:1000
ENTRYPOINT ["./opensearch-docker-entrypoint.sh"]
CMD ["opensearch"]
END
}
