"""The title slide: the model's name, what goes in and comes out, totals and the date."""

from __future__ import annotations

import datetime

from ..ir import Graph
from ..roles import input_role
from ..scene import SlideScene
from ..text import format_count, format_shape
from .common import opaque_model, opaque_summary, plural
from .legend import unknown_note


def io_description(graph: Graph) -> str:
    """'28×28×1 → 10'; inputs their authors named by name ('image 224×224×3 + tokens L →
    1'); several inputs or outputs are joined with ' + ', unknown sizes are symbols
    (explained by `unknown_note`)."""

    def shapes(ids: tuple[str, ...], named: bool) -> str:
        parts = []
        for node_id in ids:
            node = graph.node(node_id)
            role = input_role(node) if named else "Input"
            name = f"{role} " if role != "Input" else ""
            texts = [format_shape(s, graph.axis_order) for s in node.output_shapes]
            parts += [name + t for t in texts] or [name + "any shape"]
        return " + ".join(parts) or "nothing"

    return f"{shapes(graph.inputs, True)} → {shapes(graph.outputs, False)}"


def title_slide(graph: Graph, date: datetime.date | None = None) -> SlideScene:
    day = (date or datetime.date.today()).isoformat()
    opaque = opaque_model(graph)
    if opaque is not None:  # a subclassed model: say what is known, not "? → ?"
        known = f"{opaque.class_name}: {opaque_summary(opaque)}"
        shapes = [format_shape(s) for s in opaque.output_shapes]
        output = f" (output {', '.join(shapes)})" if shapes else ""
        subtitle = f"{known}{output}\n{day}"
        notes = (
            f"{graph.name} is a subclassed Keras model ({opaque.class_name}) whose call() could "
            f"not be traced into layers; it has {plural(graph.total_params, 'parameter')}, "
            f"{format_count(graph.trainable_params)} of them trainable."
        )
        return SlideScene(title=graph.name, subtitle=subtitle, notes=notes, kind="title")
    layers = plural(len(graph.nodes), "layer")
    note = unknown_note(graph)
    subtitle = (
        f"{io_description(graph)}" + (f" ({note})" if note else "") + "\n"
        f"{layers} · {format_count(graph.total_params)} parameters "
        f"({format_count(graph.trainable_params)} trainable)\n{day}"
    )
    notes = (
        f"{graph.name} takes {io_description(graph).replace('→', 'and produces')}. "
        f"It has {layers} and {format_count(graph.total_params)} parameters, "
        f"{format_count(graph.trainable_params)} of them trainable."
    )
    return SlideScene(title=graph.name, subtitle=subtitle, notes=notes, kind="title")
