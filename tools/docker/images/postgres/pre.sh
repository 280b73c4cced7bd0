# shellcheck shell=sh
# The alpine image's ids, made before the package would pick Debian's.
groupadd -r -g 70 postgres
useradd -r -u 70 -g 70 -d /var/lib/postgresql -s /bin/sh postgres
