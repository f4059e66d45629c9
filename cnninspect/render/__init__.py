"""Renderers: Report / Findings / ArchDiff values in, text or Rich renderables out."""
