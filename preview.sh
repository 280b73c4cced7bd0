#!/usr/bin/env bash
# Set up venv/ (the same virtualenv Pulumi.yaml tells `pulumi up` to use) and run the offline
# preview of a stack with its policy gate. Usage: ./preview.sh [--stack NAME] [--policy-config FILE]
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=tools/venv.sh
. tools/venv.sh
ensure_venv "$PWD"
exec venv/bin/python -m offline.preview "$@"
