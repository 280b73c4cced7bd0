#!/bin/sh
# As the valkey image's entrypoint: a first argument that is a flag or a *.conf file means
# valkey-server; started as root, valkey-server gets /data (the working folder) chowned to valkey
# and runs as valkey; a default umask becomes 0077; VALKEY_EXTRA_FLAGS is appended.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- valkey-server "$@"
fi
if [ "$1" = valkey-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user valkey -exec chown valkey '{}' +
  # By path: this busybox's sh runs its own applets before PATH, and its setpriv cannot change ids.
  exec /usr/bin/setpriv --reuid=valkey --regid=valkey --clear-groups -- "$0" "$@"
fi
if [ "$(umask)" = 0022 ]; then
  umask 0077
fi
# shellcheck disable=SC2086  # the flags are words, as the image splits them
exec "$@" $VALKEY_EXTRA_FLAGS
