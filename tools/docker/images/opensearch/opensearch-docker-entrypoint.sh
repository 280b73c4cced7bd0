#!/bin/bash
# As the opensearch 2.x image's entrypoint: no arguments or flags mean `opensearch`; every
# environment variable named like a setting (two dot-separated lower-case words, or `processors`)
# becomes -Ename=value; the server refuses to run as root; the security plugin's demo configuration
# is installed unless DISABLE_INSTALL_DEMO_CONFIG=true (a refusal stops the container with status 1),
# and DISABLE_SECURITY_PLUGIN=true becomes -Eplugins.security.disabled=true.
#
# The plugin here is a STAND-IN of ours (trade2026.DemoConfiguration and trade2026.SecurityStandIn
# in lib/opensearch-node.jar): the demo configuration's password rules and a self-signed certificate,
# then TLS and the admin login in front of the node. The image's other plugins (performance
# analyzer, k-NN) are absent, so their switches have nothing to do.
export OPENSEARCH_HOME=/usr/share/opensearch
export OPENSEARCH_PATH_CONF=$OPENSEARCH_HOME/config
export OPENSEARCH_JAVA_OPTS="-Dopensearch.cgroups.hierarchy.override=/ $OPENSEARCH_JAVA_OPTS"
if [ $# -eq 0 ] || [ "${1:0:1}" = - ]; then
  set -- opensearch "$@"
fi
if [ "$1" != opensearch ]; then
  exec "$@"
fi
umask 0002
if [ "$(id -u)" = 0 ]; then
  echo "OpenSearch cannot run as root. Please start your container as another user."
  exit 1
fi
settings=()
while IFS='=' read -r -d '' key value; do
  if [[ $key =~ ^[a-z0-9_]+\.[a-z0-9_]+ || $key == processors ]] && [ -n "$value" ]; then
    settings+=("-E$key=$value")
  fi
done < <(env -0)
if [ "$DISABLE_INSTALL_DEMO_CONFIG" = true ]; then
  echo "Disabling execution of install_demo_configuration.sh for OpenSearch Security Plugin"
else
  echo "Enabling execution of install_demo_configuration.sh for OpenSearch Security Plugin (trade2026 stand-in)"
  # A run of a second or two: the quick compiler alone starts sooner.
  "$OPENSEARCH_HOME/jdk/bin/java" -XX:TieredStopAtLevel=1 -cp "$OPENSEARCH_HOME/lib/*" \
    trade2026.DemoConfiguration "$OPENSEARCH_PATH_CONF" || exit 1
fi
if [ "$DISABLE_SECURITY_PLUGIN" = true ]; then
  echo "Disabling OpenSearch Security Plugin"
  settings+=(-Eplugins.security.disabled=true)
else
  echo "Enabling OpenSearch Security Plugin (trade2026 stand-in: TLS and the admin login in front of the node)"
fi
exec "$@" "${settings[@]}"
