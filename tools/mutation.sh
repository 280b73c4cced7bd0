#!/usr/bin/env bash
# Mutation testing of components/ and the policy pack with mutmut (pinned in requirements-dev.txt).
#   tools/mutation.sh                      every mutant (about 40 min on 2 cores)
#   tools/mutation.sh 'components.ports.*' the mutants of one module (mutmut's name globs)
#   tools/mutation.sh survivors            re-run last time's survivors (after adding tests)
# The staged tree and mutmut's results stay in .mutation/ until a source file changes; a later
# run only tests what is not yet known. MUTATION_CHILDREN (default 2) sets mutmut's parallelism.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-venv/bin/python}
"$python" -c 'import mutmut' 2>/dev/null || "$python" -m pip install -q -r requirements-dev.txt
"$python" tools/mutation.py run "$@"
"$python" tools/mutation.py report
