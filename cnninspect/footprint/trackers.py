"""torch's memory trackers, with their peak bookkeeping made proportional to the call depth.

After every op, ``MemTracker`` visits every module it has seen so far to ask whether it is
running now (``_update_peak_stats``): ops × modules weak-reference lookups, 5.6 million for a
step of resnet152 at batch 32 — 7 of its 10 seconds. The trackers here keep an index of the
modules' statistics by name and visit only the modules running now (the tracker's own
``parents``, the call stack): the same updates, in an order that cannot matter (each module's
statistics are its own). ``tests/test_trackers.py`` holds every snapshot equal to torch's.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from torch.distributed._tools.fsdp2_mem_tracker import FSDPMemTracker
from torch.distributed._tools.mem_tracker import MemTracker

_TOTAL = "Total"  # the key of a snapshot's sum


class StackMemTracker(MemTracker):  # type: ignore[no-untyped-call]
    """``MemTracker``, visiting only the running modules after each op."""

    def _update_peak_stats(self, peak_state: Any) -> None:
        _update_peak_stats(self, peak_state)


class StackFSDPMemTracker(FSDPMemTracker):  # type: ignore[no-untyped-call]
    """``FSDPMemTracker``, visiting only the running modules after each op."""

    def _update_peak_stats(self, peak_state: Any) -> None:
        _update_peak_stats(self, peak_state)


def _update_peak_stats(tracker: MemTracker, peak_state: Any) -> None:
    """What ``MemTracker._update_peak_stats`` does: each running module's peak in this state,
    and the tracker's own peak, raised to the current snapshot where it is higher."""
    current = tracker._curr_mem_snap
    for name in tracker._mod_tracker.parents:
        for stats in _by_name(tracker).get(name, ()):
            if peak_state in stats.snapshots:
                for device, snapshot in current.items():
                    if stats.local_peak.get(device, 0) < snapshot[_TOTAL]:
                        stats.local_peak[device] = snapshot[_TOTAL]
                        stats.snapshots[peak_state][-1][device] = deepcopy(snapshot)
    for device, snapshot in current.items():
        if tracker._peak_mem.get(device, 0) < snapshot[_TOTAL]:
            tracker._peak_mem[device] = snapshot[_TOTAL]
            tracker._peak_mem_snap[device] = deepcopy(snapshot)


def _by_name(tracker: MemTracker) -> dict[str, list[Any]]:
    """The modules' statistics by qualified name, indexed again when a module was added (a
    module's statistics are made when it first runs, and never replaced)."""
    tracking = tracker.memory_tracking
    index: tuple[int, dict[str, list[Any]]] | None = getattr(tracker, "_cnninspect_index", None)
    if index is None or index[0] != len(tracking):
        by_name: dict[str, list[Any]] = {}
        for stats in tracking.values():  # type: ignore[no-untyped-call]
            by_name.setdefault(stats.mod_fqn, []).append(stats)
        index = (len(tracking), by_name)
        tracker._cnninspect_index = index  # type: ignore[attr-defined]
    return index[1]
