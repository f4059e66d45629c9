"""Registers how result values display themselves: a Report as the summary table in a Rich
console and as HTML in a notebook. Imported by the public API (``cnninspect.summary`` …)."""

from __future__ import annotations

from cnninspect.report.html import summary_html
from cnninspect.report.table import summary_table
from cnninspect.results.display import register
from cnninspect.results.report import Report

register(Report, rich=summary_table, html=summary_html)
