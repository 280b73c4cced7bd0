import sys
from pathlib import Path

# The harness sits beside the tests; the pack is importable via pyproject's pythonpath.
sys.path.insert(0, str(Path(__file__).parent))
