"""CNN201: two linear maps (Linear, Conv) with no non-linearity between them — together they
are one linear map. Follows a YAML model's wiring (``from``), not the call order; the layer
table's roles say which layers keep a chain linear."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cnninspect.checks.catalogue import finding
from cnninspect.construct.origins import LayerOrigin
from cnninspect.description.layer_types import LAYER_TYPES, Role
from cnninspect.results.findings import Finding

if TYPE_CHECKING:
    from torch import nn

_LINEAR_MAPS = frozenset(n for n, t in LAYER_TYPES.items() if t.role is Role.LINEAR_MAP)
# Layers that keep a chain of linear maps linear (in eval mode: dropout is the identity,
# batch norm an affine map).
_TRANSPARENT = frozenset(n for n, t in LAYER_TYPES.items() if t.keeps_linear)

Chain = frozenset[str]  # the linear maps whose output reaches a point unchanged but linearly


def linear_chains(model: nn.Module, origins: Mapping[str, LayerOrigin]) -> list[Finding]:
    """CNN201 on a model built from YAML, following its wiring (``from``), not call order."""
    walker = _ChainWalker(origins)
    walker.walk(model, "", frozenset())
    return walker.findings


@dataclass
class _ChainWalker:
    origins: Mapping[str, LayerOrigin]
    findings: list[Finding] = dataclasses.field(default_factory=list)
    maps: dict[str, nn.Module] = dataclasses.field(default_factory=dict)  # linear maps seen

    def walk(self, module: nn.Module, name: str, chain: Chain) -> Chain:
        """The chain leaving ``module`` when ``chain`` enters it."""
        kind = type(module).__name__
        wiring: list[tuple[str, tuple[str, ...]]] | None = getattr(module, "wiring", None)
        if wiring is not None:  # a YAML scope (layers.Graph)
            return self.walk_graph(module, name, wiring, chain)
        if kind == "Sequential":  # `repeat: N`
            for child_name, child in module.named_children():
                chain = self.walk(child, f"{name}.{child_name}", chain)
            return chain
        if kind in _LINEAR_MAPS:
            self.maps[name] = module
            for before in sorted(chain):
                if not factorises(self.maps[before], module):
                    self.findings.append(_chain_finding(name, kind, before, self.origins))
            return frozenset({name})
        return chain if kind in _TRANSPARENT else frozenset()

    def walk_graph(
        self, graph: nn.Module, name: str, wiring: list[tuple[str, tuple[str, ...]]], chain: Chain
    ) -> Chain:
        # the first input carries the chain; further inputs (a skip connection) start none
        inputs: tuple[str, ...] = getattr(graph, "inputs", ("in",))
        outputs: dict[str, Chain] = {n: frozenset() for n in inputs[1:]}
        outputs |= {"in": chain, "input": chain}
        outputs[inputs[0]] = chain
        for child_name, sources in wiring:
            qualname = f"{name}.{child_name}" if name else child_name
            child = graph._modules.get(child_name)
            if len(sources) > 1 and not hasattr(child, "wiring"):
                outputs[child_name] = chain = frozenset()  # a merge: the chain stops here
                continue
            entering = outputs[sources[0]] if sources else chain
            # a layer repeated 0 times has no module: what enters it leaves it
            chain = entering if child is None else self.walk(child, qualname, entering)
            outputs[child_name] = chain
        return chain


def factorises(first: nn.Module, second: nn.Module) -> bool:
    """Is first → second a deliberate factorisation rather than one linear map written twice?
    A bottleneck narrower than both ends (MobileNetV2's linear bottleneck: a low-rank map) or
    a grouped/depthwise convolution (a separable convolution) is one."""
    if getattr(first, "groups", 1) > 1 or getattr(second, "groups", 1) > 1:
        return True
    inner = _width(first, "out")
    return inner < min(_width(first, "in"), _width(second, "out"))


def _width(module: nn.Module, side: str) -> int:
    """in/out channels of a convolution, in/out features of a Linear (0: unknown)."""
    for key in (f"{side}_channels", f"{side}_features"):
        value = getattr(module, key, None)
        if isinstance(value, int):
            return value
    return 0


def _chain_finding(
    name: str, kind: str, before: str, origins: Mapping[str, LayerOrigin]
) -> Finding:
    origin = origins.get(name)
    return finding(
        "CNN201",
        f"{name} ({kind}) follows {before} with no non-linearity between them: "
        "together they are a single linear map",
        layer=name,
        position=origin.position if origin else None,
        hint="put an activation (e.g. ReLU) between them, or merge them into one layer: "
        "the pair is no more expressive than a single one",
    )
