"""cnninspect's trackers make the updates torch's make: every module's peaks and snapshots, and
the tracker's own, after one training step of a ResNet (real cpu tensors, tracked twice)."""

from __future__ import annotations

from typing import Any

import torch
import torchvision
from torch.distributed._tools.mem_tracker import MemTracker

from cnninspect.footprint.trackers import StackMemTracker


def _tracked(tracker: MemTracker) -> tuple[Any, dict[str, Any]]:
    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=10)
    optimizer = torch.optim.Adam(model.parameters())
    x = torch.randn(2, 3, 64, 64)
    tracker.track_external(model, optimizer, x)
    with tracker:
        model(x).sum().backward()
        optimizer.step()
    modules = {
        stats.mod_fqn: (stats.local_peak, stats.snapshots)
        for stats in tracker.memory_tracking.values()
    }
    return tracker.get_tracker_snapshot("peak"), modules


def test_the_stack_tracker_is_torchs_tracker() -> None:
    theirs = _tracked(MemTracker())
    ours = _tracked(StackMemTracker())
    assert ours[0] == theirs[0]
    assert ours[1].keys() == theirs[1].keys() and len(ours[1]) > 60
    assert ours[1] == theirs[1]
