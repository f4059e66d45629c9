"""The one forward pass's dispatch mode, ``PassDispatch``: every aten op passes through it. It
answers the ops that meta would run as slow Python decompositions (``meta_shortcuts``), counts
multiply-accumulates, and shows each op to the observers (the data flow, the receptive fields).

MACs are counted for every op that reaches the dispatcher, so functional code
(``F.conv2d``, ``x @ w``, ``torch.einsum``, attention) is counted, not only modules. Formulas
come from torch's own ``torch.utils.flop_counter.flop_registry`` (which counts FLOPs = 2×MACs),
completed with the fused attention kernels that torch takes on CPU and that the registry lacks:

- ``aten._scaled_dot_product_flash_attention_for_cpu`` (SDPA on CPU with grad enabled);
- ``aten._native_multi_head_attention`` (``nn.MultiheadAttention``'s fast path in eval/no-grad),
  which also performs the q/k/v and output projections;
- ``aten.mkldnn_rnn_layer`` (``nn.LSTM`` on cpu) and ``aten._cudnn_rnn`` (recurrent layers on
  cuda), fused kernels whose MACs are those of the unfused cells that meta counts.

Convention: 1 MAC = one multiply-add; bias, normalisation, pooling and activations are not
counted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry, sdpa_flop_count

from cnninspect.trace.meta_shortcuts import shortcut
from cnninspect.trace.uncounted import is_free, op_name

aten = torch.ops.aten


def _shape(value: Any) -> tuple[int, ...]:
    return tuple(value.shape)


def _flash_cpu_flops(query: Any, key: Any, value: Any, *args: Any, **kwargs: Any) -> int:
    flops = sdpa_flop_count(_shape(query), _shape(key), _shape(value))  # type: ignore[no-untyped-call]
    return int(flops)


def _native_mha_flops(
    query: Any, key: Any, value: Any, embed_dim: int, *args: Any, **kwargs: Any
) -> int:
    """Projections (q, k, v, out) plus the two attention products, as FLOPs (2 per MAC)."""
    batch, q_len = query.shape[0], query.shape[-2]
    kv_len = key.shape[-2]
    projections = batch * embed_dim * embed_dim * (2 * q_len + 2 * kv_len)
    attention = 2 * batch * q_len * kv_len * embed_dim
    return int(2 * (projections + attention))


def _mkldnn_rnn_layer_flops(
    input: Any, weight_ih: Any, weight_hh: Any, *args: Any, **kwargs: Any
) -> int:
    """oneDNN's fused LSTM layer on cpu (one layer, one direction): every step multiplies
    the input by W_ih (4H × I) and the hidden state by W_hh (4H × H), for each of the T·N
    (time, batch) positions — 4·H·(I + H) MACs each, as the unfused cell computes them."""
    positions = input.shape[0] * input.shape[1]
    return int(2 * positions * (weight_ih.numel() + weight_hh.numel()))


def _cudnn_rnn_flops(input: Any, weights: Any, *args: Any, **kwargs: Any) -> int:
    """cuDNN's fused RNN/LSTM/GRU stack: every 2-D weight (W_ih, W_hh of each layer and
    direction) is applied at each of the T·N positions."""
    positions = input.shape[0] * input.shape[1]
    return int(2 * positions * sum(w.numel() for w in weights if w.dim() == 2))


_EXTRA: dict[Any, Callable[..., int]] = {}
for _name, _formula in (
    ("_scaled_dot_product_flash_attention_for_cpu", _flash_cpu_flops),
    ("_native_multi_head_attention", _native_mha_flops),
    ("mkldnn_rnn_layer", _mkldnn_rnn_layer_flops),
    ("_cudnn_rnn", _cudnn_rnn_flops),
):
    if hasattr(aten, _name):
        _EXTRA[getattr(aten, _name)] = _formula


Observer = Callable[[Any, tuple[Any, ...], dict[str, Any], Any], None]


class PassDispatch(TorchDispatchMode):  # type: ignore[no-untyped-call]
    """The pass's one dispatch mode: runs each op (through a meta shortcut where one applies),
    adds its MACs to ``counts[owner()]`` — the innermost module running now — and its name to
    ``ops[owner()]``, and shows it to
    each of ``observers`` as ``(func, args, kwargs, out)`` (the data flow, the receptive
    fields)."""

    def __init__(self, owner: Callable[[], int], observers: Sequence[Observer] = ()) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.owner = owner
        self.observers = tuple(observers)
        self.counts: dict[int, int] = {}
        # the ops each call's own code ran (in-place or not: `relu_` is `relu`), so that a
        # layer done inline — `F.relu` in a forward — is known by what ran, not guessed
        self.ops: dict[int, set[str]] = {}
        self.uncounted: dict[tuple[str, int], int] = {}  # (op, owner) → calls (uncounted.py)

    def __torch_dispatch__(
        self,
        func: Any,
        types: Any,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        kwargs = kwargs or {}
        out = shortcut(func, args, kwargs)  # meta's slow decompositions, skipped where safe
        if out is None:
            out = func(*args, **kwargs)
        for observe in self.observers:
            observe(func, args, kwargs, out)
        packet = func._overloadpacket
        owner = self.owner()
        self.ops.setdefault(owner, set()).add(packet.__name__.removesuffix("_"))
        if packet in _EXTRA:
            flops = _EXTRA[packet](*args, **kwargs)
        elif packet in flop_registry:
            flops = int(flop_registry[packet](*args, **kwargs, out_val=out))
        else:
            if not is_free(func):  # arithmetic without a formula: named, never a silent zero
                key = (op_name(func), owner)
                self.uncounted[key] = self.uncounted.get(key, 0) + 1
            return out
        self.counts[owner] = self.counts.get(owner, 0) + flops // 2
        return out
