"""An ArchDiff in every format: the terminal's table, Markdown, JSON and HTML."""
