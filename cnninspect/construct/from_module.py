"""A module's calls as a draft description (``export MODULE --to yaml``), module by module.

Each module that is not a torch.nn layer is followed through its ``forward`` with torch.fx,
its children kept whole: what it calls in order — a child that is a torch.nn layer (its
hyper-parameters read back from it, only those that differ from torch's defaults), a child
module of its own (followed the same way: a nested draft), or one of the few functions the
description language has a layer for (``construct/function_layers.py``: ``x + y``,
``torch.cat``, ``x.mean([2, 3])``, a piece of ``x.chunk(2, dim=1)``, torchvision's
``channel_shuffle`` and ``StochasticDepth``, …). Anything else stops the export with the
operation named and the line that calls it: a description that builds to something else is
worse than none.
"""

from __future__ import annotations

import operator
import re
from typing import TYPE_CHECKING, Any, NoReturn

from cnninspect.construct.function_layers import (
    FUNCTION_TYPES,
    METHODS,
    chunk_of,
    functions,
    layer_keywords,
    layer_scale,
    library_layer,
    wrapped_functions,
)
from cnninspect.description.draft import DraftLayer, DraftModule, Keywords
from cnninspect.description.layer_types import LAYER_TYPES
from cnninspect.errors import TargetError

if TYPE_CHECKING:
    from torch import fx, nn

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")  # what a description accepts as a name


def draft_module(module: nn.Module, path: str = "") -> DraftModule:
    """The draft of ``module`` (put in eval mode: what runs in eval is what is described)."""
    module.eval()
    graph = _graph(module, path)
    return _Walk(module, path).draft(graph)


def draft_listed(module: nn.Module, path: str) -> tuple[DraftModule, int]:
    """The draft of a module called with a list of tensors that its forward concatenates
    first (DenseNet's dense layer, given every earlier output), and the axis it concatenates
    along. The draft reads the concatenation (its caller writes it) and ends by concatenating
    its own result to it: the list one longer, which the next such call reads."""
    module.eval()
    graph = _graph(module, path)
    walk = _Walk(module, path, listed=True)
    return walk.draft(graph), walk.list_dim or 0


def _graph(module: nn.Module, path: str) -> fx.Graph:
    from torch import fx

    class Children(fx.Tracer):
        """Follows one module's own code; every child is a call, not followed here."""

        def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
            return m is not module

    tracer = Children(autowrap_functions=wrapped_functions())
    tracer.record_stack_traces = True
    try:
        return tracer.trace(module)
    except Exception as error:
        raise TargetError(
            f"{_where(module, path)}: export cannot follow its forward without running it "
            f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''})",
            hint="torch.fx must trace the module's forward (no branching on tensor values)",
        ) from error


def _where(module: nn.Module, path: str) -> str:
    return f"{type(module).__name__}.forward ({path or 'the model'})"


class _Walk:
    def __init__(self, module: nn.Module, path: str, *, listed: bool = False) -> None:
        self.module, self.path, self.listed = module, path, listed
        self.names: dict[Any, str] = {}  # fx node → the layer name its output goes by
        self.layers: list[DraftLayer] = []
        self.called: set[str] = set()
        self.generated: set[str] = set()  # names of fx's making: kept only where read
        self.chunked: dict[Any, tuple[str, int, int]] = {}  # x.chunk → (x's name, chunks, dim)
        self.list_input: Any = None  # listed: the input list, read only by its torch.cat
        self.list_dim: int | None = None
        # (tensors, dim) → the layer whose output is their concatenation along dim; the
        # result of a child called with a list exists only inside such a concatenation
        self.concats: dict[tuple[tuple[Any, ...], int], str] = {}
        self.absorbed: set[Any] = set()
        self.own: dict[Any, Any] = {}  # get_attr → the module's own tensor it reads

    def draft(self, graph: fx.Graph) -> DraftModule:
        inputs = [n for n in graph.nodes if n.op == "placeholder"]
        if len(inputs) != 1:
            raise TargetError(f"{_where(self.module, self.path)} takes {len(inputs)} inputs")
        if self.listed:
            self.list_input = inputs[0]
        else:
            self.names[inputs[0]] = "in"
        for node in graph.nodes:
            if node.op in ("call_module", "call_function", "call_method"):
                self._call(node)
            elif node.op == "get_attr":
                self.own[node] = _attribute(self.module, str(node.target))
            elif node.op == "output":
                self._output(node)
        if self.listed:
            self._grow()
        return DraftModule(type(self.module).__name__, self.path, tuple(self._named()))

    def _grow(self) -> None:
        """A listed module's last layer: its result concatenated to its input."""
        if self.list_dim is None:
            raise TargetError(
                f"{_where(self.module, self.path)} is called with a list of tensors that it "
                "does not concatenate: the description language has no layer for a list"
            )
        last = self.layers[-1].name if self.layers else "in"
        kwargs = () if self.list_dim == 1 else (("dim", self.list_dim),)
        self.layers.append(DraftLayer("Concat", None, kwargs, sources=("in", last or "")))

    def _listed_input(self, node: fx.Node) -> bool:
        """``torch.cat(inputs, dim)`` of a listed module's input list: the concatenation its
        caller writes, no layer here; any other use of the list is refused."""
        import torch

        if self.list_input is None or self.list_input not in _tensor_args(node):
            return False
        dim = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else 0)
        whole = node.target is torch.cat and node.args[0] is self.list_input
        if not whole or not isinstance(dim, int) or self.list_dim is not None:
            self._refuse(node, "its list of inputs used other than concatenated once")
        self.list_dim = dim
        self.names[node] = "in"
        return True

    def _known_concat(self, node: fx.Node) -> bool:
        """``torch.cat(tensors, dim)`` of tensors some layer's output concatenates already
        (DenseNet's block output: every dense layer's result, the last one's): no layer."""
        import torch

        if node.target is not torch.cat or not isinstance(node.args[0], list | tuple):
            return False
        dim = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else 0)
        known = self.concats.get((tuple(node.args[0]), dim)) if isinstance(dim, int) else None
        if known is not None:
            self.names[node] = known
        return known is not None

    def _call(self, node: fx.Node) -> None:
        if self._listed_input(node) or self._known_concat(node):
            return
        if node.op == "call_module" and len(node.args) == 1 and _is_list(node.args[0]):
            self._listed_child(node)
            return
        if any(a in self.absorbed for a in _tensor_args(node)):
            self._refuse(node, "a result of a layer given a list read other than concatenated")
        if any(a in self.own for a in _tensor_args(node)):
            self._scale(node)
            return
        if self._chunk(node):
            return
        sources = [self.names[a] for a in _tensor_args(node) if a in self.names]
        layer: DraftLayer | None
        if node.target is operator.getitem and node.args[0] in self.chunked:
            layer = self._piece(node)
            sources = [self.chunked[node.args[0]][0]]
        elif node.op == "call_module":
            if len(_tensor_args(node)) != 1:  # a block of the format takes one tensor
                self._refuse(node, f"{node.target} called with {len(_tensor_args(node))} tensors")
            layer = self._child(node, str(node.target))
        else:
            layer_type, kwargs = self._function(node)
            layer = DraftLayer(layer_type, node.name, kwargs)
        if layer is None:  # a child that returns its input: nothing to describe
            self.names[node] = sources[0]
            return
        self._append(layer, sources)
        self.names[node] = layer.name or ""

    def _append(self, layer: DraftLayer, sources: list[str]) -> None:
        previous = self.layers[-1].name if self.layers else "in"
        wired = () if sources == [previous] else tuple(sources)
        self.layers.append(_replace(layer, sources=wired))

    def _listed_child(self, node: fx.Node) -> None:
        """A child called with a list of tensors it concatenates (DenseNet's dense layer, given
        every earlier output): written as a running concatenation. The child reads the list's
        concatenation and its block ends by concatenating its result to that, so the next
        call's longer list — and the block's final ``torch.cat`` of them all — is its output:
        the same values in the same order as concatenating the whole list each time."""
        target = str(node.target)
        items = tuple(node.args[0])  # type: ignore[arg-type]
        child = self.module.get_submodule(target)
        if type(child).__module__.startswith("torch.nn") or library_layer(child) is not None:
            self._refuse(node, f"{target} called with a list of tensors")
        name = self._child_name(node, target, child)
        path = f"{self.path}.{target}" if self.path else target
        inner, dim = draft_listed(child, path)
        source = self._concatenation(node, items, dim)
        self._append(DraftLayer(type(child).__name__, name, module=inner), [source])
        self.concats[((*items, node), dim)] = name
        self.absorbed.add(node)

    def _concatenation(self, node: fx.Node, items: tuple[Any, ...], dim: int) -> str:
        """The name of the concatenation of ``items`` along ``dim``: the one tensor, a layer
        whose output it is already, or a Concat layer written here."""
        known = self.concats.get((items, dim))
        if known is not None:
            return known
        if len(items) == 1 and items[0] in self.names:
            return self.names[items[0]]
        if any(item not in self.names for item in items):
            self._refuse(node, "a result of a layer given a list read other than concatenated")
        name = f"{node.name}_input"
        self.generated.add(name)
        kwargs = () if dim == 1 else (("dim", dim),)
        self._append(DraftLayer("Concat", name, kwargs), [self.names[i] for i in items])
        return name

    def _scale(self, node: fx.Node) -> None:
        """The module's own parameter of shape (C, 1, 1) multiplying a tensor (ConvNeXt's
        ``layer_scale``): a ``LayerScale``; any other use of its own tensors is refused."""
        read = next(a for a in _tensor_args(node) if a in self.own)
        found = layer_scale(node, self.own[read])
        if found is None or found[1] not in self.names:
            self._refuse(node, f"its own tensor '{read.target}' read directly")
        (layer_type, kwargs), scaled = found
        self._append(DraftLayer(layer_type, node.name, kwargs), [self.names[scaled]])
        self.names[node] = node.name

    def _chunk(self, node: fx.Node) -> bool:
        """``x.chunk(n, dim)`` makes no layer: each piece read from it does (``Chunk``)."""
        if any(a in self.chunked for a in _tensor_args(node)):
            if node.target is not operator.getitem or not isinstance(node.args[1], int):
                self._refuse(node, "the pieces of x.chunk() used together, not one by one")
            return False
        found = chunk_of(node)
        if found is None:
            return False
        source = _tensor_args(node)[0]
        self.chunked[node] = (self.names[source], *found)
        return True

    def _piece(self, node: fx.Node) -> DraftLayer:
        _, chunks, dim = self.chunked[node.args[0]]
        index = node.args[1]
        name = f"{node.args[0]}_{index}"  # chunk_0: the piece's place, not fx's getitem_3
        self.generated.add(name)
        kwargs = (("chunks", chunks), ("index", index)) + ((("dim", dim),) if dim != 1 else ())
        return DraftLayer("Chunk", name, kwargs)

    def _child_name(self, node: fx.Node, target: str, child: nn.Module) -> str:
        name = target if target not in self.called and _NAME.match(target) else node.name
        if name != target:
            self.generated.add(name)  # kept only where a later layer reads it
        if target in self.called and any(True for _ in child.parameters()):
            self._refuse(node, f"{target} called a second time (its weights shared)")
        self.called.add(target)
        return name

    def _child(self, node: fx.Node, target: str) -> DraftLayer | None:
        child = self.module.get_submodule(target)
        path = f"{self.path}.{target}" if self.path else target
        name = self._child_name(node, target, child)
        kind = type(child)
        if kind.__module__.startswith("torch.nn") and kind.__name__ in LAYER_TYPES:
            return DraftLayer(kind.__name__, name, layer_keywords(child, kind.__name__))
        library = library_layer(child)
        if library is not None:
            return DraftLayer(library[0], name, library[1])
        inner = draft_module(child, path)
        if not inner.layers:
            return None
        return DraftLayer(kind.__name__, name, module=inner)

    def _function(self, node: fx.Node) -> tuple[str, Keywords]:
        table = METHODS if node.op == "call_method" else functions()
        read = table.get(node.target)
        found = read(node) if read is not None else None
        if found is None:
            self._refuse(node, _op_name(node))
        return found

    def _output(self, node: fx.Node) -> None:
        result = node.args[0]
        last = self.layers[-1].name if self.layers else "in"
        if self.names.get(result) != last:
            self._refuse(node, "a result that is not its last call's output")

    def _named(self) -> list[DraftLayer]:
        """Function calls keep a name only where a later layer reads them by it."""
        read = {s for layer in self.layers for s in layer.sources}
        out = []
        for layer in self.layers:
            made = layer.name in self.generated or (
                layer.module is None
                and (layer.type in FUNCTION_TYPES and not self._is_child(layer))
            )
            keep = layer.name is not None and (not made or layer.name in read)
            out.append(layer if keep else _replace(layer, name=None))
        return out

    def _is_child(self, layer: DraftLayer) -> bool:
        return layer.name in self.called

    def _refuse(self, node: fx.Node, what: str) -> NoReturn:
        where = _line(node, self.module)
        raise TargetError(
            f"{_where(self.module, self.path)} computes {what}{where}: the description "
            "language has no layer for it, and a description that builds to something else "
            "would be worse than none",
            hint="write that step as a torch.nn module, or describe the model by hand",
        )


def _line(node: fx.Node, module: nn.Module) -> str:
    """``, at resnet.py:102 (out = x.mean(dim=(2, 3)))``: where the module's code calls it
    (the last frame in the file that defines its class, not torch.fx's own)."""
    import inspect

    try:
        own = inspect.getsourcefile(type(module)) or ""
    except TypeError:  # a class defined where no file holds it
        own = ""
    trace = node.stack_trace or ""
    places = re.findall(r'File "([^"]+)", line (\d+), in \w+\n\s*(.*)', trace)
    places = [p for p in places if p[0] == own] or [p for p in places if "/torch/" not in p[0]]
    if not places:
        return ""
    file, line, code = places[-1]
    return f", at {file.rsplit('/', 1)[-1]}:{line} ({code.strip()})"


def _op_name(node: fx.Node) -> str:
    if node.op == "call_method":
        return f"the tensor method .{node.target}()"
    target = node.target
    name = getattr(target, "__name__", str(target))
    module = getattr(target, "__module__", None) or ""
    return f"{module}.{name}" if module and module != "_operator" else f"operator.{name}"


def _attribute(module: nn.Module, target: str) -> Any:
    """What ``self.<target>`` holds (torch.fx's get_attr: a dotted path)."""
    found: Any = module
    for part in target.split("."):
        found = getattr(found, part)
    return found


def _is_list(value: Any) -> bool:
    """A list of tensors given as one argument (fx records it as a list of nodes)."""
    from torch import fx

    return (
        isinstance(value, list | tuple)
        and bool(value)
        and all(isinstance(v, fx.Node) for v in value)
    )


def _tensor_args(node: fx.Node) -> list[fx.Node]:
    from torch import fx

    found: list[fx.Node] = []
    fx.node.map_arg((node.args, node.kwargs), lambda n: found.append(n) or n)  # type: ignore[func-returns-value]
    return found


def _replace(layer: DraftLayer, **changes: Any) -> DraftLayer:
    import dataclasses

    return dataclasses.replace(layer, **changes)
