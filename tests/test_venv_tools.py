"""`venv/bin/python -m offline.gate` (verify, connect.dotenv) from any directory, and a one-line
error, not a traceback, from a Python without requirements.txt (tools/venv.sh, offline/__init__.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from offline.engine import ROOT


def test_a_venv_made_by_tools_venv_finds_the_tools_from_any_directory_and_names_what_it_lacks(
    tmp_path: Path,
) -> None:
    # A venv of its own (no requirements installed), given the repository as tools/venv.sh gives it.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    link = f'. "{ROOT}/tools/venv.sh"; put_repo_on_path "{tmp_path}"'
    subprocess.run(["bash", "-c", link], check=True)
    [pth] = (tmp_path / "venv").glob("lib/python*/site-packages/trade2026-repository.pth")
    assert pth.read_text() == f"{tmp_path}\n"
    # Point it at the real repository, then run a tool from somewhere else entirely.
    pth.write_text(f"{ROOT}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for module in ("offline.gate", "verify"):
        run = subprocess.run(
            [str(venv / "bin" / "python"), "-m", module, "--stack", "dev"],
            cwd=elsewhere,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 1
        [line] = run.stderr.splitlines()  # one line: no traceback
        assert line.endswith(
            "lacks the project's requirements (no pulumi, pydantic, yaml): run venv/bin/python, "
            "which ./preview.sh sets up (or: python3 -m venv venv && venv/bin/pip install -r requirements.txt)"
        ), line
