"""Two Reports → an ``ArchDiff``: their leaf layers aligned, each pair or lone layer classified.

Alignment works on leaf rows (the Input row and containers are left out) and never on names
alone, because a YAML file's names (``stem``, ``stage1.0.conv1``) rarely match a module's
(``conv1``, ``layer1.0.conv1``). It is a weighted longest-common-subsequence over the rows in
call order: two rows can pair only when their types agree; equal hyper-parameters, output
shapes and parameter counts add weight, an equal name (and call number) breaks ties. An
inserted layer therefore shows as one insertion, and a conv whose padding changed still pairs
with its counterpart as *changed*.

Two passes tidy what is left unpaired:

- *moved*: a layer identical to an unpaired layer of the other side, called at another point
  (a shortcut branch traced before rather than after the main branch);
- *functional*: a parameter-free merge, reshape, activation or pooling layer (``Add``,
  ``Flatten``, ``ReLU``, …) that a YAML file writes as a layer and a Python module may do
  inline (``out + identity``, ``torch.flatten``, ``F.relu``), where module hooks cannot see
  it: only when the other side is a Python module that has no module of that type at all. A
  missing pooling layer still shows, in the shapes and parameters of the layers after it;
- *owned*: a parameter layer a YAML file writes (``LayerScale``) that a Python module keeps
  as a block's own parameter, read in the block's forward (ConvNeXt's ``layer_scale``): a
  lone such layer pairs, in order, with a block of the other side whose own parameters
  number as many; any other lone parameter layer is still added or removed.

Nothing here imports torch or prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cnninspect.description.layer_types import LAYER_TYPES
from cnninspect.results.diff import ArchDiff, Entry, Status
from cnninspect.results.report import Report, Row
from cnninspect.shapes import Shape

# Parameter-free layers a Python module often writes as an expression, not as a submodule.
FUNCTIONAL_TYPES = frozenset(name for name, t in LAYER_TYPES.items() if t.inline)

# Parameter layers a Python module may keep as its block's own parameter instead
OWNED_TYPES = frozenset({"LayerScale"})

# Alignment weights: a pair needs equal types; each further agreement adds weight. A name
# match only breaks ties between otherwise equal alignments.
_TYPE_WEIGHT = 1
_FIELD_WEIGHT = 4
_NAME_WEIGHT = 1


def diff_reports(a: Report, b: Report) -> ArchDiff:
    """Align the leaf layers of two Reports and classify every pair and lone layer."""
    rows_a, rows_b = leaf_rows(a), leaf_rows(b)
    pairs, moved = _pair_moves(align(rows_a, rows_b), rows_a, rows_b)
    inline = (_Inline.of(b, rows_b), _Inline.of(a, rows_a))
    owned = _owned([j for i, j in pairs if i is None], rows_b, a)
    owned_a = _owned([i for i, j in pairs if j is None], rows_a, b)
    entries = tuple(
        _entry(pair, rows_a, rows_b, inline, moved=pair in moved, owned=owned | owned_a)
        for pair in pairs
    )
    return ArchDiff(a=a, b=b, entries=entries)


def _owned(lone: Sequence[int | None], rows: Sequence[Row], other: Report) -> set[int]:
    """The ids of the lone rows (``OWNED_TYPES``, from a description) that ``other`` — a
    Python module — holds as a block's own parameters: paired in order with its blocks whose
    own parameters number as many, each block once."""
    if other.described:
        return set()
    holders = [r.params for r in other.rows[1:] if not r.is_leaf and r.params]
    found: set[int] = set()
    at = 0
    for index in lone:
        row = rows[index] if index is not None else None
        if row is None or row.type not in OWNED_TYPES or not row.params:
            continue
        match = next((k for k in range(at, len(holders)) if holders[k] == row.params), None)
        if match is not None:
            found.add(id(row))
            at = match + 1
    return found


@dataclass(frozen=True, slots=True)
class _Inline:
    """What one side's model may do inline, out of the hooks' sight (nothing if it comes from
    YAML: every layer is a module): the ops its containers ran in their own code (what ran),
    and the parameter-free types it never calls as a module (what it may do unseen)."""

    ops: frozenset[str]
    types: frozenset[str]

    @classmethod
    def of(cls, report: Report, rows: Sequence[Row]) -> _Inline:
        if report.described:
            return cls(frozenset(), frozenset())
        return cls(report.inline_ops, FUNCTIONAL_TYPES - {r.type for r in rows})

    def holds(self, row: Row) -> bool:
        """Does the other side do ``row``'s work inline? Parameter-free, and either every op
        the layer ran also ran in the other side's own code (`F.relu` after the features) or
        its type is one the other side never calls as a module."""
        if row.type not in FUNCTIONAL_TYPES or row.params or row.shared_params:
            return False
        ran_inline = bool(row.ops) and row.ops <= self.ops
        return ran_inline or row.type in self.types


def leaf_rows(report: Report) -> tuple[Row, ...]:
    return tuple(r for r in report.rows[1:] if r.is_leaf)


# -- alignment --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Key:
    type: str
    hparams: tuple[tuple[str, Any], ...]
    shapes: tuple[Shape | None, ...]
    params: int
    name: tuple[str, int]

    @classmethod
    def of(cls, row: Row) -> _Key:
        hparams = tuple((k, _collapsed(v)) for k, v in row.hparams)
        return cls(
            row.type, hparams, (row.shape, *row.extra_shapes), row.params, (row.name, row.call)
        )

    def differences(self, other: _Key) -> tuple[str, ...]:
        found = (
            ("hparams", self.hparams != other.hparams),
            ("shape", self.shapes != other.shapes),
            ("params", self.params != other.params),
        )
        return tuple(name for name, differs in found if differs)

    def score(self, other: _Key) -> int:
        if self.type != other.type:
            return 0
        equal = 3 - len(self.differences(other))
        name = _NAME_WEIGHT if self.name == other.name else 0
        return _TYPE_WEIGHT + _FIELD_WEIGHT * equal + name


def _collapsed(value: Any) -> Any:
    """(1, 1) and 1 mean the same output_size or kernel_size: compare them as equal."""
    if isinstance(value, tuple) and value and all(v == value[0] for v in value):
        return value[0]
    return value


Pair = tuple[int | None, int | None]


def align(rows_a: Sequence[Row], rows_b: Sequence[Row]) -> list[Pair]:
    """Index pairs in order: (i, j) paired, (i, None) only in A, (None, j) only in B."""
    keys_a = [_Key.of(r) for r in rows_a]
    keys_b = [_Key.of(r) for r in rows_b]
    head = _common(keys_a, keys_b)
    tail = _common(keys_a[head:][::-1], keys_b[head:][::-1])
    middle = _lcs(keys_a[head : len(keys_a) - tail], keys_b[head : len(keys_b) - tail])
    pairs: list[Pair] = [(i, i) for i in range(head)]
    pairs += [(_shift(i, head), _shift(j, head)) for i, j in middle]
    pairs += [(len(keys_a) - tail + k, len(keys_b) - tail + k) for k in range(tail)]
    return pairs


def _common(a: Sequence[_Key], b: Sequence[_Key]) -> int:
    """Length of the common run of identical rows (names included) at the start."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _shift(index: int | None, offset: int) -> int | None:
    return None if index is None else index + offset


def _lcs(a: Sequence[_Key], b: Sequence[_Key]) -> list[Pair]:
    """Weighted longest common subsequence; ties prefer pairing, then removals first."""
    n, m = len(a), len(b)
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = best[i], best[i + 1]
        for j in range(m - 1, -1, -1):
            value = max(below[j], row[j + 1])
            score = a[i].score(b[j])
            if score:
                value = max(value, score + below[j + 1])
            row[j] = value
    pairs: list[Pair] = []
    i = j = 0
    while i < n and j < m:
        score = a[i].score(b[j])
        if score and best[i][j] == score + best[i + 1][j + 1]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            pairs.append((i, None))
            i += 1
        else:
            pairs.append((None, j))
            j += 1
    pairs += [(k, None) for k in range(i, n)]
    pairs += [(None, k) for k in range(j, m)]
    return pairs


def _pair_moves(
    pairs: list[Pair], rows_a: Sequence[Row], rows_b: Sequence[Row]
) -> tuple[list[Pair], set[Pair]]:
    """Pair lone rows that are identical (names aside) across the two sides, in order.

    A moved pair takes A's place in the order; the returned set names the moved pairs.
    """
    lone_b = [j for i, j in pairs if i is None and j is not None]
    taken: dict[int, int] = {}  # b index → a index
    for i, j in pairs:
        if j is not None or i is None:
            continue
        key = _Key.of(rows_a[i])
        match = next((k for k in lone_b if k not in taken and _identical(key, rows_b[k])), None)
        if match is not None:
            taken[match] = i
    moved_a = {i: j for j, i in taken.items()}
    result: list[Pair] = []
    for i, j in pairs:
        if i is None and j in taken:
            continue
        result.append((i, moved_a[i]) if i is not None and i in moved_a else (i, j))
    return result, set(moved_a.items())


def _identical(key: _Key, row: Row) -> bool:
    other = _Key.of(row)
    return key.type == other.type and not key.differences(other)


def _entry(
    pair: Pair,
    rows_a: Sequence[Row],
    rows_b: Sequence[Row],
    inline: tuple[_Inline, _Inline],
    *,
    moved: bool,
    owned: set[int],
) -> Entry:
    """``inline``: what B, resp. A, may do inline, out of the hooks' sight; ``owned``: the
    ids of the lone rows the other side holds as a block's own parameters."""
    i, j = pair
    if i is not None and j is not None:
        a, b = rows_a[i], rows_b[j]
        changes = _Key.of(a).differences(_Key.of(b))
        if changes:
            return Entry(Status.CHANGED, a, b, changes)
        return Entry(Status.MOVED if moved else Status.SAME, a, b)
    if i is not None:
        a = rows_a[i]
        held = inline[0].holds(a) or id(a) in owned
        status = Status.FUNCTIONAL if held else Status.REMOVED
        return Entry(status, a, None)
    assert j is not None, "alignment pairs always hold at least one index"
    b = rows_b[j]
    held = inline[1].holds(b) or id(b) in owned
    return Entry(Status.FUNCTIONAL if held else Status.ADDED, None, b)
