"""Prompt regression suites: cases, scoring by execution accuracy, runs, reports, baselines."""
