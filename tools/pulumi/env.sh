# Source from bash: `. tools/pulumi/env.sh`. Puts the Pulumi CLI and plugins that tools/pulumi/build.sh
# built first on PATH, then the Docker provider tools/docker/provider.sh built, with a throwaway
# local state backend and nothing fetched from the network.
# PULUMI_WORK names the folder for state and PULUMI_HOME (default: a new temporary folder).
# shellcheck source=versions.env
. "$(dirname "${BASH_SOURCE[0]}")/versions.env"
# shellcheck source=../docker/versions.env
. "$(dirname "${BASH_SOURCE[0]}")/../docker/versions.env"
PULUMI_WORK=${PULUMI_WORK:-$(mktemp -d)}
export PULUMI_WORK
export TRADE2026_PULUMI_BIN="${TRADE2026_CACHE:-$HOME/.cache/trade2026}/pulumi-$TRADE2026_PULUMI_VERSION/bin"
# The Docker provider has a folder of its own: its version is pulumi-docker's, not the CLI's.
export TRADE2026_DOCKER_PROVIDER_BIN="${TRADE2026_CACHE:-$HOME/.cache/trade2026}/pulumi-docker-$TRADE2026_DOCKER_PROVIDER_VERSION/bin"
export PATH="$TRADE2026_PULUMI_BIN:$TRADE2026_DOCKER_PROVIDER_BIN:$PATH"
# The stand-in language host (pulumi-language-python) runs on this repository's venv, which has grpcio
# and the pulumi SDK; the program itself runs in the virtualenv Pulumi.yaml names, as with the real host.
TRADE2026_LANGUAGE_HOST_PYTHON=${TRADE2026_LANGUAGE_HOST_PYTHON:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/venv/bin/python}
export TRADE2026_LANGUAGE_HOST_PYTHON
# Plugins come only from the folder above: a missing one must fail, not be downloaded.
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_SKIP_UPDATE_CHECK=true
# The user's ~/.pulumi (credentials, plugins, a logged-in backend) stays out of it.
export PULUMI_HOME="$PULUMI_WORK/home"
export PULUMI_BACKEND_URL="file://$PULUMI_WORK/state"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-trade2026-throwaway}"
mkdir -p "$PULUMI_HOME" "$PULUMI_WORK/state"
