"""PowerPoint renderer: the only module that imports python-pptx.

Scene boxes become autoshapes and scene connectors become connectors glued to them
(`a:stCxn`/`a:endCxn`) with arrowheads. Shapes are written as XML with slide-unique ids we
assign, which keeps adding thousands of shapes linear (python-pptx's own adds rescan every id).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from pptx.enum.dml import MSO_THEME_COLOR
from pptx.oxml import parse_xml
from pptx.oxml.ns import nsdecls, qn
from pptx.slide import Slide

from .geometry import Point
from .scene import BarChart, Box, Connector, Group, Paragraph, SlideScene, Table
from .text import sanitize
from .theme import ColorRef

EMU_PER_POINT = 12700
_MIN_EXTENT = 127  # EMU: a connector frame never collapses to zero width or height
_NS = nsdecls("a", "p")
_BOLD = ' b="1"'
_ITALIC = ' i="1"'
_STRIKE = ' strike="sngStrike"'
#: Text in the theme's body font, named on every run: a master whose default text style names
#: another font (one saved by Impress names DejaVu Sans) would otherwise change the measured text.
_THEME_FONT = '<a:latin typeface="+mn-lt"/>'
_THEME_COLORS = {f"accent{i}": getattr(MSO_THEME_COLOR, f"ACCENT_{i}") for i in range(1, 7)}


def emu(points: float) -> int:
    return int(round(points * EMU_PER_POINT))


# --------------------------------------------------------------------------- colours


def color_xml(ref: ColorRef) -> str:
    """`<a:schemeClr>` with PowerPoint's brightness encoding (lumMod / lumOff)."""
    b = ref.brightness
    mods = ""
    if b > 0:
        mods = f'<a:lumMod val="{round((1 - b) * 100000)}"/><a:lumOff val="{round(b * 100000)}"/>'
    elif b < 0:
        mods = f'<a:lumMod val="{round((1 + b) * 100000)}"/>'
    return f'<a:schemeClr val="{ref.slot}">{mods}</a:schemeClr>'


def _fill_xml(ref: ColorRef | None) -> str:
    return "<a:noFill/>" if ref is None else f"<a:solidFill>{color_xml(ref)}</a:solidFill>"


def _line_xml(ref: ColorRef | None, width: float, dashed: bool, arrow: str | None = None) -> str:
    """`a:ln`; `arrow` is the size of a triangle arrowhead at the end ("sm", "med", "lg")."""
    if ref is None:
        return "<a:ln><a:noFill/></a:ln>"
    dash = '<a:prstDash val="dash"/>' if dashed else ""
    tail = f'<a:tailEnd type="triangle" w="{arrow}" len="{arrow}"/>' if arrow else ""
    return f'<a:ln w="{emu(width)}">{_fill_xml(ref)}{dash}{tail}</a:ln>'


# --------------------------------------------------------------------------- text


def _paragraph_xml(paragraph: Paragraph) -> str:
    runs = "".join(
        f'<a:r><a:rPr lang="en-US" sz="{round(run.size * 100)}"'
        f"{_BOLD if run.bold else ''}{_ITALIC if run.italic else ''}"
        f'{_STRIKE if run.strike else ""} dirty="0">'
        f"{_fill_xml(run.color)}{_THEME_FONT}</a:rPr><a:t>{escape(sanitize(run.text))}</a:t></a:r>"
        for run in paragraph.runs
    )
    return f'<a:p><a:pPr algn="{paragraph.align}"/>{runs}</a:p>'


def _text_body_xml(box: Box) -> str:
    """Text that fits as laid out; an editable box wraps and shrinks when an edit makes its
    text longer (`normAutofit`), the others keep one line per paragraph."""
    wrap, fit = ("square", "<a:normAutofit/>") if box.autofit else ("none", "<a:noAutofit/>")
    body = (
        f'<a:bodyPr wrap="{wrap}" lIns="{emu(box.pad_x)}" tIns="{emu(box.pad_y)}" '
        f'rIns="{emu(box.pad_x)}" bIns="{emu(box.pad_y)}" rtlCol="0" anchor="{box.anchor}">'
        f"{fit}</a:bodyPr><a:lstStyle/>"
    )
    paragraphs = (
        "".join(_paragraph_xml(p) for p in box.paragraphs)
        or '<a:p><a:endParaRPr lang="en-US"/></a:p>'
    )
    return f"<p:txBody>{body}{paragraphs}</p:txBody>"


# --------------------------------------------------------------------------- shapes


def _geometry_xml(box: Box) -> str:
    if box.geometry == "custom":
        w, h = emu(box.rect.w), emu(box.rect.h)
        first, *rest = [(emu(x), emu(y)) for x, y in box.points]
        path = f'<a:moveTo><a:pt x="{first[0]}" y="{first[1]}"/></a:moveTo>' + "".join(
            f'<a:lnTo><a:pt x="{x}" y="{y}"/></a:lnTo>' for x, y in rest
        )
        return (
            '<a:custGeom><a:avLst/><a:gdLst/><a:ahLst/><a:cxnLst/><a:rect l="0" t="0" r="r" '
            f'b="b"/><a:pathLst><a:path w="{w}" h="{h}">{path}<a:close/></a:path></a:pathLst>'
            "</a:custGeom>"
        )
    adjust = ""
    if box.geometry == "roundRect":
        adjust = f'<a:gd name="adj" fmla="val {round(box.rounding * 100000)}"/>'
    elif box.geometry == "cube":
        adjust = f'<a:gd name="adj" fmla="val {round(box.depth * 100000)}"/>'
    return f'<a:prstGeom prst="{box.geometry}"><a:avLst>{adjust}</a:avLst></a:prstGeom>'


def box_xml(box: Box, shape_id: int) -> str:
    r = box.rect
    return (
        f"<p:sp {_NS}><p:nvSpPr>"
        f'<p:cNvPr id="{shape_id}" name={quoteattr(shape_name(box.id))}'
        f" descr={quoteattr(sanitize(box.alt_text))}/>"
        "<p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:spPr>"
        f'<a:xfrm><a:off x="{emu(r.x)}" y="{emu(r.y)}"/><a:ext cx="{emu(r.w)}" cy="{emu(r.h)}"/>'
        f"</a:xfrm>{_geometry_xml(box)}"
        f"{_fill_xml(box.fill)}{_line_xml(box.line, box.line_width, box.dashed)}"
        f"</p:spPr>{_text_body_xml(box)}</p:sp>"
    )


def shape_name(identifier: str) -> str:
    """A stable, readable shape name derived from the scene id (PowerPoint's selection pane)."""
    return sanitize(identifier)[:250]


@dataclass(frozen=True)
class ConnectorGeometry:
    preset: str
    x: int
    y: int
    cx: int
    cy: int
    rot: int = 0
    flip_h: bool = False
    flip_v: bool = False
    adjusts: tuple[int, ...] = ()


_BENT = {2: "bentConnector2", 3: "bentConnector3", 4: "bentConnector4", 5: "bentConnector5"}


def connector_geometry(points: tuple[Point, ...]) -> ConnectorGeometry:
    """The preset connector and frame that draw an orthogonal polyline of 1 to 5 segments.

    Every preset runs from its frame's top-left to its bottom-right, leaving along local +x
    (bentConnector2 and 4 arrive along local +y, 3 and 5 along +x). The local axes are laid
    on the path: local x along its first segment, local y across, each pointing towards the
    path's end; a first segment running down the slide needs a 90° rotation (local +x ->
    down, local +y -> left), and flips mirror the frame before it rotates.
    """
    pts = [(emu(x), emu(y)) for x, y in points]
    (x0, y0), (xn, yn) = pts[0], pts[-1]
    dx, dy = xn - x0, yn - y0
    segments = len(pts) - 1
    if segments == 1:
        return ConnectorGeometry(
            "straightConnector1",
            min(x0, xn),
            min(y0, yn),
            abs(dx),
            abs(dy),
            flip_h=dx < 0,
            flip_v=dy < 0,
        )
    horizontal = abs(pts[1][1] - y0) <= abs(pts[1][0] - x0)
    sx = -1 if dx < 0 else 1
    sy = -1 if dy < 0 else 1
    if horizontal:
        w, h = max(abs(dx), _MIN_EXTENT), max(abs(dy), _MIN_EXTENT)

        def local(p: tuple[int, int]) -> tuple[float, float]:
            return (p[0] - x0) * sx, (p[1] - y0) * sy

        rot, flip_h, flip_v = 0, sx < 0, sy < 0
    else:
        w, h = max(abs(dy), _MIN_EXTENT), max(abs(dx), _MIN_EXTENT)

        def local(p: tuple[int, int]) -> tuple[float, float]:
            return (p[1] - y0) * sy, (p[0] - x0) * sx

        rot, flip_h, flip_v = 5400000, sy < 0, sx > 0
    # adj1 (and adj3) place the turns along local x, adj2 across: their share of w or h
    turns = [local(p) for p in pts[1:4]]
    shares = [turns[k][k % 2] / (w if k % 2 == 0 else h) for k in range(len(turns))]
    adjusts = tuple(round(share * 100000) for share in shares[: segments - 2])
    # The frame (before rotation) is centred on the midpoint of the two ends.
    off_x = round((x0 + xn) / 2 - w / 2)
    off_y = round((y0 + yn) / 2 - h / 2)
    return ConnectorGeometry(_BENT[segments], off_x, off_y, w, h, rot, flip_h, flip_v, adjusts)


def connector_xml(connector: Connector, shape_id: int, source_id: int, target_id: int) -> str:
    g = connector_geometry(connector.points)
    arrow = connector.arrow_size if connector.arrow else None  # none into a junction dot
    attrs = (
        (f' rot="{g.rot}"' if g.rot else "")
        + (' flipH="1"' if g.flip_h else "")
        + (' flipV="1"' if g.flip_v else "")
    )
    names = ("adj1", "adj2", "adj3")
    adjusts = "".join(
        f'<a:gd name="{n}" fmla="val {v}"/>' for n, v in zip(names, g.adjusts, strict=False)
    )
    return (
        f"<p:cxnSp {_NS}><p:nvCxnSpPr>"
        f'<p:cNvPr id="{shape_id}" name={quoteattr(shape_name(connector.id))}/>'
        f'<p:cNvCxnSpPr><a:stCxn id="{source_id}" idx="{connector.source_site}"/>'
        f'<a:endCxn id="{target_id}" idx="{connector.target_site}"/></p:cNvCxnSpPr><p:nvPr/>'
        f"</p:nvCxnSpPr><p:spPr><a:xfrm{attrs}>"
        f'<a:off x="{g.x}" y="{g.y}"/><a:ext cx="{g.cx}" cy="{g.cy}"/></a:xfrm>'
        f'<a:prstGeom prst="{g.preset}"><a:avLst>{adjusts}</a:avLst></a:prstGeom>'
        f"{_line_xml(connector.color, connector.width, connector.dashed, arrow)}"
        "</p:spPr></p:cxnSp>"
    )


def draw_scene(slide: Slide, scene: SlideScene, first_id: int = 2) -> dict[str, int]:
    """Append the scene's shapes to the slide; return scene id -> shape id. Connectors go
    behind the boxes (a moved box never has a line across its text); boxes sharing a group
    key, and the scene's explicit groups, become group shapes. Ids start at `first_id` or
    after the slide's highest, whichever is more."""
    for chart in scene.charts:
        draw_chart(slide, chart)
    tree = slide.shapes._spTree
    next_id = max(max((int(i) for i in tree.xpath("//p:cNvPr/@id")), default=1) + 1, first_id)
    ids: dict[str, int] = {}
    for table in scene.tables:
        tree.append(parse_xml(table_xml(table, next_id)))
        ids[table.id] = next_id
        next_id += 1
    for box in scene.boxes:
        ids[box.id] = next_id
        next_id += 1
    connector_ids = []
    for connector in scene.connectors:
        tree.append(
            parse_xml(
                connector_xml(connector, next_id, ids[connector.source], ids[connector.target])
            )
        )
        connector_ids.append(next_id)
        next_id += 1
    elements = {}
    for box in scene.boxes:
        elements[box.id] = parse_xml(box_xml(box, ids[box.id]))
        tree.append(elements[box.id])
    keyed: dict[str, list[str]] = {}
    for box in scene.boxes:
        if box.group:
            keyed.setdefault(box.group, []).append(box.id)
    groups = list(scene.groups) + [
        Group(f"group {key}", tuple(members), _group_text(key, scene, members))
        for key, members in keyed.items()
        if len(members) > 1
    ]
    top = {}  # a grouped box is revealed through its group
    for group in groups:
        _group([elements[m] for m in group.members], group, next_id)
        ids[group.id] = next_id
        top.update(dict.fromkeys(group.members, next_id))
        next_id += 1
    if scene.steps:
        _add_timing(slide, scene, ids, top, connector_ids)
    return ids


def _add_timing(
    slide: Slide, scene: SlideScene, ids: dict[str, int], top: dict[str, int], connector_ids: list
) -> None:
    """The scene's build: each step's boxes (or their groups) with the connectors arriving
    at them, one click per step."""
    from .builds import Target, timing_xml

    clicks = []
    for step in scene.steps:
        members = set(step)
        targets = {top.get(b, ids[b]): b not in top for b in step}
        for connector, shape_id in zip(scene.connectors, connector_ids):
            if connector.target in members:
                targets.setdefault(shape_id, False)
        clicks.append([Target(i, text) for i, text in targets.items()])
    sld = slide._element
    for old in sld.findall(qn("p:timing")):
        sld.remove(old)
    timing = parse_xml(timing_xml(clicks))
    ext = sld.find(qn("p:extLst"))  # timing comes after the transition, before extensions
    if ext is not None:
        ext.addprevious(timing)
    else:
        sld.append(timing)


def _group_text(key: str, scene: SlideScene, members: list[str]) -> str:
    """Alt text of an implicit group: its first member's, or a summary of a legend."""
    if key == "legend":
        names = [b.alt_text.removeprefix("Legend: ") for b in scene.boxes if b.id in members]
        return "Legend: " + ", ".join(dict.fromkeys(n.removesuffix(" layers") for n in names))
    first = next(b for b in scene.boxes if b.id == members[0])
    return first.alt_text


def _group(members: list, group: Group, shape_id: int) -> None:
    """Move the member shapes into a new group shape standing where the first one stood."""
    boxes = [m.find(qn("p:spPr")).find(qn("a:xfrm")) for m in members]
    x0 = min(int(b.find(qn("a:off")).get("x")) for b in boxes)
    y0 = min(int(b.find(qn("a:off")).get("y")) for b in boxes)
    x1 = max(int(b.find(qn("a:off")).get("x")) + int(b.find(qn("a:ext")).get("cx")) for b in boxes)
    y1 = max(int(b.find(qn("a:off")).get("y")) + int(b.find(qn("a:ext")).get("cy")) for b in boxes)
    frame = f'<a:off x="{x0}" y="{y0}"/><a:ext cx="{x1 - x0}" cy="{y1 - y0}"/>'
    element = parse_xml(
        f'<p:grpSp {_NS}><p:nvGrpSpPr><p:cNvPr id="{shape_id}" '
        f"name={quoteattr(shape_name(group.id))} descr={quoteattr(sanitize(group.alt_text))}/>"
        "<p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr><a:xfrm>"
        f'{frame}<a:chOff x="{x0}" y="{y0}"/><a:chExt cx="{x1 - x0}" cy="{y1 - y0}"/>'
        "</a:xfrm></p:grpSpPr></p:grpSp>"
    )
    members[0].addprevious(element)
    for member in members:
        element.append(member)


_TABLE_STYLE = "{5C22544A-7EE6-4342-B048-85BDC9FD1C3A}"  # Medium Style 2 - Accent 1
_TABLE_URI = "http://schemas.openxmlformats.org/drawingml/2006/table"


def table_xml(table: Table, shape_id: int) -> str:
    """A native table (graphic frame) themed by PowerPoint's Medium Style 2 - Accent 1."""
    r = table.rect
    size = round(table.font_size * 100)
    margins = f'marL="{emu(5)}" marR="{emu(5)}" marT="{emu(2.5)}" marB="{emu(2.5)}"'
    grid = "".join(f'<a:gridCol w="{emu(w)}"/>' for w in table.column_widths)
    rows = []
    for index, cells in enumerate([table.header, *table.rows]):
        bold = _BOLD if index == 0 or (index - 1) in table.bold_rows else ""
        row = []
        for col, text in enumerate(cells):
            align = table.align[col] if table.align else "l"
            run = (
                f'<a:r><a:rPr lang="en-US" sz="{size}"{bold} dirty="0">{_THEME_FONT}</a:rPr>'
                f"<a:t>{escape(sanitize(text))}</a:t></a:r>"
                if text
                else ""
            )
            row.append(
                f'<a:tc><a:txBody><a:bodyPr/><a:lstStyle/><a:p><a:pPr algn="{align}"/>{run}'
                f'<a:endParaRPr lang="en-US" sz="{size}" dirty="0"/></a:p></a:txBody>'
                f"<a:tcPr {margins}/></a:tc>"
            )
        rows.append(f'<a:tr h="{emu(table.row_height)}">{"".join(row)}</a:tr>')
    return (
        f"<p:graphicFrame {_NS}><p:nvGraphicFramePr>"
        f'<p:cNvPr id="{shape_id}" name={quoteattr(shape_name(table.id))} '
        f"descr={quoteattr(sanitize(table.alt_text))}/>"
        '<p:cNvGraphicFramePr><a:graphicFrameLocks noGrp="1"/></p:cNvGraphicFramePr><p:nvPr/>'
        f'</p:nvGraphicFramePr><p:xfrm><a:off x="{emu(r.x)}" y="{emu(r.y)}"/>'
        f'<a:ext cx="{emu(r.w)}" cy="{emu(r.h)}"/></p:xfrm><a:graphic>'
        f'<a:graphicData uri="{_TABLE_URI}"><a:tbl><a:tblPr firstRow="1" bandRow="1">'
        f"<a:tableStyleId>{_TABLE_STYLE}</a:tableStyleId></a:tblPr><a:tblGrid>{grid}</a:tblGrid>"
        f"{''.join(rows)}</a:tbl></a:graphicData></a:graphic></p:graphicFrame>"
    )


def draw_chart(slide: Slide, chart: BarChart) -> None:
    """A native stacked bar chart whose data is embedded (Edit Data works)."""
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
    from pptx.util import Emu, Pt

    data = CategoryChartData(number_format="#,##0")
    data.categories = [sanitize(c) for c in chart.categories]
    for name, values, _ in chart.series:
        # A log axis cannot plot 0: such a point is left empty.
        data.add_series(sanitize(name), [None if chart.log_scale and not v else v for v in values])
    kind = XL_CHART_TYPE.BAR_STACKED if chart.horizontal else XL_CHART_TYPE.COLUMN_STACKED
    r = chart.rect
    frame = slide.shapes.add_chart(
        kind, Emu(emu(r.x)), Emu(emu(r.y)), Emu(emu(r.w)), Emu(emu(r.h)), data
    )
    frame.name = shape_name(chart.id)
    frame._element.nvGraphicFramePr.cNvPr.set("descr", sanitize(chart.alt_text))
    plot = frame.chart
    # python-pptx writes negative axis ids; the schema wants unsigned ones.
    for axis_id in plot._chartSpace.xpath(".//c:axId | .//c:crossAx"):
        axis_id.set("val", str(abs(int(axis_id.get("val")))))
    plot.font.size = Pt(chart.font_size)
    plot.has_legend = True
    # The legend above the plot, so the value axis's title sits right under its numbers.
    plot.legend.position = XL_LEGEND_POSITION.TOP
    plot.legend.include_in_layout = False
    if chart.horizontal:
        plot.category_axis.reverse_order = True  # first layer on top, as in the model
        # Reversed categories put the value axis at the first (top) category; it crosses
        # at the last one instead, now at the bottom (valAx/c:crosses, which python-pptx
        # only exposes on the other axis).
        for crosses in plot._chartSpace.xpath(".//c:valAx/c:crosses"):
            crosses.set("val", "max")
    plot.has_title = False  # one series would otherwise be titled with its name
    if chart.value_max:
        plot.value_axis.minimum_scale = chart.value_min or 0
        plot.value_axis.maximum_scale = chart.value_max
    if chart.value_step:
        plot.value_axis.major_unit = chart.value_step
    if chart.log_scale:
        scaling = plot._chartSpace.xpath(".//c:valAx/c:scaling")[0]
        scaling.insert(0, scaling.makeelement(qn("c:logBase"), {"val": "10"}))
    plot.value_axis.has_major_gridlines = True
    plot.value_axis.tick_labels.number_format = "#,##0"
    plot.value_axis.tick_labels.number_format_is_linked = False
    if chart.value_axis_title:
        plot.value_axis.has_title = True
        plot.value_axis.axis_title.text_frame.text = sanitize(chart.value_axis_title)
    plot.plots[0].gap_width = 40 if len(chart.categories) > 8 else 100
    for series, (_, _, color) in zip(plot.series, chart.series):
        series.format.fill.solid()
        series.format.fill.fore_color.theme_color = _THEME_COLORS[color.slot]
