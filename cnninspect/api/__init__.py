"""The use cases behind the public API and the commands, each returning a result value:

- ``request``: what is inspected and what ``forward`` receives, resolved once at the entry;
- ``inspection``: the one load (parse and build, or import) and the one pass of a request,
  with every finding of that pass — what the use cases below read;
- ``hints``: the input that satisfies failed declarations, the smallest accepted input;
- ``summary`` (``--memory`` too), ``validate``, ``draw``, ``diff``, ``memory`` (and ``fit``),
  ``min_input``, ``listing`` (``cnninspect list``).
"""
