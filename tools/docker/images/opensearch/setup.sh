# shellcheck shell=sh
groupadd -g 1000 opensearch
useradd -u 1000 -g 1000 -d /usr/share/opensearch -M -s /bin/bash opensearch
# The data folder is owned by opensearch in the image, so a new named volume mounted there is too.
chown -R opensearch:opensearch /usr/share/opensearch/config /usr/share/opensearch/data /usr/share/opensearch/logs
