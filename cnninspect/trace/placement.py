"""Moving a model built on the meta device onto real (or fake) storage, ties kept.

``Module.to_empty`` gives every parameter slot a fresh tensor, so a weight shared by two modules
(an embedding tied to the output layer) becomes two weights: twice the parameters, twice the
gradients and optimizer state. This re-ties them as they were.
"""

from __future__ import annotations

import torch
from torch import nn


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
