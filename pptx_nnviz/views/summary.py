"""The summary view: `model.summary()` as a native, editable table, and as text for the
terminal (text, markdown, csv, json)."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import replace
from typing import Any

from ..errors import InputError
from ..geometry import Rect
from ..ir import Graph, Node
from ..scene import Frame, SlideScene, Table
from ..text import (
    NAME_STUB,
    format_bytes,
    format_count,
    format_keras_shape,
    line_height,
    shorten_list,
    shorten_name,
    text_width,
)

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
    return table_text(f'Model: "{graph.name}"', header, rows, fmt, ("Param #",), totals(graph))


def table_text(
    title: str,
    header: tuple[str, ...],
    rows: list[tuple[str, ...]],
    fmt: str,
    numeric: tuple[str, ...],
    footer: list[tuple[str, str]],
) -> str:
    """A table as plain text (aligned like Keras's summary), markdown or csv; `numeric`
    columns align right, `footer` holds (label, value) lines after the table."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue().rstrip("\n")
    if fmt == "markdown":
        lines = [
            "| " + " | ".join(header) + " |",
            "|" + "|".join("---:" if h in numeric else "---" for h in header) + "|",
        ]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
        lines += ["", *(f"**{label}:** {value}  " for label, value in footer)]
        return f"{title}\n\n" + "\n".join(lines)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    rule = "─" * (sum(widths) + 3 * (len(widths) - 1))

    def line(cells: tuple[str, ...]) -> str:
        return "   ".join(
            c.rjust(w) if header[i] in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    body = [line(header), rule, *(line(r) for r in rows), rule]
    body += [f"{label}: {value}" for label, value in footer]
    return f"{title}\n" + "\n".join(body)


# --------------------------------------------------------------------------- slides

#: Why a folded model's deck has no detailed graph (see `views/graph.py`).
DETAILED_NOTE = (
    "The deck has no separate detailed graph for a model this big: the architecture's "
    "drill-down slides are its detailed graph, every layer of each block with its output "
    "shape (a layer's input is the output of the box feeding it). --collapse none draws every "
    "layer with its input and output shapes instead, on as many slides as that takes."
)
MAX_SUMMARY_SLIDES = 3  # a folded model's block table fits this many slides by default
MIN_FONT = 8.0


def balanced_pages(items: list[Any], per_page: int, extra: int = 0) -> list[list[Any]]:
    """`items` cut into the fewest pages of at most `per_page`, all about the same length;
    `extra` rows (totals) that follow the last item count towards the last page."""
    count = len(items) + extra
    pages = max(1, math.ceil(count / max(per_page, 1)))
    size = math.ceil(count / pages)
    result = [items[i : i + size] for i in range(0, len(items), size)] or [[]]
    if len(result) < pages:  # the extra rows alone spill onto their own page: share instead
        result.append([])
    return result


def summary_nodes(graph: Graph, folded: Graph | None = None) -> tuple[list[Node], bool]:
    """The summary table's rows as nodes, and whether they are blocks: the blocks (or repeated
    layers) and layers of a `folded` model (see `passes.collapse`) when it has such, else every
    layer. The parameters chart draws a bar per row."""
    if folded is not None and any(n.category == "block" or n.repeat > 1 for n in folded.nodes):
        return list(folded.nodes), True
    return list(graph.nodes), False


def summary_slides(graph: Graph, frame: Frame, folded: Graph | None = None) -> list[SlideScene]:
    """The summary as native tables. For a `folded` model (blocks or repeated layers, see
    `passes.collapse`): one table of blocks on at most three slides, with each block's layers
    in an appendix at the end of the deck; otherwise every layer, in pages of equal length."""
    if summary_nodes(graph, folded)[1]:
        assert folded is not None
        return _block_slides(graph, folded, frame) + _appendix_slides(folded, frame)
    with_links = not is_sequential(graph)
    header, rows = _table_rows(graph, with_links)
    notes = (
        f"The layers of {graph.name} as model.summary() lists them, with each layer's output "
        "shape and parameter count" + (" and the layers feeding it." if with_links else ".")
    )
    align = ("l", "l", "r") + (("l",) if with_links else ())
    return table_slides(graph, frame, f"{graph.name}: summary", header, rows, align, notes)


def _block_slides(graph: Graph, folded: Graph, frame: Frame) -> list[SlideScene]:
    header = ("Block or layer", "Layers", "Output shape", "Param #", "× N")
    rows = [
        (
            n.name if n.category == "block" else f"{n.name} ({n.class_name})",
            format_count(n.inner_layers * n.repeat if n.category == "block" else n.repeat),
            ", ".join(format_keras_shape(s) for s in n.output_shapes),
            format_count(n.params),
            f"× {n.repeat}" if n.repeat > 1 else "",
        )
        for n in folded.nodes
    ]
    blocks = sum(1 for n in folded.nodes if n.category == "block" or n.repeat > 1)
    notes = (
        f"{graph.name} has {len(graph.nodes)} layers; this table lists them folded into "
        f"{blocks} blocks (× N: that many identical blocks in a row, counted together). Each "
        "block's own layers are listed in the appendix at the end of the deck. " + DETAILED_NOTE
    )
    return table_slides(
        graph,
        frame,
        f"{graph.name}: summary by block",
        header,
        rows,
        ("l", "r", "l", "r", "r"),
        notes,
        max_pages=MAX_SUMMARY_SLIDES,
    )


def _appendix_slides(folded: Graph, frame: Frame) -> list[SlideScene]:
    """Every block's layers (one repetition of a folded run), a bold row heading each."""
    header = ("Layer (type)", "Output shape", "Param #")
    rows: list[tuple[str, ...]] = []
    bold: list[int] = []
    for node in folded.nodes:
        if node.category != "block" or node.inner is None:
            continue
        bold.append(len(rows))
        repeat = f", × {node.repeat}: the first shown" if node.repeat > 1 else ""
        rows.append((f"{node.name} ({node.inner_layers} layers{repeat})", "", ""))
        inner = [n for n in node.inner.nodes if not n.id.startswith("from:")]
        for record in summary_records(Graph(node.name, tuple(inner), ())):
            rows.append(
                (
                    f"  {record['layer']} ({record['type']})",
                    record["output_shape"],
                    "shared" if record["shared_with"] else format_count(record["params"]),
                )
            )
    if not rows:  # only repeated single layers: nothing inside to list
        return []
    notes = (
        f"Appendix: the layers inside each block of {folded.name}, as model.summary() lists "
        "them; a run of identical blocks shows its first."
    )
    slides = table_slides(
        folded,
        frame,
        f"Appendix: {folded.name} layers by block",
        header,
        rows,
        ("l", "l", "r"),
        notes,
        with_totals=False,
        bold_rows=frozenset(bold),
    )
    return [replace(s, appendix=True) for s in slides]


def table_slides(
    graph: Graph,
    frame: Frame,
    title: str,
    header: tuple[str, ...],
    rows: list[tuple[str, ...]],
    align: tuple[str, ...],
    notes: str,
    *,
    max_pages: int | None = None,
    with_totals: bool = True,
    bold_rows: frozenset[int] = frozenset(),
) -> list[SlideScene]:
    """`rows` as tables under `title`, the header repeated, pages of equal length, the totals
    at the end; the font shrinks (down to MIN_FONT) to keep within `max_pages`."""
    total_rows = (
        [_totals_row(label, value, header) for label, value in totals(graph)] if with_totals else []
    )
    font = FONT
    for size in (14.0, 13.0, 12.0, 11.0):
        if (len(rows) + len(total_rows) + 1) * _row_height(size) <= frame.content.h:
            font = size
            break
    if max_pages is not None:  # one page at 9 pt or more, else the fewest pages allowed
        count = len(rows) + len(total_rows)
        sizes = [font - 0.5 * k for k in range(int((font - MIN_FONT) / 0.5) + 1)]
        font = next(
            (f for f in sizes if f >= 9 and _pages_needed(count, f, frame) == 1),
            next((f for f in sizes if _pages_needed(count, f, frame) <= max_pages), MIN_FONT),
        )
    heavy = bold_rows | frozenset(range(len(rows), len(rows) + len(total_rows)))
    widths = _column_widths(header, rows + total_rows, frame.content.w, font, heavy)
    while sum(widths) > frame.content.w + 0.5 and font > MIN_FONT:  # even the floors too wide
        font -= 0.5
        widths = _column_widths(header, rows + total_rows, frame.content.w, font, heavy)
    fitted = [
        tuple(
            fit_cell(cell, h, w - 2 * CELL_PAD_X - 1, font, i in heavy)
            for cell, h, w in zip(row, header, widths)
        )
        for i, row in enumerate(rows)
    ]
    row_h = _row_height(font)
    per_page = _rows_per_page(font, frame)
    indices = balanced_pages(list(range(len(fitted))), per_page, len(total_rows))
    x = frame.content.x + (frame.content.w - sum(widths)) / 2
    slides = []
    for number, page in enumerate(indices, start=1):
        body = [fitted[i] for i in page]
        bold = tuple(k for k, i in enumerate(page) if i in bold_rows)
        if number == len(indices):
            bold += tuple(range(len(body), len(body) + len(total_rows)))
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
            alt_text=f"{title}, part {number} of {len(indices)}.",
        )
        where = (
            f" Rows {page[0] + 1} to {page[-1] + 1} of {len(rows)}."
            if page and len(indices) > 1
            else ""
        )
        end = (
            f" {graph.name} has {format_count(graph.total_params)} parameters, "
            f"{format_count(graph.trainable_params)} of them trainable."
            if number == len(indices) and with_totals
            else ""
        )
        slides.append(
            SlideScene(
                title=title + (f" ({number}/{len(indices)})" if len(indices) > 1 else ""),
                tables=(table,),
                notes=notes + where + end,
                kind="summary",
            )
        )
    return slides


def _totals_row(label: str, value: str, header: tuple[str, ...]) -> tuple[str, ...]:
    """A totals row: the label in the first column, the value under 'Param #'."""
    cells = [""] * len(header)
    cells[0] = label
    cells[header.index("Param #")] = value
    return tuple(cells)


def _rows_per_page(font: float, frame: Frame) -> int:
    return max(1, int(frame.content.h // _row_height(font)) - 1)


def _pages_needed(rows: int, font: float, frame: Frame) -> int:
    return math.ceil(rows / _rows_per_page(font, frame))


def _row_height(font: float) -> float:
    return line_height(font) + 2 * CELL_PAD_Y


NAME_COLUMNS = ("Layer (type)", "Block or layer", "Block")  # "name (Class)": names may be cut
#: Columns of items (names, changes) and what joins them: each item may be cut.
LIST_COLUMNS = {"Connected to": ", ", "Change": "; "}
#: "name (Class)" or "name (42 layers, × 3: ...)": the part in parentheses is never cut.
_TAIL = re.compile(r"^(?P<head>.*?)(?P<tail> \([^()]*\))$")


def _split(cell: str) -> tuple[str, str]:
    """("name", " (Class)") of a name column's cell; ("name", "") when there is no class."""
    match = _TAIL.match(cell)
    return (match["head"], match["tail"]) if match else (cell, "")


def fit_cell(cell: str, column: str, width: float, font: float, bold: bool = False) -> str:
    """`cell` within `width` points: in a name column the name cut in the middle (never its
    class), in a list column each name cut in the middle; other cells are not cut (their
    columns have their natural width)."""
    if text_width(cell, font, bold) <= width:
        return cell
    if column in NAME_COLUMNS:
        name, tail = _split(cell)
        return shorten_name(name, width, font, bold, keep=tail)
    if column in LIST_COLUMNS:
        sep = LIST_COLUMNS[column]
        return shorten_list(cell.split(sep), width, font, bold, sep)
    return cell


def _column_widths(
    header: tuple[str, ...],
    rows: list[tuple[str, ...]],
    total: float,
    font: float,
    bold: frozenset[int] = frozenset(),
) -> list[float]:
    """Natural widths (widest cell, `bold` rows and the header in bold) with some air;
    squeezed to fit the slide if needed, the names first keeping all they can and every
    class name, then the lists of inputs."""
    pad = 2 * CELL_PAD_X + 2
    natural = [
        max(
            [
                text_width(header[i], font, bold=True),
                *(text_width(r[i], font, bold=k in bold) for k, r in enumerate(rows)),
            ]
        )
        + pad
        for i in range(len(header))
    ]
    if sum(natural) <= total:
        stretch = min(1.35, max(1.0, 0.6 * total / sum(natural)))
        return [w * stretch for w in natural]
    head = [text_width(h, font, bold=True) + pad for h in header]
    floor = list(natural)
    for i, h in enumerate(header):
        if h in NAME_COLUMNS:
            tails = [text_width(_split(r[i])[1], font, k in bold) for k, r in enumerate(rows)]
            floor[i] = max(head[i], max(tails, default=0.0) + text_width(NAME_STUB, font) + pad)
        elif h in LIST_COLUMNS:
            floor[i] = min(natural[i], max(head[i], 0.2 * total))
    spare = total - sum(floor)
    if spare <= 0:
        return floor  # the caller takes a smaller font
    widths = list(floor)
    for kinds in (NAME_COLUMNS, tuple(LIST_COLUMNS)):  # names first, then the lists
        for i, h in enumerate(header):
            if h in kinds:
                extra = min(natural[i] - floor[i], spare)
                widths[i] += extra
                spare -= extra
    return widths
