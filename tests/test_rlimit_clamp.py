"""tools/docker/rlimit-clamp.py, the runc wrapper a test machine without CAP_SYS_RESOURCE runs: which
file of a runc call carries the rlimits, and how each is lowered to the host's hard limit."""

from __future__ import annotations

import importlib.util
import resource
import sys
from pathlib import Path
from types import ModuleType

import pytest

PATH = Path(__file__).resolve().parents[1] / "tools" / "docker" / "rlimit-clamp.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rlimit_clamp", PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["rlimit_clamp"] = module
    spec.loader.exec_module(module)
    return module


clamp_module = _load()


def test_create_names_the_bundles_config_and_the_container() -> None:
    argv = ["--root", "/run/r", "--log", "l.json", "create", "--bundle", "/b/1", "--pid-file", "/p", "abc123"]
    assert clamp_module._spec_file(argv) == (Path("/b/1/config.json"), "abc123", True)


def test_exec_names_its_process_file_and_the_container() -> None:
    argv = ["--root", "/run/r", "exec", "--process", "/tmp/runc-process1", "--detach", "--pid-file", "/p", "abc123"]
    assert clamp_module._spec_file(argv) == (Path("/tmp/runc-process1"), "abc123", False)


def test_other_runc_commands_are_left_alone() -> None:
    assert clamp_module._spec_file(["--root", "/run/r", "kill", "abc123", "9"]) is None
    assert clamp_module._spec_file(["--root", "/run/r", "exec", "abc123", "true"]) is None


def test_limits_above_the_hosts_hard_limit_are_lowered_to_it_and_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    hard = {resource.RLIMIT_NOFILE: 20000, resource.RLIMIT_MEMLOCK: 8388608}
    monkeypatch.setattr(resource, "getrlimit", lambda number: (1024, hard[number]))
    process = {
        "rlimits": [
            {"type": "RLIMIT_NOFILE", "soft": 262144, "hard": 262144},
            {"type": "RLIMIT_MEMLOCK", "soft": 18446744073709551615, "hard": 18446744073709551615},
        ]
    }
    changes = clamp_module.clamp(process)
    assert process["rlimits"] == [
        {"type": "RLIMIT_NOFILE", "soft": 20000, "hard": 20000},
        {"type": "RLIMIT_MEMLOCK", "soft": 8388608, "hard": 8388608},
    ]
    assert changes == [
        "RLIMIT_NOFILE soft=262144 hard=262144 -> soft=20000 hard=20000"
        " (host hard limit; no CAP_SYS_RESOURCE to raise it)",
        "RLIMIT_MEMLOCK soft=unlimited hard=unlimited -> soft=8388608 hard=8388608"
        " (host hard limit; no CAP_SYS_RESOURCE to raise it)",
    ]


def test_limits_the_host_allows_are_untouched(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resource, "getrlimit", lambda number: (1024, 20000))
    process = {"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 4096, "hard": 20000}]}
    assert clamp_module.clamp(process) == []
    assert process["rlimits"] == [{"type": "RLIMIT_NOFILE", "soft": 4096, "hard": 20000}]


def test_a_soft_limit_below_the_host_hard_limit_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resource, "getrlimit", lambda number: (1024, 20000))
    process = {"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 65536}]}
    clamp_module.clamp(process)
    assert process["rlimits"] == [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 20000}]
