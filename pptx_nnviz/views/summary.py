"""The summary view: `model.summary()` as a native, editable table, and as text for the
terminal (text, markdown, csv, json)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..errors import InputError
from ..geometry import Rect
from ..ir import Graph
from ..scene import Frame, SlideScene, Table
from ..text import format_bytes, format_count, format_keras_shape, line_height, shorten, text_width

FONT = 10.0
CELL_PAD_X = 5.0
CELL_PAD_Y = 2.5
FORMATS = ("text", "markdown", "csv", "json")


def is_sequential(graph: Graph) -> bool:
    """A plain chain: every layer has at most one input and one output edge."""
    ins: dict[str, int] = {}
    outs: dict[str, int] = {}
    for edge in graph.edges:
        outs[edge.source] = outs.get(edge.source, 0) + 1
        ins[edge.target] = ins.get(edge.target, 0) + 1
    return all(v <= 1 for v in ins.values()) and all(v <= 1 for v in outs.values())


def summary_records(graph: Graph) -> list[dict[str, Any]]:
    """One record per layer call, as `model.summary()` lists them."""
    predecessors: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    for edge in graph.edges:
        predecessors[edge.target].append(graph.node(edge.source).name)
    return [
        {
            "layer": node.name,
            "type": node.class_name,
            "output_shape": ", ".join(format_keras_shape(s) for s in node.output_shapes),
            "params": node.params,
            "trainable_params": node.trainable_params,
            "non_trainable_params": node.non_trainable_params,
            "connected_to": predecessors[node.id],
            "shared_with": node.shared_with,
        }
        for node in graph.nodes
    ]


def totals(graph: Graph) -> list[tuple[str, str]]:
    """The totals block, with sizes in bytes as Keras prints them (4 bytes per float32)."""
    rows = [
        ("Total params", graph.total_params),
        ("Trainable params", graph.trainable_params),
        ("Non-trainable params", graph.non_trainable_params),
    ]
    return [(label, f"{format_count(n)} ({format_bytes(4 * n)})") for label, n in rows]


def _table_rows(graph: Graph, with_links: bool) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    header = ("Layer (type)", "Output shape", "Param #") + (("Connected to",) if with_links else ())
    rows = []
    for record in summary_records(graph):
        row = (
            f"{record['layer']} ({record['type']})",
            record["output_shape"],
            "shared" if record["shared_with"] else format_count(record["params"]),
        )
        if with_links:
            row += (", ".join(record["connected_to"]) or "-",)
        rows.append(row)
    return header, rows


def summary_text(graph: Graph, fmt: str = "text") -> str:
    """The summary as plain text (a table like Keras prints), markdown, csv or json."""
    if fmt not in FORMATS:
        raise InputError(f"unknown summary format {fmt!r}; choose from {', '.join(FORMATS)}")
    if fmt == "json":
        return json.dumps(
            {
                "model": graph.name,
                "layers": summary_records(graph),
                "total_params": graph.total_params,
                "trainable_params": graph.trainable_params,
                "non_trainable_params": graph.non_trainable_params,
            },
            indent=2,
            ensure_ascii=False,
        )
    header, rows = _table_rows(graph, not is_sequential(graph))
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue().rstrip("\n")
    if fmt == "markdown":
        lines = [
            "| " + " | ".join(header) + " |",
            "|" + "|".join("---:" if h == "Param #" else "---" for h in header) + "|",
        ]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
        lines += ["", *(f"**{label}:** {value}  " for label, value in totals(graph))]
        return f'Model: "{graph.name}"\n\n' + "\n".join(lines)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    rule = "─" * (sum(widths) + 3 * (len(widths) - 1))

    def line(cells: tuple[str, ...]) -> str:
        return "   ".join(
            c.rjust(w) if header[i] == "Param #" else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    body = [line(header), rule, *(line(r) for r in rows), rule]
    body += [f"{label}: {value}" for label, value in totals(graph)]
    return f'Model: "{graph.name}"\n' + "\n".join(body)


# --------------------------------------------------------------------------- slides


def summary_slides(graph: Graph, frame: Frame) -> list[SlideScene]:
    """The summary as native tables, paginated with the header repeated on every slide.
    Short models get a larger font (up to 14 pt); long ones stay at a readable 10 pt."""
    with_links = not is_sequential(graph)
    header, rows = _table_rows(graph, with_links)
    total_rows = [
        (label, "", value, *([""] if with_links else [])) for label, value in totals(graph)
    ]
    font = FONT
    for size in (14.0, 13.0, 12.0, 11.0):
        if (len(rows) + len(total_rows) + 1) * _row_height(size) <= frame.content.h:
            font = size
            break
    widths = _column_widths(header, rows + total_rows, frame.content.w, font)
    fitted = [
        tuple(shorten(cell, w - 2 * CELL_PAD_X - 1, font) for cell, w in zip(row, widths))
        for row in rows
    ]
    row_h = _row_height(font)
    per_page = max(1, int(frame.content.h // row_h) - 1)
    pages = [fitted[i : i + per_page] for i in range(0, len(fitted), per_page)] or [[]]
    if len(pages[-1]) + len(total_rows) > per_page:
        pages.append([])
    align = ("l", "l", "r") + (("l",) if with_links else ())
    x = frame.content.x + (frame.content.w - sum(widths)) / 2
    slides = []
    for number, page_rows in enumerate(pages, start=1):
        body = list(page_rows)
        bold: tuple[int, ...] = ()
        if number == len(pages):
            bold = tuple(range(len(body), len(body) + len(total_rows)))
            body += total_rows
        table = Table(
            id=f"summary table {number}",
            rect=Rect(x, frame.content.y, sum(widths), row_h * (len(body) + 1)),
            header=header,
            rows=tuple(body),
            column_widths=tuple(widths),
            font_size=font,
            row_height=row_h,
            align=align,
            bold_rows=bold,
            alt_text=f"Summary table of {graph.name}, part {number} of {len(pages)}.",
        )
        title = f"{graph.name}: summary" + (f" ({number}/{len(pages)})" if len(pages) > 1 else "")
        first = (number - 1) * per_page + 1
        slides.append(
            SlideScene(
                title=title,
                tables=(table,),
                notes=(
                    f"The layers of {graph.name} as model.summary() lists them: layers "
                    f"{first} to {first + len(page_rows) - 1} of {len(graph.nodes)}, with each "
                    "layer's output shape and parameter count"
                    + (" and the layers feeding it." if with_links else ".")
                    + (
                        f" {graph.name} has {format_count(graph.total_params)} parameters, "
                        f"{format_count(graph.trainable_params)} of them trainable."
                        if number == len(pages)
                        else ""
                    )
                ),
                kind="summary",
            )
        )
    return slides


def _row_height(font: float) -> float:
    return line_height(font) + 2 * CELL_PAD_Y


def _column_widths(
    header: tuple[str, ...], rows: list[tuple[str, ...]], total: float, font: float
) -> list[float]:
    """Natural widths (widest cell) with some air, squeezed to fit the slide if needed."""
    natural = [
        max(text_width(r[i], font, bold=(r is header)) for r in [header, *rows])
        + 2 * CELL_PAD_X
        + 2
        for i in range(len(header))
    ]
    if sum(natural) <= total:
        stretch = min(1.35, max(1.0, 0.6 * total / sum(natural)))
        return [w * stretch for w in natural]
    # Too wide: shapes and counts keep their width; names and links share the rest (cut
    # with an ellipsis), each at least as wide as its header.
    floor = [
        natural[i]
        if h in ("Output shape", "Param #")
        else text_width(h, font, bold=True) + 2 * CELL_PAD_X + 2
        for i, h in enumerate(header)
    ]
    spare = total - sum(floor)
    wanted = [max(n - f, 0.0) for n, f in zip(natural, floor)]
    return [f + spare * w / sum(wanted) for f, w in zip(floor, wanted)]
