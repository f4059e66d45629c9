"""Progress for work that takes more than about a second (importing torch, a large forward
pass, the whole zoo): a transient bar on stderr, or a spinner while the amount of work is
unknown. Drawn only when stderr is a terminal that can move its cursor — never in a pipe, a
file, a CI log or a dumb terminal (TERM=dumb), and never on stdout, so JSON and tables stay
clean — and gone when the work ends."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from cnninspect.cli.program import stderr

DELAY = 1.0  # seconds of silence before anything is drawn: quick work shows nothing

Advance = Callable[[str, int, int], None]  # (what is being worked on, index, total)


@contextmanager
def progress(description: str) -> Iterator[Advance]:
    """Yields ``advance(label, index, total)`` to call before each piece of work (or never,
    for one long step: a spinner). Shown after DELAY seconds, on a terminal only."""
    if not stderr.is_terminal or stderr.is_dumb_terminal:
        yield _nothing
        return
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
        # sys.stdout and sys.stderr stay as they are: the bar starts from a timer thread,
        # while a module target's import may have pointed sys.stdout elsewhere for a moment
        redirect_stdout=False,
        redirect_stderr=False,
    )
    task = bar.add_task(escape(description), total=None)
    timer = threading.Timer(DELAY, bar.start)
    timer.daemon = True

    def advance(label: str, index: int, total: int) -> None:
        bar.update(task, completed=index, total=total, description=escape(f"{description} {label}"))

    timer.start()
    try:
        yield advance
    finally:
        timer.cancel()
        timer.join()  # a start already under way finishes before the stop
        bar.stop()


def _nothing(label: str, index: int, total: int) -> None:
    """No terminal: no progress."""
