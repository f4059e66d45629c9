"""Plain result values — Report, Finding, Validation, ArchDiff, … — torch-free, no rendering."""
