"""The page's look: a theme built only from fonts bundled with Gradio (nothing fetched online)."""

from __future__ import annotations

import gradio as gr

# Regular and Bold only: the SemiBold files Gradio ships are stubs of a few glyphs (~5 KB), so
# a 600 weight drew most letters in a fallback font ("Segment Assistant" with an odd "A").
# With these two, every bold or semibold text uses the complete Bold face.
WEIGHTS = (400, 700)


def theme() -> gr.themes.Base:
    return gr.themes.Soft(
        primary_hue="indigo",
        secondary_hue="sky",
        neutral_hue="slate",
        font=(
            gr.themes.LocalFont("Source Sans Pro", weights=WEIGHTS),
            "ui-sans-serif",
            "system-ui",
            "sans-serif",
        ),
        font_mono=(
            gr.themes.LocalFont("IBM Plex Mono", weights=WEIGHTS),
            "ui-monospace",
            "monospace",
        ),
    )


CSS = """
.gradio-container { max-width: 1480px !important; margin: 0 auto; }
#app-title h1 { margin: 0; font-size: 1.6rem; }
#app-title p { margin: 0.1rem 0 0; color: var(--body-text-color-subdued); }
#status { font-size: 0.85rem; color: var(--body-text-color-subdued); text-align: right; }
#status p { margin: 0; }
#headline, #kpis, #headline .html-container, #kpis .html-container { padding: 0 !important; }
.headline, .headline * { color: white !important; }
.headline { padding: 14px 18px; border-radius: 12px;
  background: linear-gradient(135deg, #4f46e5 0%, #0ea5e9 100%); }
.headline.empty { background: linear-gradient(135deg, #94a3b8 0%, #cbd5e1 100%); }
.headline-label { font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.08em;
  opacity: 0.85; }
.headline-count { font-size: 2.6rem; font-weight: 700; line-height: 1.1; }
.headline-sub { font-size: 0.95rem; opacity: 0.95; }
.headline-title { margin-top: 6px; font-size: 0.85rem; opacity: 0.9; font-style: italic;
  display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.kpis { display: grid; grid-template-columns: repeat(5, 1fr); gap: 8px; }
.kpi { padding: 10px 12px; border-radius: 10px; background: var(--background-fill-secondary);
  border: 1px solid var(--border-color-primary); }
.kpi-value { font-size: 1.25rem; font-weight: 700; }
.kpi-label { font-size: 0.75rem; color: var(--body-text-color-subdued); }
.kpi-window { font-size: 0.75rem; color: var(--body-text-color-subdued); margin-top: 4px; }
.reach { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin-top: 10px; }
.reach-label { font-size: 0.7rem; text-transform: uppercase; letter-spacing: 0.08em;
  opacity: 0.85; margin-right: 2px; }
.chip { font-size: 0.8rem; padding: 2px 10px; border-radius: 999px;
  background: rgba(255, 255, 255, 0.18); border: 1px solid rgba(255, 255, 255, 0.35);
  white-space: nowrap; }
.chip b { font-weight: 700; }
.chip.chip-warn { background: rgba(127, 29, 29, 0.28); border-color: rgba(254, 202, 202, 0.6); }
.insights { margin-top: 10px; padding: 10px 12px; border-radius: 10px;
  background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary); }
.insight-row { display: flex; gap: 12px; align-items: baseline; }
.insight-row + .insight-row { margin-top: 6px; padding-top: 6px;
  border-top: 1px solid var(--border-color-primary); }
.insight-label { flex: 0 0 84px; font-size: 0.7rem; text-transform: uppercase;
  letter-spacing: 0.06em; color: var(--body-text-color-subdued); }
.insight-revenue { font-size: 1.05rem; font-weight: 600; }
.insights ul { margin: 0; padding-left: 1.1rem; font-size: 0.85rem; }
.insights li { margin: 1px 0; }
#sql-run-row { align-items: flex-start; flex-wrap: nowrap; gap: 12px; }
#sql-error { color: #b91c1c; }
#sql-error p { margin: 0.45rem 0 0; }
.panel-empty, #members-note { padding: 18px; border-radius: 10px; text-align: center;
  color: var(--body-text-color-subdued); border: 1px dashed var(--border-color-primary); }
#members-note p { margin: 0; }
/* Tables (members, saved): the text font, whole words in headers, a visible sideways scroll
   instead of columns cut off at the right. Gradio sizes columns from the rendered cells, so
   the font must be the same in header and body. */
.data-table .table-wrap, .data-table .table-wrap * { font-family: var(--font) !important; }
.data-table .header-cell span, .data-table td span, .data-table [role="gridcell"] span {
  white-space: nowrap !important; word-break: normal !important;
  overflow-wrap: normal !important; }
.data-table .virtual-table-viewport { overflow-x: auto !important;
  scrollbar-width: auto !important; scrollbar-color: #94a3b8 #f1f5f9 !important; }
/* The chat's funnel table: a header word ("customers") never breaks mid-word. */
#chat table th { white-space: nowrap !important; word-break: keep-all !important; }
#ideas { gap: 6px; }
#ideas-note p, #save-status p { margin: 0; }
#ideas-note { font-size: 0.9rem; }
#ideas-grid { display: grid !important; grid-template-columns: repeat(2, minmax(0, 1fr));
  gap: 8px; }
#ideas-grid > .block { margin: 0 !important; padding: 0 !important; min-height: 0; }
#ideas-grid .html-container, #ideas-grid .prose { padding: 0 !important; margin: 0 !important;
  height: 100%; }
.idea-card { cursor: pointer; height: 100%; box-sizing: border-box; padding: 8px 10px;
  border-radius: 10px; border: 1px solid var(--border-color-primary);
  background: var(--background-fill-primary); transition: border-color 0.12s, box-shadow 0.12s; }
.idea-card:hover, .idea-card:focus { border-color: #6366f1; outline: none;
  box-shadow: 0 2px 10px rgba(79, 70, 229, 0.15); }
.idea-top { display: flex; align-items: center; gap: 4px; flex-wrap: wrap; }
.idea-size { margin-left: auto; font-size: 0.8rem; color: var(--body-text-color-subdued); }
.idea-size b { color: var(--body-text-color); font-size: 0.9rem; }
.badge { font-size: 0.72rem; padding: 0 8px; border-radius: 999px; white-space: nowrap;
  font-weight: 600; line-height: 1.5; }
.badge.type { background: #e0e7ff; color: #3730a3; }
.badge.flag { background: #fef3c7; color: #92400e; }
.idea-title { font-weight: 600; font-size: 0.92rem; margin: 3px 0 1px; line-height: 1.25; }
.idea-why { font-size: 0.78rem; color: var(--body-text-color-subdued); line-height: 1.3;
  display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
/* At most two rows of parts: the card stays compact, the biggest parts come first. */
.idea-parts { display: flex; flex-wrap: wrap; gap: 3px; margin-top: 5px; max-height: 40px;
  overflow: hidden; }
.part { font-size: 0.72rem; padding: 0 6px; border-radius: 6px;
  background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary); }
.part.on { border-color: #6366f1; background: #eef2ff; }
.part.small { opacity: 0.6; }
.part.more { border-style: dashed; }
#input-row { flex-wrap: nowrap !important; align-items: stretch; gap: 8px; }
#input-row button { white-space: nowrap; }
#suggestions { flex-wrap: wrap; gap: 6px; }
#suggestions button { flex: 0 1 auto !important; min-width: 0 !important; }
.controls { align-items: flex-end !important; }
.controls button { max-height: 44px; }
footer { display: none !important; }
"""
