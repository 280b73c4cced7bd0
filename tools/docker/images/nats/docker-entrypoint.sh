#!/bin/sh
# As the nats image's entrypoint: no arguments, or a first one that is a flag, run nats-server with
# exactly those arguments (so WITHOUT the bundled config file); anything else runs as given.
set -e
if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
  set -- nats-server "$@"
fi
exec "$@"
