"""Start the UI in a child process on a free port, for the browser test (and by hand).

A child process keeps the app's sandboxed DuckDB connection away from the test process's own
connections (DuckDB allows one configuration per open file and process).

    python tests/ui_server.py --db data/retail.duckdb --port 7861
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def running_ui(
    db: Path, workspace: Path, log: Path, *, backend: str = "rules", timeout_s: float = 90
) -> Iterator[str]:
    """Yield the URL of a UI serving `db`; the server is stopped on exit."""
    port = free_port()
    command = [sys.executable, __file__, "--db", str(db), "--port", str(port)]
    command += ["--workspace", str(workspace), "--backend", backend]
    env = os.environ | {"GRADIO_ANALYTICS_ENABLED": "False"}
    with open(log, "w") as log_file:
        server = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, env=env)
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + timeout_s
            while not _ready(url):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the UI did not start; see {log}:\n{log.read_text()}")
                time.sleep(0.3)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--port", type=int, default=7861)
    parser.add_argument("--workspace", type=Path)
    parser.add_argument("--backend", default="rules")
    args = parser.parse_args()
    from assistant.ui import launch

    launch(port=args.port, db=args.db, backend=args.backend, workspace=args.workspace, quiet=True)


if __name__ == "__main__":
    main()
