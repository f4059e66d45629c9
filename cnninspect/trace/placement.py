"""Moving a model built on the meta device onto real (or fake) storage, ties kept.

``Module.to_empty`` gives every parameter slot a fresh tensor, so a weight shared by two modules
(an embedding tied to the output layer) becomes two weights: twice the parameters, twice the
gradients and optimizer state. This re-ties them as they were.
"""

from __future__ import annotations

from copy import deepcopy

import torch
from torch import nn

from cnninspect.errors import TargetError, first_line
from cnninspect.trace.arguments import mark_uninitialised


def to_empty(model: nn.Module, device: torch.device | str) -> None:
    """``model.to_empty(device=device)``, with shared parameters and buffers shared again."""
    slots: dict[int, list[tuple[nn.Module, str, str]]] = {}
    for module in model.modules():
        for kind in ("_parameters", "_buffers"):
            for name, tensor in getattr(module, kind).items():
                if tensor is not None:
                    slots.setdefault(id(tensor), []).append((module, kind, name))
    model.to_empty(device=device)
    for places in slots.values():
        first_module, kind, first_name = places[0]
        shared = getattr(first_module, kind)[first_name]
        for module, other_kind, name in places[1:]:
            getattr(module, other_kind)[name] = shared


def placed_copy(model: nn.Module, device: torch.device, dtype: torch.dtype | None) -> nn.Module:
    """``model`` itself when its weights are on ``device`` at ``dtype`` already; otherwise a
    copy there (``copy_onto``), so that inspecting a user's model never moves or converts it
    (on meta its weights would be gone)."""
    tensors = [*model.parameters(), *model.buffers()]
    index = device.index
    if device.type == "cuda" and index is None:
        index = torch.cuda.current_device()  # where model.to("cuda") would move it

    def placed(t: torch.Tensor) -> bool:
        here = t.device.type == device.type and (index is None or t.device.index == index)
        return here and (dtype is None or not t.is_floating_point() or t.dtype == dtype)

    if all(placed(t) for t in tensors):
        return model
    if isinstance(model, torch.jit.ScriptModule):
        # TorchScript keeps its own parameter slots: a plain deep copy (no memo of new
        # Parameters, which it does not accept), moved by the pass — though not onto meta:
        # torch cannot move a copied ScriptModule there (2.14: "param must be a Parameter")
        if device.type == "meta":
            raise TargetError(
                "a TorchScript model cannot be copied onto meta (torch refuses to move the copy)",
                hint="inspect it where its weights are (device='auto'): the model itself is "
                "never moved or converted",
            )
        return _copied(model, device, dtype)
    return copy_onto(model, device, dtype)


def copy_onto(
    model: nn.Module, device: torch.device, dtype: torch.dtype | None = None
) -> nn.Module:
    """A copy of ``model`` on ``device``, floating tensors at ``dtype`` (None: as they are).
    Each weight is placed before the deep copy, which then finds it in its memo: on meta no
    data is copied, ties stay ties. A copy made from meta onto a real device is marked to
    receive seeded values (trace/values.py)."""
    memo: dict[int, object] = {}
    from_meta = False
    for tensor in [*model.parameters(), *model.buffers()]:
        kind = dtype if dtype is not None and tensor.is_floating_point() else tensor.dtype
        if device.type == "meta" or tensor.is_meta:
            from_meta = from_meta or tensor.is_meta
            copy = torch.empty_like(tensor, device=device, dtype=kind)
        else:
            copy = tensor.detach().to(device=device, dtype=kind, copy=True)
        if isinstance(tensor, nn.Parameter):
            copy = nn.Parameter(copy, requires_grad=tensor.requires_grad)
        memo[id(tensor)] = copy
    made = _copied(model, device, dtype, memo)
    if from_meta and device.type != "meta":
        mark_uninitialised(made)
    return made


def _copied(
    model: nn.Module,
    device: torch.device,
    dtype: torch.dtype | None,
    memo: dict[int, object] | None = None,
) -> nn.Module:
    try:
        made: nn.Module = deepcopy(model, memo)
    except Exception as exc:  # a model holding what cannot be copied (a lock, a file handle)
        where = device.type + ("" if device.type == "meta" or dtype is None else f" at {dtype}")
        raise TargetError(
            f"{type(model).__name__} cannot be copied to run on {where}: {first_line(exc)}",
            hint="inspect it where its weights are (device='auto'): the model itself is "
            "never moved or converted",
        ) from None
    return made
