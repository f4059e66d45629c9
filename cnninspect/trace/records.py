"""What the forward pass records: one ``LayerRecord`` per module call, and the ``Trace`` of the
whole pass (immutable values; shapes as torch saw them, batch first)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cnninspect.shapes import BatchedShape, ReceptiveField


@dataclass(frozen=True, slots=True)
class LayerRecord:
    """One module call."""

    index: int  # call order; a container comes before what it contains
    name: str  # qualified module name ("layer1.0.conv1")
    type: str  # class name
    depth: int  # 1 for the root's children
    is_leaf: bool  # the module has no submodules
    hparams: tuple[tuple[str, Any], ...]
    input_shapes: tuple[BatchedShape, ...]
    output_shapes: tuple[BatchedShape, ...]  # every tensor in the output, in order
    params: int  # own parameters counted here (first call, not seen in an earlier module)
    trainable_params: int
    shared_params: int  # own parameters already counted elsewhere (tied or re-used)
    call: int  # 0 for a module's first call, 1 for its second, …
    own_macs: int  # multiply-accumulates done by this module itself, not its children
    # the calls (``index``; -1: the model's input) whose outputs feed this call, followed
    # through functional code (``out + identity``, ``torch.cat``): the edges of the graph
    sources: tuple[int, ...] = ()
    input_field: ReceptiveField | None = None  # receptive field of the first input tensor
    field: ReceptiveField | None = None  # … and of the first output (None: no spatial axes)
    ops: frozenset[str] = frozenset()  # the aten ops the call's own code ran (`relu`, `view`)
    # a module holding others: the elements its own code made and let out (trace/own_work.py);
    # None for a leaf, whose outputs are its activations
    own_made: int | None = None

    @property
    def output_shape(self) -> BatchedShape | None:
        return self.output_shapes[0] if self.output_shapes else None


@dataclass(frozen=True, slots=True)
class Trace:
    records: tuple[LayerRecord, ...]
    input_shapes: tuple[BatchedShape, ...]
    output_shapes: tuple[BatchedShape, ...]
    total_params: int  # every parameter of the model once, called or not
    trainable_params: int
    param_bytes: int
    trainable_param_bytes: int  # what the gradients of a backward pass take
    buffer_count: int
    buffer_bytes: int
    bytes_by_dtype: tuple[tuple[str, int, int], ...]  # (dtype, parameter bytes, buffer bytes)
    macs: int
    batch: int
    dtype: str
    device: str
    element_size: int  # bytes per activation element at ``dtype``
    input_bytes: int  # of the tensors forward was given, each at its own dtype (token ids: 8)
    input_bytes_by_dtype: tuple[tuple[str, int], ...] = ()  # (dtype, bytes), in dtype order
    # parameters of modules the forward pass never called (e.g. auxiliary heads in eval), by
    # the outermost such module: in the totals, in no row
    uncalled: tuple[tuple[str, int], ...] = ()
    model_type: str = "Module"  # the class (or YAML block type) of the model itself
    # the aten ops that modules holding others ran in their own code (the model's included):
    # layers done inline, as `F.relu(x)` or `out + identity`, which no hook sees
    inline_ops: frozenset[str] = frozenset()
    own_made: int = 0  # elements the own code of modules holding others made and let out
    # ops with arithmetic and no formula: (op, the module whose own code ran it, calls)
    uncounted: tuple[tuple[str, str, int], ...] = ()
