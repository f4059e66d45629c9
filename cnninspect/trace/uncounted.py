"""Which ops of a pass do arithmetic that the MAC count leaves out — named, never a silent zero.

An op the pass runs is one of three kinds:

- **counted**: torch's flop registry (or cnninspect's completion of it, ``dispatch.py``) has
  its formula — convolutions, matrix products, attention, fused recurrent layers;
- **free by definition** (the convention of the MAC count: multiply-adds of the linear maps):
  elementwise ops (torch tags most ``pointwise``: activations, bias, residual adds, scaling;
  the activations it does not tag are in ``FREE``),
  reductions (``reduction``: sums, means, maxima), views, and the families in ``FREE`` below —
  copies, creation, indexing, concatenation and splitting, padding, normalisation, pooling,
  softmax, dropout, resampling (upsampling, grid sampling), embedding lookups, sorting, scans
  (cumulative sums) and the integer arithmetic of positions;
- **uncounted**: everything else — an FFT, ``cdist``, a linear-algebra solve, a custom kernel
  (``torchvision::deform_conv2d``, ``torchvision::roi_align``): arithmetic without a formula.
  The pass names each, with how often it ran and where.
"""

from __future__ import annotations

from typing import Any

import torch

# Families of aten ops free by definition, by overload packet name (a leading underscore and
# a trailing in-place underscore are ignored): what they do is copying, indexing, arranging,
# or the normalisation, pooling, softmax and resampling the convention leaves out.
FREE = frozenset(
    {
        # creation, copies, layout
        "empty", "empty_like", "empty_strided", "new_empty", "new_empty_strided", "zeros",
        "zeros_like", "new_zeros", "ones", "ones_like", "new_ones", "full", "full_like",
        "new_full", "fill", "zero", "arange", "linspace", "logspace", "eye", "scalar_tensor",
        "rand", "rand_like", "randn", "randn_like", "randint", "randint_like", "randperm",
        "normal", "uniform", "bernoulli", "multinomial", "exponential", "to_copy", "copy",
        "clone", "contiguous", "lift_fresh", "lift_fresh_copy", "detach", "alias", "resize",
        "set", "local_scalar_dense", "item", "unsafe_view", "as_strided", "expand", "t",
        "permute", "transpose", "reshape", "view", "squeeze", "unsqueeze", "flatten",
        "unflatten", "pin_memory", "record_stream", "assert_async", "tensor_constant",
        "assert_tensor_metadata", "nested_tensor_from_mask", "unsafe_index",
        # arranging and indexing
        "cat", "stack", "hstack", "vstack", "split", "split_with_sizes", "unsafe_split",
        "chunk", "unbind", "narrow", "roll", "flip", "repeat", "tile", "repeat_interleave",
        "index", "index_select", "index_put", "index_add", "index_copy", "index_fill",
        "gather", "scatter", "scatter_add", "scatter_reduce", "select_scatter",
        "slice_scatter", "masked_fill", "masked_scatter", "masked_select", "nonzero",
        "nonzero_static", "where", "take", "put", "diagonal", "diag", "diag_embed", "tril",
        "triu", "tril_indices", "triu_indices", "one_hot", "unfold", "im2col", "col2im",
        "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "sort", "argsort", "topk",
        "unique", "unique2", "unique_consecutive", "unique_dim", "bucketize", "searchsorted",
        "histc", "bincount", "embedding", "embedding_bag", "embedding_renorm",
        # activations torch does not tag as pointwise
        "hardswish", "hardsigmoid", "hardtanh", "relu6", "gelu", "silu", "mish", "elu",
        "selu", "celu", "leaky_relu", "rrelu_with_noise", "softplus", "softshrink",
        "hardshrink", "log_sigmoid_forward", "glu", "threshold", "prelu_kernel", "prelu",
        # scans and integer arithmetic on indices (positions, cumulative sums)
        "cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "floor_divide",
        "remainder", "fmod",
        # padding
        "constant_pad_nd", "pad", "reflection_pad1d", "reflection_pad2d", "reflection_pad3d",
        "replication_pad1d", "replication_pad2d", "replication_pad3d", "circular_pad",
        # normalisation, pooling, softmax, dropout
        "native_batch_norm", "native_batch_norm_legit", "native_batch_norm_legit_functional",
        "native_batch_norm_legit_no_training", "batch_norm_impl_index", "batch_norm",
        "native_layer_norm", "native_group_norm", "layer_norm", "group_norm", "instance_norm",
        "fused_rms_norm", "rms_norm", "weight_norm_interface", "max_pool1d", "max_pool2d",
        "max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
        "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d", "avg_pool3d",
        "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
        "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
        "fractional_max_pool2d", "fractional_max_pool3d", "max_unpool2d", "max_unpool3d",
        "softmax", "log_softmax", "safe_softmax", "native_dropout", "dropout",
        "fused_dropout", "masked_softmax",
        # resampling
        "upsample_nearest1d", "upsample_nearest2d", "upsample_nearest3d",
        "upsample_nearest_exact1d", "upsample_nearest_exact2d", "upsample_nearest_exact3d",
        "upsample_linear1d", "upsample_bilinear2d", "upsample_trilinear3d",
        "upsample_bicubic2d", "upsample_bilinear2d_aa", "upsample_bicubic2d_aa",
        "grid_sampler_2d", "grid_sampler_3d", "grid_sampler", "affine_grid_generator",
    }
)  # fmt: skip


def family(func: Any) -> str:
    """An op's family name: ``aten._fft_r2c.default`` → ``fft_r2c``."""
    name: str = func._overloadpacket.__name__
    return name.strip("_")


def is_free(func: Any) -> bool:
    """Free by definition (see the module's docstring); the caller has already looked for a
    formula."""
    if not isinstance(func, torch._ops.OpOverload):
        return True  # a higher-order op (a wrapper): its inner ops reach the mode themselves
    if func.namespace not in ("aten", "prims"):
        return False  # a custom kernel: its arithmetic is unknown
    if set(func.tags) & {torch.Tag.pointwise, torch.Tag.reduction, torch.Tag.view_copy}:
        return True
    return func.is_view or family(func) in FREE or func.namespace == "prims"


def op_name(func: Any) -> str:
    """As the report names it: ``aten._fft_r2c``, ``torchvision.roi_align``."""
    return f"{func.namespace}.{func._overloadpacket.__name__}"
