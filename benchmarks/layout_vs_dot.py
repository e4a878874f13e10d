"""Edge crossings and bends of our layout beside graphviz `dot`'s, per diagram slide.

    python benchmarks/layout_vs_dot.py          # ResNet50, InceptionV3, EfficientNetB0, U-Net

For every drill-down slide of the models (and the small U-Net's one slide) the diagram our
architecture view draws (the same boxes, after folding BN and activations when it does) is
laid out twice: by pptx_nnviz, and by `dot -Tplain` with orthogonal edges, the same
direction and the same box sizes. Crossings are proper intersections between segments of
different edges; bends are the turns along each edge's path (ours counted across the
junction dots that join the parts of a long edge).
"""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pptx_nnviz.deck import default_frame  # noqa: E402
from pptx_nnviz.ir import Graph  # noqa: E402
from pptx_nnviz.keras_loader import _keras, load_model, to_graph  # noqa: E402
from pptx_nnviz.layout import Layout  # noqa: E402
from pptx_nnviz.passes import collapse  # noqa: E402
from pptx_nnviz.theme import get_theme  # noqa: E402
from pptx_nnviz.views.architecture import _drawn_graph, _prefix, _Sizing  # noqa: E402
from pptx_nnviz.views.boxes import box_size, display_name  # noqa: E402

Point = tuple[float, float]
Polyline = list[Point]
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _turns(points: Polyline) -> int:
    """Direction changes along a path (collinear and repeated points dropped)."""
    clean: Polyline = []
    for p in points:
        if clean and abs(p[0] - clean[-1][0]) < 0.01 and abs(p[1] - clean[-1][1]) < 0.01:
            continue
        clean.append(p)
    turns = 0
    for a, b, c in zip(clean, clean[1:], clean[2:]):
        cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0])
        turns += abs(cross) > 0.01 * max(1.0, abs(b[0] - a[0]) + abs(b[1] - a[1]))
    return turns


def _cross(p: Point, q: Point, r: Point, s: Point) -> bool:
    """Do segments p-q and r-s properly intersect (touching ends do not count)?"""

    def orient(a: Point, b: Point, c: Point) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    d1, d2 = orient(r, s, p), orient(r, s, q)
    d3, d4 = orient(p, q, r), orient(p, q, s)
    eps = 1e-6
    return (d1 > eps and d2 < -eps or d1 < -eps and d2 > eps) and (
        d3 > eps and d4 < -eps or d3 < -eps and d4 > eps
    )


def crossings(paths: dict[tuple[str, str], list[Polyline]]) -> int:
    segments = [
        (edge, (a, b))
        for edge, parts in paths.items()
        for part in parts
        for a, b in zip(part, part[1:])
    ]
    return sum(
        1
        for (e1, (a, b)), (e2, (c, d)) in combinations(segments, 2)
        if e1 != e2 and _cross(a, b, c, d)
    )


def ours(layout: Layout) -> tuple[int, int, int]:
    """Crossings, bends, and the bends of wraps (the edges turning back to the top of the next
    column, or the start of the next row, so that the drawing fits its slide) over the pages."""
    total_cross = total_bends = wrap_bends = 0
    axis = 1 if layout.direction == "TB" else 0
    for page in layout.pages:
        paths: dict[tuple[str, str], list[Polyline]] = defaultdict(list)
        for route in page.routes:
            paths[route.edge].append(list(route.points))
        total_cross += crossings(paths)
        for parts in paths.values():
            bends = sum(_turns(part) for part in parts) + len(parts) - 1
            total_bends += bends
            if parts[-1][-1][axis] < parts[0][0][axis] - 2:  # ends before it starts: a wrap
                wrap_bends += bends
    return total_cross, total_bends, wrap_bends


def dot(graph: Graph, sizes: dict[str, tuple[float, float]], direction: str) -> tuple[int, int]:
    """Crossings and bends of `dot -Tplain` on the same boxes (orthogonal edges)."""
    index = {n.id: f"n{k}" for k, n in enumerate(graph.nodes)}
    lines = [
        "digraph g {",
        f"rankdir={direction}; splines=ortho; nodesep=0.25; ranksep=0.3;",
        'node [shape=box, fixedsize=true, label=""];',
    ]
    for node in graph.nodes:
        w, h = sizes[node.id]
        lines.append(f"{index[node.id]} [width={w / 72:.3f}, height={h / 72:.3f}];")
    edges = list(dict.fromkeys((e.source, e.target) for e in graph.edges))
    lines += [f"{index[s]} -> {index[t]};" for s, t in edges]
    lines.append("}")
    out = subprocess.run(
        ["dot", "-Tplain"], input="\n".join(lines), capture_output=True, text=True, check=True
    ).stdout
    back = {v: k for k, v in index.items()}
    paths: dict[tuple[str, str], list[Polyline]] = defaultdict(list)
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] == "edge":
            n = int(parts[3])
            coords = [float(v) * 72 for v in parts[4 : 4 + 2 * n]]
            points = list(zip(coords[::2], coords[1::2]))
            paths[(back[parts[1]], back[parts[2]])].append(points)
    bends = sum(_turns(p) for parts in paths.values() for p in parts)
    return crossings(paths), bends


def diagrams(name: str) -> list[tuple[str, Graph, str]]:
    """(slide title, graph, name prefix) of each drill-down of a model, or its one diagram."""
    if name == "small_unet":
        return [("small_unet", to_graph(load_model(str(EXAMPLES / "small_unet.py"))), "")]
    keras = _keras()
    overview = collapse(to_graph(getattr(keras.applications, name)(weights=None)))
    return [(n.name, n.inner, _prefix(n)) for n in overview.nodes if n.inner is not None]


def main() -> None:
    frame = default_frame(get_theme("light"))
    print(
        f"{'slide':<34} {'boxes':>5} {'ours x':>6} {'dot x':>6} {'ours b':>6} {'dot b':>6}"
        f" {'wrap b':>6}"
    )
    totals = [0, 0, 0, 0, 0]
    for model in ("ResNet50", "InceptionV3", "EfficientNetB0", "small_unet"):
        for title, graph, prefix in diagrams(model):
            drawn, layout = _drawn_graph(graph, _Sizing(frame, None), prefix, True)
            names = {n.id: display_name(n, prefix) for n in drawn.nodes}
            sizes = {n.id: box_size(n, layout.style, names[n.id]) for n in drawn.nodes}
            our_x, our_b, wrap_b = ours(layout)
            dot_x, dot_b = dot(drawn, sizes, layout.direction)
            for k, v in enumerate((our_x, dot_x, our_b, dot_b, wrap_b)):
                totals[k] += v
            label = f"{model}: {title}"[:34]
            print(
                f"{label:<34} {len(drawn.nodes):>5} {our_x:>6} {dot_x:>6} {our_b:>6} {dot_b:>6}"
                f" {wrap_b:>6}",
                flush=True,
            )
    print(
        f"{'total':<34} {'':>5} {totals[0]:>6} {totals[1]:>6} {totals[2]:>6} {totals[3]:>6}"
        f" {totals[4]:>6}"
    )
    print(
        "wrap b: our bends on the edges that wrap to the next column or row to fit the slide"
        " (dot draws one column, whatever its height)"
    )


if __name__ == "__main__":
    main()
