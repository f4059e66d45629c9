"""Renderers of the memory results (``MemoryReport``, ``BatchFit``, ``CheckpointPlan``): a Rich
table, JSON (exact bytes), Markdown, and the arithmetic behind the model states."""
