#!/usr/bin/env bash
# Mutation testing of components/ and the policy pack with mutmut (pinned in requirements-dev.txt).
#   tools/mutation.sh                      every mutant against the fast unit tests (slow: hours on 2 cores)
#   tools/mutation.sh 'components.ports.*' the mutants of one module (mutmut's name globs)
#   tools/mutation.sh survivors            re-run last time's survivors (after adding tests)
#   MUTATION_PART=sheets tools/mutation.sh the data sheets, target and spec against the tests that
#                                          read the rendered dev stack (the quick way for those)
# The staged tree and mutmut's results stay in .mutation[-PART]/ until the mutated code changes;
# a later run only tests what is not yet known. MUTATION_CHILDREN (default 2) sets the parallelism.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-venv/bin/python}
"$python" -c 'import mutmut' 2>/dev/null || "$python" -m pip install -q -r requirements-dev.txt
"$python" tools/mutation.py run "$@"
"$python" tools/mutation.py report
