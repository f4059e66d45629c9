"""A summary Report in every format: the terminal's table, JSON, Markdown, CSV, HTML and the
one-page HTML report."""
