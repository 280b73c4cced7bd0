#!/usr/bin/env bash
# Set up venv/ (the same virtualenv Pulumi.yaml tells `pulumi up` to use) and run the offline
# preview of a stack with its policy gate. Usage: ./preview.sh [--stack NAME] [--policy-config FILE]
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x venv/bin/python ]; then
  python3 -m venv venv
fi
# Reinstall only when requirements.txt changed since the last install.
if ! cmp -s requirements.txt venv/.installed-requirements; then
  venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
  cp requirements.txt venv/.installed-requirements
fi
exec venv/bin/python -m offline.preview "$@"
