"""One rank of a real data-parallel training step over gloo, tracked by torch's FSDPMemTracker:
run by ``torchrun --nproc-per-node N rank_step.py MODEL BATCH UNIT_CLASS [fsdp|ddp]``; every
rank prints one JSON line with its peak. ``ddp`` replicates with torch's FSDP2-based
``replicate`` (``torch.distributed._composable.replicate_with_fsdp``). Written as a user
writes an FSDP2 step, independently of cnninspect (which tracks the same step on fake tensors
in one process)."""

from __future__ import annotations

import json
import os
import sys

import distributed_nets
import torch
import torch.distributed as dist
from torch.distributed._composable.replicate_with_fsdp import replicate
from torch.distributed._tools.fsdp2_mem_tracker import FSDPMemTracker
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.fsdp import fully_shard

INPUTS = {
    "SmallCNN": lambda batch: torch.randn(batch, 3, 32, 32),
    "SmallViT": lambda batch: torch.randn(batch, 3, 32, 32),
    "TextLSTM": lambda batch: torch.randint(0, 100, (batch, 16)),
}


def main(name: str, batch: int, unit_class: str, strategy: str) -> None:
    # torch's generic recurrent kernels, as cnninspect tracks: oneDNN's fused LSTM keeps a
    # workspace that its fake (meta) kernel does not model (a figure for one cpu library)
    torch._C._set_mkldnn_enabled(False)
    dist.init_process_group("gloo")
    names = ("replicate",) if strategy == "ddp" else None
    mesh = init_device_mesh("cpu", (dist.get_world_size(),), mesh_dim_names=names)
    wrap = replicate if strategy == "ddp" else fully_shard
    torch.manual_seed(0)
    model = getattr(distributed_nets, name)()
    units = [m for m in model.modules() if type(m).__name__ == unit_class]
    for unit in units:
        wrap(unit, mesh=mesh)
    wrap(model, mesh=mesh)
    # the multi-tensor kernels: torch's default on a GPU (on a cpu it picks one at a time)
    optimizer = torch.optim.Adam(model.parameters(), foreach=True)
    for p in model.parameters():  # the state Adam keeps from the second step on
        p.grad = torch.zeros_like(p)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    x = INPUTS[name](batch)
    tracker = FSDPMemTracker(model, optimizer)
    tracker.track_inputs((x,))
    with tracker:
        output = model(x)  # kept through backward, as a loop that also logs it keeps it
        output.sum().backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    peak = tracker.get_tracker_snapshot("peak")
    (device,) = peak
    held = {str(getattr(k, "value", k)): v for k, v in peak[device].items()}
    line = {"rank": dist.get_rank(), "units": len(units), "peak_bytes": held.pop("Total")}
    line["categories"] = held
    # one write, well under a pipe's atomic size: the ranks' lines never interleave
    os.write(sys.stdout.fileno(), (json.dumps(line) + "\n").encode())
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "fsdp")
