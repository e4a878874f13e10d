"""Two versions of a model compared layer by layer: which layers were added, removed or
changed (class, settings, inputs, output shape, parameters).

Layers are paired by name where the name was chosen by a person (`conv2_block1_1_conv`).
Keras's automatic names (`conv2d_3`) shift when a layer is inserted earlier in the model, so
the layers left over are paired by aligning the two topological orders, first on class and
settings, then on class alone (a Dense whose units changed is still that Dense).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import InputError
from .ir import Graph, Node
from .text import format_count, format_shape
from .unit_names import is_automatic

ADDED, REMOVED, CHANGED, SAME = "added", "removed", "changed", "same"


def _chosen_name(node: Node) -> bool:
    """Whether a person named the layer (its name says which layer it is across versions)."""
    return not is_automatic(node.name, node.class_name.removeprefix("from "))


def match_layers(old: Graph, new: Graph) -> dict[str, str]:
    """Old node id -> new node id for the layers both versions have."""
    pairs: dict[str, str] = {}
    taken: set[str] = set()
    new_names: dict[str, str] = {}
    for node in new.nodes:
        new_names.setdefault(node.name, node.id)
    for node in old.nodes:
        if not _chosen_name(node):
            continue
        candidate = node.id if node.id in new.by_id else new_names.get(node.name)
        if candidate is not None and candidate not in taken and _chosen_name(new.node(candidate)):
            pairs[node.id] = candidate
            taken.add(candidate)
    rest_old = [n for n in old.nodes if n.id not in pairs]
    rest_new = [n for n in new.nodes if n.id not in taken]
    for a, b in _aligned(rest_old, rest_new, lambda n: (n.class_name, n.hyperparams)):
        pairs[a.id] = b.id
    return pairs


def _aligned(old: Sequence[Node], new: Sequence[Node], key: Any) -> list[tuple[Node, Node]]:
    """Pairs of an alignment of two node sequences on `key`; what stays unpaired is aligned
    again on the class alone."""
    matcher = difflib.SequenceMatcher(None, [key(n) for n in old], [key(n) for n in new], False)
    pairs = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs += list(zip(old[i1:i2], new[j1:j2]))
        elif tag == "replace" and key is not _class_of:
            pairs += _aligned(old[i1:i2], new[j1:j2], _class_of)
    return pairs


def _class_of(node: Node) -> str:
    return node.class_name


@dataclass(frozen=True)
class LayerChange:
    """One layer of either version: its status and, when changed, what changed."""

    status: str  # added | removed | changed | same
    old: Node | None
    new: Node | None
    details: tuple[str, ...] = ()

    @property
    def node(self) -> Node:
        return self.new or self.old  # type: ignore[return-value]

    @property
    def params_delta(self) -> int:
        return (self.new.params if self.new else 0) - (self.old.params if self.old else 0)


@dataclass
class GraphDiff:
    old: Graph
    new: Graph
    match: dict[str, str]  # old id -> new id
    changes: list[LayerChange] = field(default_factory=list)  # new order, removed in place

    def of(self, status: str) -> list[LayerChange]:
        return [c for c in self.changes if c.status == status]

    @property
    def by_new_id(self) -> dict[str, LayerChange]:
        return {c.new.id: c for c in self.changes if c.new is not None}

    @property
    def removed_ids(self) -> set[str]:
        return {c.old.id for c in self.changes if c.status == REMOVED and c.old is not None}

    def counts(self) -> str:
        """'2 added, 1 removed, 3 changed' (zeros left out; 'no change' for none)."""
        found = [(len(self.of(s)), s) for s in (ADDED, REMOVED, CHANGED)]
        return ", ".join(f"{n} {s}" for n, s in found if n) or "no change"


def diff_graphs(old: Graph, new: Graph, match: dict[str, str] | None = None) -> GraphDiff:
    """What changed from `old` to `new`, layer by layer."""
    match = match_layers(old, new) if match is None else match
    back = {n: o for o, n in match.items()}
    result = GraphDiff(old, new, match)
    removed_before: dict[str, list[Node]] = {}  # removed layers, listed before the next kept
    pending: list[Node] = []
    for node in old.nodes:
        if node.id in match:
            removed_before[match[node.id]] = pending
            pending = []
        else:
            pending.append(node)
    for node in new.nodes:
        result.changes += [LayerChange(REMOVED, r, None) for r in removed_before.get(node.id, [])]
        if node.id not in back:
            result.changes.append(LayerChange(ADDED, None, node))
            continue
        before = old.node(back[node.id])
        details = _differences(before, node, old, new, match)
        result.changes.append(LayerChange(CHANGED if details else SAME, before, node, details))
    result.changes += [LayerChange(REMOVED, r, None) for r in pending]
    return result


def _differences(
    old: Node, new: Node, old_graph: Graph, new_graph: Graph, match: dict[str, str]
) -> tuple[str, ...]:
    found = []
    if old.name != new.name and _chosen_name(old) and _chosen_name(new):
        found.append(f"renamed {old.name} → {new.name}")
    if old.class_name != new.class_name:
        found.append(f"class {old.class_name} → {new.class_name}")
    before, after = dict(old.hyperparams), dict(new.hyperparams)
    for key in dict.fromkeys([*before, *after]):
        if before.get(key) != after.get(key):
            found.append(f"{key} {before.get(key, '–')} → {after.get(key, '–')}")
    # the kept layers feeding it, directly or through layers only one version has
    inputs_before = {match[p] for p in old_graph.nearest(old.id, set(match), forward=False)}
    inputs_after = set(new_graph.nearest(new.id, set(match.values()), forward=False))
    if inputs_before != inputs_after:  # rewired, not just a layer added or removed between
        names = {n.id: n.name for n in new_graph.nodes}
        found.append(
            f"inputs {', '.join(sorted(names[i] for i in inputs_before)) or '–'} → "
            f"{', '.join(sorted(names[i] for i in inputs_after)) or '–'}"
        )
    if old.output_shapes != new.output_shapes:
        found.append(f"output {_shapes(old)} → {_shapes(new)}")
    if old.params != new.params:
        found.append(f"params {format_count(old.params)} → {format_count(new.params)}")
    if old.inner_layers != new.inner_layers:
        found.append(f"layers inside {old.inner_layers} → {new.inner_layers}")
    return tuple(found)


def _shapes(node: Node) -> str:
    return ", ".join(format_shape(s) for s in node.output_shapes) or "?"


# --------------------------------------------------------------------------- text

DIFF_HEADER = ("", "Layer (type)", "Change", "Params", "Δ params")
_MARK = {ADDED: "+", REMOVED: "−", CHANGED: "~", SAME: ""}


def signed(count: int) -> str:
    """'+1,280', '−320', '0'."""
    return ("+" if count > 0 else "−" if count < 0 else "") + format_count(abs(count))


def diff_rows(diff: GraphDiff) -> list[tuple[str, ...]]:
    """One row per added, removed or changed layer: mark, layer (type), what changed, params
    (old → new) and their change."""
    rows = []
    for change in diff.changes:
        if change.status == SAME:
            continue
        node = change.node
        before = format_count(change.old.params) if change.old else "–"
        after = format_count(change.new.params) if change.new else "–"
        what = "; ".join(change.details) if change.status == CHANGED else change.status
        rows.append(
            (
                _MARK[change.status],
                f"{node.name} ({node.class_name})",
                what,
                f"{before} → {after}",
                signed(change.params_delta),
            )
        )
    return rows


def diff_text(diff: GraphDiff, fmt: str = "text") -> str:
    """The diff as a table: text, markdown, csv or json."""
    from .views.summary import FORMATS, table_text

    if fmt not in FORMATS:
        raise InputError(f"unknown summary format {fmt!r}; choose from {', '.join(FORMATS)}")
    totals = [
        ("Layers", f"{len(diff.old.nodes)} → {len(diff.new.nodes)} ({diff.counts()})"),
        (
            "Total params",
            f"{format_count(diff.old.total_params)} → {format_count(diff.new.total_params)} "
            f"({signed(diff.new.total_params - diff.old.total_params)})",
        ),
    ]
    if fmt == "json":
        return json.dumps(
            {
                "old": diff.old.name,
                "new": diff.new.name,
                "changes": [
                    {
                        "status": c.status,
                        "layer": c.node.name,
                        "type": c.node.class_name,
                        "details": list(c.details),
                        "old_params": c.old.params if c.old else None,
                        "new_params": c.new.params if c.new else None,
                    }
                    for c in diff.changes
                    if c.status != SAME
                ],
                "old_total_params": diff.old.total_params,
                "new_total_params": diff.new.total_params,
            },
            indent=2,
            ensure_ascii=False,
        )
    title = f'Changes from "{diff.old.name}" to "{diff.new.name}"'
    rows = diff_rows(diff) or [("", "(no layer changed)", "", "", "")]
    return table_text(title, DIFF_HEADER, rows, fmt, ("Params", "Δ params"), totals)
