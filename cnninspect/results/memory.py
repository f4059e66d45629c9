"""``MemoryReport``: what one training (or inference) step holds at its peak, tracked on fake
tensors — by category, by module, and when the peak happens (torch-free values)."""

from __future__ import annotations

from dataclasses import dataclass

from cnninspect.choices import AutocastName, OptimizerName
from cnninspect.results.displayable import Displayable
from cnninspect.shapes import Shape

# The categories, in the order a table shows them; torch's MemTracker names in comments.
CATEGORIES = (
    "parameters",  # Parameter
    "buffers",  # Buffer
    "gradients",  # Gradient
    "optimizer_state",  # Optstate
    "activations",  # Activation: made by the forward pass and kept, mostly for backward
    "temporaries",  # Temp: made by the backward pass (activation gradients) and freed
    "inputs",  # the batch itself (tracked as external)
)


@dataclass(frozen=True, slots=True)
class StepSetup:
    """The step that was tracked."""

    mode: str  # "train" or "inference"
    optimizer: OptimizerName | None  # None in inference
    amp: AutocastName | None  # autocast dtype: bfloat16, float16; None: none
    checkpointed: tuple[str, ...]  # modules whose activations are recomputed in backward
    frozen: tuple[str, ...]  # modules whose parameters get no gradient and no state


@dataclass(frozen=True, slots=True, repr=False)  # repr: the table (results.display)
class MemoryReport(Displayable):
    name: str
    target: str
    input_shapes: tuple[Shape, ...]
    batch: int
    dtype: str
    setup: StepSetup
    peak_bytes: int
    categories: tuple[tuple[str, int], ...]  # (category, bytes) at the peak
    peak_phase: str  # "backward of layer4.2", "forward of fc", "optimizer step", …
    modules: tuple[tuple[str, int], ...]  # (top-level module, activation bytes it keeps)
    params: int
    trainable_params: int
    trainable_tensors: int  # parameter tensors with a gradient (one optimizer step count each)
    weight_bytes: int  # bytes per parameter element (the master weights under autocast)

    def category(self, name: str) -> int:
        return dict(self.categories).get(name, 0)


@dataclass(frozen=True, slots=True)
class BatchFit:
    """The largest batch whose peak stays within ``budget_bytes`` less ``headroom_bytes``."""

    budget_bytes: int
    budget_name: str
    batch: int  # 0: not even one sample fits
    report: MemoryReport | None  # at ``batch``
    next_peak_bytes: int | None  # the peak at batch + 1, which does not fit
    tries: int  # fake steps it took
    headroom_bytes: int = 0  # kept free of the budget (the CUDA context, the allocator)

    @property
    def usable_bytes(self) -> int:
        return self.budget_bytes - self.headroom_bytes
