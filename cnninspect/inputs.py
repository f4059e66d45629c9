"""What the forward pass is fed: an input language for the command line and the API.

One ``--input`` is one positional argument of ``forward``, or a keyword one with ``name=``::

    3x224x224                  a float tensor (batch in front): seeded normal samples
    long:16x128@0..30522       token ids: an integer tensor, values in [0, 30522)
    3x224x224@0                every value 0 (@1: ones; any number: that value)
    3x224x224@0..255           floats uniform in [0, 255)
    mask=bool:16x128           a keyword tensor
    float:()                   a 0-d tensor (no batch: a scalar)
    [3x800x600,3x600x800]      a list of tensors, each without batch (detection models)
    {image:3x64x64,ids:long:7} a dict of tensors
    steps=12                   a keyword literal (a number, True/False/None, a quoted text;
                               a keyword tensor of 12 features is written float:12)
    lengths=exact:long:20@1..9 a tensor of exactly this shape: no batch in front
    {256:3x8,'a b':long:4}     any literal as a dict key
    {x:3x8,mode:'fast',n:12}   a dict's values read as keywords are: 12 is a number
    [3x8,None,#8,0.5,'text']   literals in a list (#8: the number 8; a bare 8 is a shape)
    @batch.pt                  real values from a file: torch.load(weights_only=True)
    @pkg.module:attr           real values from an object of a module (imported)
    ""                         nothing: forward takes no argument (or only literals)

The Python API also takes real values — tensors, a batch from a data loader — as an
``Example`` (``cnninspect.summary(model, input_data=...)``): they are used as given, with their
own dtypes, batch and values, moved to the device the pass runs on (copies: the caller's
tensors are never changed).

Torch-free: ``trace.values`` makes the tensors.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, field
from typing import Any

from cnninspect.errors import TargetError
from cnninspect.shapes import Shape

DTYPES = {
    "float": "float32", "float32": "float32", "float16": "float16", "half": "float16",
    "bfloat16": "bfloat16", "float64": "float64", "double": "float64",
    "long": "int64", "int64": "int64", "int": "int32", "int32": "int32",
    "int16": "int16", "int8": "int8", "uint8": "uint8", "bool": "bool",
}  # fmt: skip
_NUMBER = r"-?[0-9]+(?:\.[0-9]+)?(?:e-?[0-9]+)?"
_TENSOR = re.compile(
    r"^(?:(?P<dtype>[a-z0-9]+):)?(?P<dims>\(\)|-?[0-9]+(?:[x×,]-?[0-9]+)*)"
    rf"(?:@(?P<low>{_NUMBER})(?:\.\.(?P<high>{_NUMBER}))?)?$"
)
# the values each integer dtype holds: least..most
_INTEGER_RANGES = {
    "uint8": (0, 2**8 - 1), "int8": (-(2**7), 2**7 - 1), "int16": (-(2**15), 2**15 - 1),
    "int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1),
}  # fmt: skip
_RANDINT_TOP = 2**63 - 1  # torch.randint's exclusive top is an int64 itself
# the largest finite value of each floating dtype (a value beyond it is refused, not inf)
_FLOAT_MAX = {
    "float16": 65504.0, "bfloat16": 3.3895313892515355e38,
    "float32": 3.4028234663852886e38, "float64": 1.7976931348623157e308,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class TensorInput:
    shape: Shape  # without the batch (a 0-d tensor: ())
    dtype: str | None = None  # None: the command's --dtype
    low: float | None = None  # values uniform in [low, high); low alone: every value low
    high: float | None = None
    batched: bool = True  # a list's items and 0-d tensors have no batch in front


@dataclass(frozen=True, slots=True)
class ValueReference:
    """Real values named on the command line: ``@batch.pt`` (a file that
    ``torch.load(weights_only=True)`` reads: tensors, lists, dicts — no code runs) or
    ``@pkg.module:attr`` (an object of a module, imported). Resolved by the API."""

    target: str

    @property
    def is_file(self) -> bool:
        return ":" not in self.target or self.target.rpartition(":")[0].endswith((".pt", ".pth"))


@dataclass(frozen=True, slots=True)
class Inputs:
    """Positional and keyword arguments of ``forward``: tensors, lists, dicts, literals."""

    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = field(default=())

    def tensor_shapes(self) -> tuple[Shape, ...]:
        """The per-sample shapes of every tensor, in order (what the reports show)."""
        return tuple(t.shape for t in _tensors([*self.args, *(v for _, v in self.kwargs)]))

    @property
    def plain(self) -> bool:
        """Only float tensors with a batch and seeded values, no keywords: what
        ``--input 3x224x224`` means."""
        return not self.kwargs and all(
            isinstance(a, TensorInput) and a.dtype is None and a.batched and a.low is None
            for a in self.args
        )


@dataclass(frozen=True, slots=True)
class Example:
    """Real arguments of ``forward``, given through the API: tensors (any dtype and device),
    lists, tuples and dicts of them, and any other value as it is."""

    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = field(default=())


def _tensors(values: list[Any]) -> list[TensorInput]:
    found: list[TensorInput] = []
    for value in values:
        if isinstance(value, TensorInput):
            found.append(value)
        elif isinstance(value, list):
            found += _tensors(value)
        elif isinstance(value, dict):
            found += _tensors(list(value.values()))
    return found


def parse_inputs(texts: list[str]) -> Inputs:
    """Every ``--input`` in order; a usage error names the one it cannot read."""
    args: list[Any] = []
    kwargs: list[tuple[str, Any]] = []
    for text in texts:
        if not text.strip():
            continue  # --input "": forward is called with nothing (or only the others)
        name, value = _named(text.strip())
        if name is None:
            args.append(value)
        else:
            kwargs.append((name, value))
    return Inputs(tuple(args), tuple(kwargs))


def _named(text: str) -> tuple[str | None, Any]:
    head, sep, rest = text.partition("=")
    if sep and head.isidentifier():
        if rest.startswith("@"):
            return head, ValueReference(rest[1:])
        if re.fullmatch(r"-?[0-9.]+|True|False|None|'.*'|\".*\"", rest):
            return head, ast.literal_eval(rest)  # steps=12: a literal (a tensor: float:12)
        return head, _value(rest, text, batched=True, literal_ok=True)
    return None, _value(text, text, batched=True, literal_ok=False)


def _value(text: str, whole: str, *, batched: bool, literal_ok: bool) -> Any:
    """One value: a [list] (its items positional-like: a bare number is a shape), a {dict}
    (its values keyword-like: a bare number is a number), a tensor, or a literal where one
    may stand (``literal_ok``; quoted text, None, True/False, a decimal and ``#8`` anywhere)."""
    if text.startswith("[") and text.endswith("]"):
        return [_value(t, whole, batched=False, literal_ok=False) for t in _split(text[1:-1])]
    if text.startswith("{") and text.endswith("}"):
        return dict(_item(item, whole, batched=batched) for item in _split(text[1:-1]))
    if (literal := _plain_literal(text)) is not _NOT_A_LITERAL:
        return literal
    if text.startswith("@") and len(text) > 1:
        return ValueReference(text[1:])
    exact = text.startswith(EXACT)
    match = _TENSOR.match(_compact(text.removeprefix(EXACT)))
    if match:
        return _tensor(match, whole, batched=batched and not exact)
    if literal_ok:
        try:
            return ast.literal_eval(text)  # scale=1e-3, size=(2, 3)
        except (ValueError, SyntaxError):
            if not _looks_like_a_tensor(text):
                return text  # mode=fast: a word is text
    raise TargetError(
        f"--input {whole}: '{text}' is not a shape like 3x224x224 (nor a typed tensor such as "
        "long:16x128@0..1000 or float:(), nor a [list] or {dict} of them, nor a literal: "
        "'text', None, True, 0.5, #8)",
    )


EXACT = "exact:"  # a tensor of exactly this shape: no batch in front (lengths of a batch)
_NOT_A_LITERAL = object()


def _plain_literal(text: str) -> Any:
    """A value that is never a tensor: quoted text, None, True, False, a number with a decimal
    point or an exponent, or ``#8`` (a whole number, where a bare 8 would be a shape)."""
    if text.startswith("#") and re.fullmatch(r"#-?[0-9]+", text):
        return int(text[1:])
    if re.fullmatch(r"'.*'|\".*\"|None|True|False", text) or re.fullmatch(
        rf"-?[0-9]*\.[0-9]+(?:e-?[0-9]+)?|{_NUMBER}e-?[0-9]+", text
    ):
        return ast.literal_eval(text)
    return _NOT_A_LITERAL


def _item(item: str, whole: str, *, batched: bool) -> tuple[Any, Any]:
    """A dict's ``key:value``: the key a name or any literal (``256``, ``'a b'``, ``None``),
    the value read as a keyword's is (a bare number is a number; a tensor is written with
    its shape or its dtype: ``3x8``, ``float:8``)."""
    key_text, sep, rest = _split_key(item)
    if not sep:
        raise TargetError(f"--input {whole}: a dict item is KEY:VALUE, got '{item}'")
    key: Any
    if key_text.isidentifier() and key_text not in ("None", "True", "False"):
        key = key_text
    else:
        try:
            key = ast.literal_eval(key_text)
        except (ValueError, SyntaxError):
            raise TargetError(
                f"--input {whole}: the dict key '{key_text}' is neither a name nor a literal",
                hint="quote a key that holds spaces or signs: {'a b':3x8}",
            ) from None
    value = rest.strip()
    if re.fullmatch(r"-?[0-9]+", value):
        return key, int(value)  # keyword-like: {steps:12} is the number 12
    return key, _value(value, whole, batched=batched, literal_ok=True)


def _split_key(item: str) -> tuple[str, str, str]:
    """``key:value`` split at the first colon outside quotes (a quoted key may hold one)."""
    quote = None
    for i, char in enumerate(item):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == ":":
            return item[:i].strip(), ":", item[i + 1 :]
    return item.strip(), "", ""


def _compact(text: str) -> str:
    """What parse_shape always accepted: '1 x 8', '1X8', '+8'."""
    return re.sub(r"\s+", "", text).replace("X", "x").replace("+", "")


def _looks_like_a_tensor(text: str) -> bool:
    """A keyword value that starts like a shape or a dtype, or gives values, is meant as a
    tensor: a mistake in it is an error, not a silent text literal (k=4@, k=long:8@0..)."""
    return bool(re.match(r"[0-9\[{#]|[a-z0-9]+:", text)) or "@" in text


def _tensor(match: re.Match[str], whole: str, *, batched: bool) -> TensorInput:
    dtype_name = match["dtype"]
    dtype = None
    if dtype_name is not None:
        if dtype_name not in DTYPES:
            raise TargetError(
                f"--input {whole}: unknown dtype '{dtype_name}'",
                hint="dtypes: " + ", ".join(sorted(set(DTYPES))),
            )
        dtype = DTYPES[dtype_name]
    dims = () if match["dims"] == "()" else tuple(int(d) for d in re.split(r"[x×,]", match["dims"]))
    if any(d <= 0 for d in dims):
        raise TargetError(f"--input {whole}: '{whole}': every dimension must be a positive integer")
    low, high = _values(match, whole, dtype)
    return TensorInput(dims, dtype, low, high, batched=batched and dims != ())


def _values(
    match: re.Match[str], whole: str, dtype: str | None
) -> tuple[float | None, float | None]:
    """``@low..high`` (uniform) or ``@value`` (every value), checked against the dtype (a
    float tensor without one: against float64 here, against ``--dtype`` when it is made)."""
    if match["low"] is None:
        return None, None
    low, high = _number(match["low"]), _number(match["high"]) if match["high"] else None
    if any(isinstance(v, float) and not math.isfinite(v) for v in (low, high)):
        raise TargetError(f"--input {whole}: values must be finite numbers")
    if high is not None and high <= low:
        raise TargetError(f"--input {whole}: the range {low}..{high} is empty")
    if dtype == "bool":
        if high is not None or low not in (0, 1):
            raise TargetError(f"--input {whole}: a bool tensor takes one value, @0 or @1")
    elif dtype in _INTEGER_RANGES:
        if any(isinstance(v, float) for v in (low, high)):
            raise TargetError(f"--input {whole}: {dtype} values are whole numbers")
        least, most = _INTEGER_RANGES[dtype]
        last = high - 1 if high is not None else low
        if low < least or last > most:
            raise TargetError(f"--input {whole}: {dtype} holds {least}..{most}")
        if high is not None and high > _RANDINT_TOP:
            raise TargetError(f"--input {whole}: a range's top is at most {_RANDINT_TOP}")
    else:
        check_float(whole, low, high, dtype or "float64")
    return low, high


def check_float(whole: str, low: float, high: float | None, dtype: str) -> None:
    """A float value that ``dtype`` cannot hold (it would be inf) is refused, on every device."""
    most = _FLOAT_MAX.get(dtype)
    if most is not None and any(v is not None and abs(v) > most for v in (low, high)):
        raise TargetError(f"--input {whole}: {dtype} holds values up to ±{most:g}")


def _number(text: str) -> float:
    """12 stays an int (a whole number for integer dtypes); 0.5 and 1e-3 are floats."""
    return int(text) if re.fullmatch(r"[-+]?[0-9]+", text) else float(text)


def _split(text: str) -> list[str]:
    """Split on commas that are not inside brackets or braces."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char in "[{(":
            depth += 1
        elif char in "]})":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return parts
