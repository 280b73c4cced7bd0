"""The project's tools that need no Pulumi CLI and no Docker: the offline engine, preview and gate.

Run with the project's venv (`venv/bin/python -m offline.gate`, from any directory once
tools/venv.sh has made venv/). Under a Python without requirements.txt, say so in one line
instead of a traceback from deep inside an import.
"""

import importlib.util
import sys

_MISSING = [name for name in ("pulumi", "pydantic", "yaml") if importlib.util.find_spec(name) is None]
if _MISSING:
    raise SystemExit(
        f"{sys.executable} lacks the project's requirements (no {', '.join(_MISSING)}): run venv/bin/python, "
        "which ./preview.sh sets up (or: python3 -m venv venv && venv/bin/pip install -r requirements.txt)"
    )
