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


# With FSDP, what a rank holds (FSDPMemTracker's names in comments).
SHARDED_CATEGORIES = (
    "parameter_shard",  # Sharded Param: this rank's 1/N of every parameter, always held
    "unsharded_parameters",  # Unsharded Param: units all-gathered for their forward/backward
    "buffers",  # Buffer: replicated, not sharded
    "gradient_shard",  # Sharded Grad: this rank's 1/N of the gradients, after reduce-scatter
    "unsharded_gradients",  # Unsharded Grad: a unit's whole gradients, before reduce-scatter
    "optimizer_state",  # OptState: the state of this rank's shard
    "activations",  # Activation
    "temporaries",  # Temp
    "all_gather_buffers",  # All Gather: the flat buffer each all-gather fills
    "reduce_scatter_buffers",  # Reduce Scatter: the flat buffer each reduce-scatter reads
    "inputs",  # Inputs: this rank's batch
)


@dataclass(frozen=True, slots=True)
class ShardUnit:
    """A module sharded as one unit ("" is the root, with what no other unit holds)."""

    name: str
    params: int  # its own parameter elements (a nested unit's aside)
    gathered: int  # elements its all-gather gives: each first dimension padded to the ranks


MAX_RANKS = 4096  # what --fsdp takes: one fake process group of that size, in one process


@dataclass(frozen=True, slots=True)
class Distribution:
    """Data-parallel training over ``ranks`` ranks, seen from rank 0 (the largest shards)."""

    strategy: str  # "fsdp": FSDP2's fully_shard; "ddp": replicated (torch's replicate)
    ranks: int
    unit_choice: tuple[str, ...]  # --shard-unit: names or classes; () for the default
    reshard_after_forward: bool  # False: units stay gathered from forward to backward
    param_dtype: str | None  # FSDP's mixed precision: the dtype forward and backward compute in
    reduce_dtype: str | None  # … and the gradients are reduced in


@dataclass(frozen=True, slots=True)
class StepSetup:
    """The step that was tracked."""

    mode: str  # "train" or "inference"
    optimizer: OptimizerName | None  # None in inference
    amp: AutocastName | None  # autocast dtype: bfloat16, float16; None: none
    checkpointed: tuple[str, ...]  # modules whose activations are recomputed in backward
    frozen: tuple[str, ...]  # modules whose parameters get no gradient and no state
    distribution: Distribution | None = None  # None: one device


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
    # with --fsdp: the modules sharded as one unit each (the root aside), and each unit's own
    # parameter elements (those of its submodules that are units of their own aside)
    units: tuple[ShardUnit, ...] = ()
    saved_by: tuple[tuple[str, int], ...] = ()  # bytes saved for backward by each module

    @property
    def shard_elements(self) -> int:
        """Elements of rank 0's shard of every parameter (sharded: each unit's gathered
        elements are its shard's times the ranks; replicated: the whole model)."""
        d = self.setup.distribution
        if d is None:
            return 0
        each = d.ranks if d.strategy == "fsdp" else 1
        return sum(u.gathered for u in self.units) // each

    def saved_within(self, module: str) -> int:
        """Bytes saved for backward by ``module`` and the modules inside it."""
        return sum(b for n, b in self.saved_by if n == module or n.startswith(module + "."))

    def category(self, name: str) -> int:
        return dict(self.categories).get(name, 0)


@dataclass(frozen=True, slots=True)
class BatchFit:
    """The largest batch whose peak stays within ``budget_bytes`` less ``headroom_bytes`` — or,
    when ``searched`` is "ranks", the fewest data-parallel ranks at which ``batch`` does."""

    budget_bytes: int
    budget_name: str
    batch: int  # 0: not even one sample fits
    report: MemoryReport | None  # at the answer (None: nothing fits)
    next_peak_bytes: int | None  # the peak one past the answer (batch + 1, ranks − 1)
    tries: int  # fake steps it took
    headroom_bytes: int = 0  # kept free of the budget (the CUDA context, the allocator)
    searched: str = "batch"  # or "ranks" (--fsdp auto)
    ranks: int = 1  # the ranks of the step (0: no number of ranks fits)
    nearest: int = 0  # nothing fits, ranks searched: the ranks whose peak (next_peak_bytes) came
    # nearest — more ranks than these gather more padding (FSDP pads to a multiple of ranks)

    @property
    def found(self) -> bool:
        return self.report is not None

    @property
    def usable_bytes(self) -> int:
        return self.budget_bytes - self.headroom_bytes


@dataclass(frozen=True, slots=True)
class CheckpointPlan:
    """The modules whose activations are recomputed in backward so that ``batch`` fits within
    ``budget_bytes`` less ``headroom_bytes``, with the fewest MACs recomputed that the search
    found; ``after`` is the step tracked again with the plan applied (None: even every
    candidate checkpointed does not fit)."""

    budget_bytes: int
    budget_name: str
    headroom_bytes: int
    batch: int
    before: MemoryReport  # the step as it is
    after: MemoryReport | None
    checkpointed: tuple[tuple[str, int], ...]  # (module, its forward MACs at the batch)
    candidates: int  # modules the plan could choose from
    forward_macs: int  # the model's forward MACs at the batch
    tries: int  # tracked steps, the first included

    @property
    def recomputed_macs(self) -> int:
        return sum(macs for _, macs in self.checkpointed)

    @property
    def step_macs(self) -> int:
        """A training step's MACs: the forward pass, and a backward pass counted as twice it
        (a gradient for the input and one for the weights of each linear map)."""
        return 3 * self.forward_macs
