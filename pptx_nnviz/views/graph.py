"""The detailed graph view (replaces `plot_model(show_shapes=True, show_layer_activations=True,
show_trainable=True)`): per layer its input and output shapes and the flags that carry
information (activation, an unusual dtype, frozen), coloured by category, with glued
connectors; paginated like the architecture."""

from __future__ import annotations

from collections import Counter

from ..geometry import Rect
from ..ir import Graph, Node
from ..layout import Tensors, default_styles, layout_graph
from ..scene import MUTED, Box, Frame, Paragraph, Run, SlideScene, paragraphs_size
from ..text import format_shape, shorten_middle, text_width
from ..theme import Theme
from .common import legend_and_caption, legend_height, place_page

LABEL_WIDTH = 210.0  # at 9 pt: lines wrap past this width, names are cut in the middle


def _shapes(shapes: tuple[tuple[int | None, ...], ...]) -> str:
    return " + ".join(format_shape(s) for s in shapes) or "-"


def model_dtype(graph: Graph) -> str:
    """The dtype most layers produce (a box names its dtype only when it differs)."""
    counts = Counter(n.dtype for n in graph.nodes if n.dtype)
    return counts.most_common(1)[0][0] if counts else ""


def detail_lines(node: Node, dtype: str = "") -> tuple[str, ...]:
    """Title, inputs, outputs and, when any carries information, a line of flags: the
    activation, a dtype other than the model's (`dtype`), "frozen" for a frozen layer."""
    flags = [
        f"act: {activation}" if (activation := node.hyperparam("activation")) else "",
        node.dtype if node.dtype and node.dtype != dtype else "",
        "" if node.trainable else "frozen",
    ]
    lines = (
        f"{node.name} ({node.class_name})",
        f"in: {_shapes(node.input_shapes)}",
        f"out: {_shapes(node.output_shapes)}",
    )
    flag_line = " · ".join(f for f in flags if f)
    return (*lines, flag_line) if flag_line else lines


def detail_paragraphs(
    node: Node, size: float, compact: bool, dtype: str = ""
) -> tuple[Paragraph, ...]:
    """The box's lines within LABEL_WIDTH (at 9 pt, scaled): the name cut in the middle only
    if it must, the class never; lists of shapes and flags wrapped, not cut."""
    budget = LABEL_WIDTH * size / 9
    title, inputs, outputs, *flags = detail_lines(node, dtype)
    if text_width(title, size, True) <= budget:
        titles = [title]
    else:  # the name on a line of its own, the class on the next
        klass = f"({node.class_name})"
        titles = [shorten_middle(node.name, max(budget, text_width(klass, size, True)), size, True)]
        titles.append(klass)
    if compact:
        lines = wrap_items(f"{inputs} → {outputs.removeprefix('out: ')}", " + ", budget, size)
    else:
        lines = wrap_items(inputs, " + ", budget, size) + wrap_items(outputs, " + ", budget, size)
    muted = [line for flag in flags for line in wrap_items(flag, " · ", budget, size)]
    return (
        *(Paragraph((Run(line, size, bold=True),)) for line in titles),
        *(Paragraph((Run(line, size),)) for line in lines),
        *(Paragraph((Run(line, size, color=MUTED),)) for line in muted),
    )


def wrap_items(text: str, sep: str, width: float, size: float) -> list[str]:
    """`text` (items joined by `sep`) on as many lines of at most `width` points as it needs,
    broken after a separator; an item wider than a line keeps a line of its own."""
    lines: list[str] = []
    for item in text.split(sep):
        if lines and text_width(lines[-1] + sep + item, size) <= width:
            lines[-1] += sep + item
        elif lines:
            lines[-1] += sep.rstrip()
            lines.append(item)
        else:
            lines.append(item)
    return lines


def graph_slides(
    graph: Graph, frame: Frame, theme: Theme, direction: str | None = None
) -> list[SlideScene]:
    """The detailed graph: every layer with its input and output shapes. A folded model
    (blocks or repeated layers, see `passes.collapse`) gets none: at block level it would
    only repeat the architecture's overview, and its drill-downs already draw every layer of
    each block (the summary's notes say so; `--collapse none` draws the layers here)."""
    if any(n.category == "block" or n.repeat > 1 for n in graph.nodes):
        return []
    band = legend_height(graph, frame)
    area = Rect(frame.content.x, frame.content.y, frame.content.w, frame.content.h - band)
    nodes = graph.by_id
    dtype = model_dtype(graph)
    layout = layout_graph(
        [n.id for n in graph.nodes],
        [(e.source, e.target) for e in graph.edges],
        lambda node_id, style: paragraphs_size(
            detail_paragraphs(nodes[node_id], style.font, style.compact, dtype)
        ),
        (area.w, area.h),
        direction=direction,
        labels={n.id: n.name for n in graph.nodes},
        styles=[s for s in default_styles(len(graph.nodes)) if s.density != "minimal"],
        tensors=Tensors.of(graph),
    )
    slides = []
    total = len(layout.pages)
    for number, page in enumerate(layout.pages, start=1):

        def make_box(node: Node, rect: Rect) -> Box:
            style = theme.category_style(node.category)
            return Box(
                id=node.id,
                rect=rect,
                paragraphs=detail_paragraphs(node, layout.font_size, layout.compact, dtype),
                fill=style.fill,
                line=style.line,
                dashed=style.dashed,
                alt_text=" ".join(detail_lines(node, dtype)),
            )

        boxes, connectors = place_page(graph, page, area, layout.font_size, make_box)
        boxes += legend_and_caption(graph, frame, theme, band)
        names = [b.id for b in page.boxes if b.kind == "node"]
        notes = [
            f"Detailed graph of {graph.name}"
            + (f", part {number} of {total}" if total > 1 else "")
            + ": each box shows a layer's input and output shapes and, where it has one, its "
            f"activation; a dtype other than the model's ({dtype or 'unknown'}) and frozen "
            "layers are marked."
        ]
        notes += ["; ".join(detail_lines(nodes[n], dtype)) + "." for n in names]
        slides.append(
            SlideScene(
                title=f"{graph.name}: detailed graph"
                + (f" ({number}/{total})" if total > 1 else ""),
                boxes=tuple(boxes),
                connectors=tuple(connectors),
                notes="\n".join(notes),
                kind="graph",
            )
        )
    return slides
