"""A stand-in for `pulumi-language-python`, the Pulumi CLI's Python language host, which the Go
module proxy does not serve. With it on PATH, `pulumi up`, `pulumi preview --policy-pack DIR`,
`pulumi destroy` run in this project folder exactly as users type them.

It is glue only, and follows the Go host of pulumi v3.274.1 (sdk/python/cmd/pulumi-language-python
main.go, sdk/python/toolchain/pip.go) call for call: `Run` starts the upstream exec script
`pulumi-language-python-exec` (installed beside this file from the sdk/v3 module, not ours) in the
project's virtualenv with the same arguments and the config in PULUMI_CONFIG /
PULUMI_CONFIG_SECRET_KEYS; `RunPlugin` starts a policy pack as `python -u -m pulumi.policy ENGINE
DIR` in the pack's virtualenv and streams its output back; `GetRequiredPackages` and
`InstallDependencies` create a missing virtualenv from requirements.txt as `pulumi up` does on a
fresh clone. Left out, because nothing here uses them: typecheckers, poetry/uv toolchains, debugger
attach, program/package generation, and the policy proxy through which the Go host also hands a pack
the stack's config in its environment (our pack reads only its policy config, which arrives over
the Analyzer protocol either way).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

HERE = Path(__file__).resolve().parent
EXEC = HERE / "pulumi-language-python-exec"
VERSION = os.environ.get("TRADE2026_PULUMI_VERSION", "3.274.1")
# The exec script's "I already showed the user an actionable message" exit code.
BAIL = 32


class VirtualenvError(Exception):
    pass


def _options(info: Any) -> dict[str, Any]:
    return json_format.MessageToDict(info.options) if info.HasField("options") else {}


def _virtualenv(info: Any, is_plugin: bool) -> Path | None:
    """The virtualenv Pulumi.yaml (or PulumiPolicy.yaml) names, absolute; plugins default to venv/."""
    options = _options(info)
    virtualenv = options.get("virtualenv")
    if virtualenv is not None and not isinstance(virtualenv, str):
        raise VirtualenvError("virtualenv option must be a string")
    if not virtualenv and is_plugin and options.get("toolchain", "pip") == "pip":
        virtualenv = "venv"
    if not virtualenv:
        return None
    path = Path(virtualenv)
    return path if path.is_absolute() else Path(info.root_directory) / path


def _python(venv: Path | None) -> tuple[str, dict[str, str]]:
    """The interpreter and environment pip.go's Command gives: the virtualenv's python, activated."""
    env = dict(os.environ)
    if venv is None:
        return os.environ.get("PULUMI_PYTHON_CMD") or "python3", env
    python = venv / "bin" / "python"
    if not python.is_file():
        raise VirtualenvError(
            f"The 'virtualenv' option in Pulumi.yaml is set to {venv.name!r}, but {str(venv)!r} "
            f"{'does not exist' if not venv.exists() else 'does not appear to be a virtual environment'}; "
            f"run `pulumi install` (or: python3 -m venv {venv} && {python} -m pip install -r requirements.txt)"
        )
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONHOME", None)
    return str(python), env


def _ensure_venv(venv: Path | None, directory: str, out: Any, err: Any) -> None:
    """Create a missing or empty virtualenv and install requirements.txt into it (pip.go EnsureVenv)."""
    if venv is None or (venv / "bin" / "python").is_file():
        return
    if venv.exists() and (not venv.is_dir() or any(venv.iterdir())):
        return  # _python names what is wrong with it
    steps: list[Sequence[str]] = [[sys.executable, "-m", "venv", str(venv)]]
    requirements = Path(directory) / "requirements.txt"
    if requirements.is_file():
        steps.append([str(venv / "bin" / "python"), "-m", "pip", "install", "-r", str(requirements)])
    for step in steps:
        done = subprocess.run(step, cwd=directory, stdout=out, stderr=err, check=False)
        if done.returncode:
            command = " ".join(step)
            raise VirtualenvError(f"creating the virtual environment failed: `{command}` exited {done.returncode}")


class LanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    def __init__(self, engine_address: str) -> None:
        self.engine_address = engine_address
        self.children: set[subprocess.Popen[bytes]] = set()
        self.lock = threading.Lock()

    def _start(self, argv: Sequence[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        child = subprocess.Popen(argv, **kwargs)
        with self.lock:
            self.children.add(child)
        return child

    def _finish(self, child: subprocess.Popen[bytes]) -> int:
        try:
            return child.wait()
        finally:
            with self.lock:
                self.children.discard(child)

    def Handshake(self, request: Any, context: Any) -> Any:  # noqa: N802 (gRPC method names)
        self.engine_address = request.engine_address or self.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request: Any, context: Any) -> Any:  # noqa: N802
        return plugin_pb2.PluginInfo(version=VERSION)

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:  # noqa: N802
        # The Go host also lists the pulumi-plugin.json of installed SDKs so the CLI can fetch
        # missing plugins; here every plugin is on PATH and acquisition is off, so none is listed.
        try:
            _ensure_venv(_virtualenv(request.info, False), request.info.program_directory, sys.stderr, sys.stderr)
        except VirtualenvError as error:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
        return language_pb2.GetRequiredPackagesResponse()

    def About(self, request: Any, context: Any) -> Any:  # noqa: N802
        python, _ = _python(_virtualenv(request.info, False) if request.HasField("info") else None)
        return language_pb2.AboutResponse(executable=python, version=sys.version.split()[0])

    def Run(self, request: Any, context: Any) -> Any:  # noqa: N802
        try:
            python, env = _python(_virtualenv(request.info, False))
        except VirtualenvError as error:
            return language_pb2.RunResponse(error=str(error))
        argv = [python, str(EXEC)]
        for flag, value in (
            ("monitor", request.monitor_address),
            ("engine", self.engine_address),
            ("project", request.project),
            ("root_directory", request.info.root_directory),
            ("stack", request.stack),
            ("pwd", request.pwd),
            ("dry_run", "true" if request.dryRun else "false"),
            ("parallel", str(request.parallel)),
            ("organization", request.organization),
        ):
            if value:
                argv += [f"--{flag}", value]
        argv += [request.info.entry_point or ".", *request.args]
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        # stdout and stderr stay ours: the CLI reads them as the program's output, as with the Go host.
        child = self._start(argv, env=env)
        context.add_callback(lambda: _interrupt(child))
        code = self._finish(child)
        if code == 0:
            return language_pb2.RunResponse()
        if code == BAIL:
            return language_pb2.RunResponse(bail=True)
        return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {code}")

    def InstallDependencies(self, request: Any, context: Any) -> Iterator[Any]:  # noqa: N802
        read, write = os.pipe()
        result: list[BaseException] = []

        def install() -> None:
            try:
                _ensure_venv(_virtualenv(request.info, request.is_plugin), request.info.program_directory, write, write)
            except VirtualenvError as error:
                result.append(error)
            finally:
                os.close(write)

        threading.Thread(target=install, daemon=True).start()
        yield language_pb2.InstallDependenciesResponse(stdout=b"Installing dependencies...\n\n")
        yield from (language_pb2.InstallDependenciesResponse(stdout=chunk) for chunk in _chunks(read))
        os.close(read)
        if result:
            context.abort(grpc.StatusCode.UNKNOWN, str(result[0]))
        yield language_pb2.InstallDependenciesResponse(stdout=b"Finished installing dependencies\n\n")

    def RunPlugin(self, request: Any, context: Any) -> Iterator[Any]:  # noqa: N802
        analyzer = request.kind == "analyzer"
        try:
            python, env = _python(_virtualenv(request.info, not analyzer))
        except VirtualenvError as error:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
        directory = request.info.program_directory
        if analyzer:
            # Policy packs take the engine address first and their folder last, and run in their folder.
            argv, cwd = [python, "-u", "-m", "pulumi.policy", *request.args, directory], directory
        else:
            argv, cwd = [python, directory, *request.args], request.pwd or None
        env.update(item.split("=", 1) for item in request.env if "=" in item)
        child = self._start(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        context.add_callback(lambda: _interrupt(child))
        assert child.stdout is not None and child.stderr is not None
        out, err = child.stdout.fileno(), child.stderr.fileno()
        errors: list[bytes] = []
        drain = threading.Thread(target=lambda: errors.extend(_chunks(err)), daemon=True)
        drain.start()
        for chunk in _chunks(out):
            yield language_pb2.RunPluginResponse(stdout=chunk)
            # Stderr goes back as it comes, so the CLI shows a failing pack's message while it waits.
            while errors:
                yield language_pb2.RunPluginResponse(stderr=errors.pop(0))
        drain.join()
        for chunk in errors:
            yield language_pb2.RunPluginResponse(stderr=chunk)
        child.stdout.close()
        child.stderr.close()
        code = self._finish(child)
        if code:
            yield language_pb2.RunPluginResponse(exitcode=code)

    def Cancel(self, request: Any, context: Any) -> Any:  # noqa: N802
        with self.lock:
            children = list(self.children)
        for child in children:
            _interrupt(child)
        return empty_pb2.Empty()


def _interrupt(child: subprocess.Popen[bytes]) -> None:
    """What the Go host does when its request ends or Cancel arrives: SIGINT, the program's own
    clean stop (the SDK finishes its outstanding RPCs)."""
    if child.poll() is None:
        child.send_signal(signal.SIGINT)


def _chunks(fd: int) -> Iterator[bytes]:
    while chunk := os.read(fd, 65536):
        yield chunk


def main(argv: Sequence[str]) -> None:
    # The CLI passes logging flags (-v=N, --logtostderr, --tracing X) before the engine address,
    # which always comes last.
    positional = [arg for arg in argv if not arg.startswith("-")]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(LanguageHost(positional[-1] if positional else ""), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    # The CLI reads the port from the first line of stdout.
    print(port, flush=True)
    # Interrupts reach the children through the CLI's Cancel; the host itself ends with the CLI.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    server.wait_for_termination()


if __name__ == "__main__":
    main(sys.argv[1:])
