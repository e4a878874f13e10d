"""Views: each turns a `Graph` into slide scenes (architecture, summary table, ...).

`build_view(name, ...)` is the one entry point the deck and the figure renderer use.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError
from ..ir import Graph
from ..scene import Frame, SlideScene
from ..theme import Theme

#: Every view, in the deck's default order.
VIEWS: tuple[str, ...] = (
    "title",
    "architecture",
    "summary",
    "params",
    "graph",
    "layered",
    "neurons",
)


@dataclass(frozen=True)
class ViewOptions:
    """Options shared by the views (each view reads the ones it needs)."""

    direction: str | None = None
    hide: frozenset[str] = frozenset()  # layer categories the layered view leaves out
    scale: str = "log"  # the layered view's size scale: "log" or "linear"
    funnels: bool = False  # the layered view joins blocks with funnels instead of arrows
    collapse: str = "auto"  # fold big models into blocks: "auto", "none" or "all"
    depth: int = 2  # architecture levels: 1 overview only, 2 with drill-downs, 3 deeper...
    summary: str = "blocks"  # "blocks": a folded model's summary by block; "full": every layer
    build: str = "none"  # architecture slides revealed click by click: "layers" or "blocks"
    #: A figure laid out for print: the font sizes (points, largest first) the architecture's
    #: text may take; the frame's content is then the printed width and the tallest height.
    fonts: tuple[float, ...] = ()
    #: draw every operation the model records: no plumbing folded (`simplify` skipped)
    show_ops: bool = False


def parse_views(text: str | None) -> tuple[str, ...]:
    """'architecture,summary' -> ('architecture', 'summary'); None -> every view."""
    if not text:
        return VIEWS
    names = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    unknown = [n for n in names if n not in VIEWS]
    if unknown or not names:
        raise InputError(
            f"unknown view {', '.join(unknown) or '(none)'}; choose from {', '.join(VIEWS)}"
        )
    return names


def parse_categories(text: str | None) -> frozenset[str]:
    """'dropout, activation' -> frozenset({'dropout', 'activation'}); checks the names."""
    from ..ir import CATEGORIES

    names = frozenset(p.strip().lower() for p in (text or "").split(",") if p.strip())
    unknown = sorted(names - set(CATEGORIES))
    if unknown:
        raise InputError(
            f"unknown layer category {', '.join(unknown)}; choose from {', '.join(CATEGORIES)}"
        )
    return names


def overview(graph: Graph, options: ViewOptions) -> Graph:
    """The graph a view draws: big models folded into blocks (see `passes.collapse`)."""
    from ..passes import collapse, should_collapse

    return collapse(graph) if should_collapse(graph, options.collapse) else graph


def drawn_graph(graph: Graph, options: ViewOptions) -> Graph:
    """The graph the architecture view draws: without the plumbing `simplify` folds, unless
    `show_ops` asks for every operation."""
    from ..simplify import simplify

    return graph if options.show_ops else simplify(graph)


def with_not_drawn(slides: list[SlideScene], graph: Graph, drawn: Graph) -> list[SlideScene]:
    """The diagram slides with a line in their notes naming the operations of `graph` that
    `drawn` (its simplified graph) leaves out around the boxes of the slide."""
    from dataclasses import replace

    from ..simplify import folded_within, not_drawn, removal_reasons

    everywhere = dict(folded_within(drawn))
    if not everywhere:
        return slides
    reasons = removal_reasons(graph)
    result = []
    for slide in slides:
        line = not_drawn(reasons, _folded_on(slide, everywhere)) if slide.diagram else ""
        result.append(replace(slide, notes=f"{slide.notes}\n{line}") if line else slide)
    return result


def _folded_on(
    slide: SlideScene, everywhere: dict[str, tuple[str, ...]]
) -> list[tuple[str, tuple[str, ...]]]:
    """(layer, names folded into it) for the boxes of a diagram slide: a box's own, those
    inside a block or nested model it stands for, those of the layers fused into it."""
    from ..simplify import folded_within

    assert slide.diagram is not None
    on_slide = {box.id for box in slide.boxes}
    found = []
    for node in slide.diagram.graph.nodes:
        if node.id not in on_slide:
            continue
        found.append((node.name, node.folded))
        if node.inner is not None:
            found += folded_within(node.inner)
        elif node.fused or node.fused_before:
            found += [(m, everywhere.get(m, ())) for m in node.members if m != node.name]
    return found


def build_view(
    name: str, graph: Graph, frame: Frame, theme: Theme, options: ViewOptions
) -> list[SlideScene]:
    """The slides of one view."""
    if name == "title":
        from .title import title_slide

        return [title_slide(graph)]
    if name == "architecture":
        from .architecture import architecture_slides

        drawn = drawn_graph(graph, options)
        slides = architecture_slides(
            drawn,
            frame,
            theme,
            options.direction,
            options.collapse,
            options.depth,
            fonts=options.fonts,
            build=options.build,
        )
        return with_not_drawn(slides, graph, drawn)
    if name == "summary":
        from .summary import summary_slides

        folded = overview(graph, options) if options.summary != "full" else None
        return summary_slides(graph, frame, folded)
    if name == "params":
        from .params import params_slides

        folded = overview(graph, options) if options.summary != "full" else None
        return params_slides(graph, frame, folded)  # a bar per row of the summary
    if name == "graph":
        from .graph import graph_slides

        return graph_slides(overview(graph, options), frame, theme, options.direction)
    if name == "layered":
        from .layered import LayeredOptions, layered_slides

        layered = LayeredOptions(options.hide, options.scale, options.funnels)
        return layered_slides(overview(graph, options), frame, theme, layered)
    if name == "neurons":
        from .neurons import neuron_slides

        return neuron_slides(graph, frame, theme)  # folds runs of identical layers itself
    raise InputError(f"unknown view {name!r}; choose from {', '.join(VIEWS)}")
