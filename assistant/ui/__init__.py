"""The Gradio chat UI: a conversation beside the current segment's size, profile, SQL and ideas."""

from assistant.ui.app import build_app, launch

__all__ = ["build_app", "launch"]
