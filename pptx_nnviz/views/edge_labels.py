"""Edge labels: the short mark an IR edge carries (`Edge.label`, set by `simplify`) written as
a small muted text box beside its connector, in a free gap next to the connector's longest
straight segment; a label that cannot be placed clear of every box, connector, other label
and the slide's edge is left out (the notes still name the folded operation)."""

from __future__ import annotations

from ..geometry import Point, Rect
from ..ir import Graph
from ..scene import MUTED, Box, Connector, Paragraph, Run
from ..text import line_height, text_width

LABEL_PREFIX = "label "  # the start of a label's scene id and shape name ("label a -> b")
MIN_FONT = 9.0  # points: a label is never smaller
SHRINK = 0.85  # a label's font against the boxes'
GAP = 3.0  # points between a label and its connector
PAD_X, PAD_Y = 2.0, 1.0  # the label's inner margins


def edge_labels(
    graph: Graph, boxes: list[Box], connectors: list[Connector], slide: Rect, font_size: float
) -> list[Box]:
    """Label boxes for the labelled edges of `graph` drawn by `connectors` (one per edge)."""
    labels = {(e.source, e.target): e.label for e in graph.edges if e.label}
    if not labels:
        return []
    size = max(MIN_FONT, round(font_size * SHRINK * 2) / 2)
    taken = [b.rect for b in boxes]
    segments = [(a, b) for c in connectors for a, b in zip(c.points, c.points[1:], strict=False)]
    placed: list[Box] = []
    for edge, text in labels.items():
        parts = [c for c in connectors if c.edge == edge]
        runs = [(a, b) for c in parts for a, b in zip(c.points, c.points[1:], strict=False)]
        if not runs:
            continue
        width = text_width(text, size) + 2 * PAD_X + 1.0
        height = line_height(size) + 2 * PAD_Y
        for rect in _candidates(max(runs, key=_length), width, height):
            if (
                rect.inside(slide)
                and not any(rect.overlaps(r) for r in taken)
                and not any(_touches(rect, a, b) for a, b in segments)
            ):
                taken.append(rect)
                placed.append(_label_box(edge, text, rect, size))
                break
    return placed


def with_labels(steps: tuple[tuple[str, ...], ...], labels: list[Box]) -> tuple:
    """Build steps (`builds.scene_steps`) with each label revealed on the click that reveals
    the layer its edge arrives at (its connector appears then)."""
    revealed = [list(step) for step in steps]
    for label in labels:
        target = label.id.removeprefix(LABEL_PREFIX).split(" -> ", 1)[-1]
        step = next((s for s in revealed if target in s), None)
        if step is not None:
            step.append(label.id)
    return tuple(tuple(step) for step in revealed)


def _length(segment: tuple[Point, Point]) -> float:
    (ax, ay), (bx, by) = segment
    return abs(ax - bx) + abs(ay - by)


def _candidates(segment: tuple[Point, Point], width: float, height: float) -> list[Rect]:
    """Rectangles beside the segment's middle: right then left of a vertical one, above
    then below a horizontal one."""
    (ax, ay), (bx, by) = segment
    mx, my = (ax + bx) / 2, (ay + by) / 2
    if abs(ax - bx) < abs(ay - by):  # vertical
        y = my - height / 2
        return [Rect(mx + GAP, y, width, height), Rect(mx - GAP - width, y, width, height)]
    x = mx - width / 2
    return [Rect(x, my - GAP - height, width, height), Rect(x, my + GAP, width, height)]


def _touches(rect: Rect, a: Point, b: Point) -> bool:
    """Whether the axis-parallel segment a-b comes within `GAP` / 2 of `rect`."""
    grown = Rect(rect.x - GAP / 2, rect.y - GAP / 2, rect.w + GAP, rect.h + GAP)
    x0, x1 = sorted((a[0], b[0]))
    y0, y1 = sorted((a[1], b[1]))
    return x0 <= grown.right and grown.x <= x1 and y0 <= grown.bottom and grown.y <= y1


def _label_box(edge: tuple[str, str], text: str, rect: Rect, size: float) -> Box:
    return Box(
        id=f"{LABEL_PREFIX}{edge[0]} -> {edge[1]}",
        rect=rect,
        paragraphs=(Paragraph((Run(text, size, color=MUTED),)),),
        geometry="rect",
        pad_x=PAD_X,
        pad_y=PAD_Y,
        alt_text=f"Edge label: {text}.",
    )
