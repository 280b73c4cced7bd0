# shellcheck shell=sh
groupadd -g 10001 questdb
useradd -u 10001 -g 10001 -d /var/lib/questdb -M -s /usr/sbin/nologin questdb
chown questdb:questdb /var/lib/questdb
