"""The page's look: a theme built only from fonts bundled with Gradio (nothing fetched online)."""

from __future__ import annotations

import gradio as gr


def theme() -> gr.themes.Base:
    return gr.themes.Soft(
        primary_hue="indigo",
        secondary_hue="sky",
        neutral_hue="slate",
        font=(gr.themes.LocalFont("Source Sans Pro"), "ui-sans-serif", "system-ui", "sans-serif"),
        font_mono=(gr.themes.LocalFont("IBM Plex Mono"), "ui-monospace", "monospace"),
    )


CSS = """
.gradio-container { max-width: 1480px !important; margin: 0 auto; }
#app-title h1 { margin: 0; font-size: 1.6rem; }
#app-title p { margin: 0.1rem 0 0; color: var(--body-text-color-subdued); }
#status { font-size: 0.85rem; color: var(--body-text-color-subdued); text-align: right; }
#status p { margin: 0; }
.headline, .headline * { color: white !important; }
.headline { padding: 14px 18px; border-radius: 12px;
  background: linear-gradient(135deg, #4f46e5 0%, #0ea5e9 100%); }
.headline.empty { background: linear-gradient(135deg, #94a3b8 0%, #cbd5e1 100%); }
.headline-label { font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.08em;
  opacity: 0.85; }
.headline-count { font-size: 2.6rem; font-weight: 700; line-height: 1.1; }
.headline-sub { font-size: 0.95rem; opacity: 0.95; }
.headline-title { margin-top: 6px; font-size: 0.85rem; opacity: 0.9; font-style: italic; }
.kpis { display: grid; grid-template-columns: repeat(5, 1fr); gap: 8px; }
.kpi { padding: 10px 12px; border-radius: 10px; background: var(--background-fill-secondary);
  border: 1px solid var(--border-color-primary); }
.kpi-value { font-size: 1.25rem; font-weight: 700; }
.kpi-label { font-size: 0.75rem; color: var(--body-text-color-subdued); }
.kpi-window { font-size: 0.75rem; color: var(--body-text-color-subdued); margin-top: 4px; }
#sql-error { color: #b91c1c; }
#ideas-note p, #save-status p { margin: 0; }
.idea-button { justify-content: flex-start !important; text-align: left !important; }
.controls { align-items: flex-end !important; }
.controls button { max-height: 44px; }
footer { display: none !important; }
"""
