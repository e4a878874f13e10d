"""Quality invariants of a saved deck, measured from the .pptx file itself (docs/quality.md).

Connector paths are recomputed from each connector's XML (preset, frame, flips, rotation,
adjust values), independently of the code that wrote them.
"""

from __future__ import annotations

import math
import statistics
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn

from pptx_nnviz.text import line_height, text_width

EMU = 12700.0
#: Presets with an ellipse's eight connection sites (the ⊕ and ⊗ merge symbols too).
ELLIPTIC = ("ellipse", "flowChartOr", "flowChartSummingJunction")
SITE_TOLERANCE = 0.6  # points
TEXT_TOLERANCE = 0.5
#: How an edge label's text box is named ("label a -> b"): not a box of the drawing, but
#: checked like one (overlaps, text fit, inside the slide).
EDGE_LABEL = "label "


@dataclass
class SlideReport:
    number: int
    title: str
    boxes: int = 0
    connectors: int = 0
    overlaps: list[tuple[str, str]] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    unglued: list[str] = field(default_factory=list)
    no_arrow: list[str] = field(default_factory=list)
    off_site: list[str] = field(default_factory=list)
    through_boxes: list[tuple[str, str]] = field(default_factory=list)
    text_overflow: list[str] = field(default_factory=list)
    min_font: float = math.inf
    crossings: int = 0
    long_connectors: list[str] = field(default_factory=list)  # > 4 segments
    shared_sites: list[str] = field(default_factory=list)  # two arrows into one glue site
    same_slide_markers: list[str] = field(default_factory=list)  # both ends of a cut here
    chain_edges: int = 0  # one out of the source, one into the target, layer boxes
    chain_straight: int = 0  # ... drawn as one straight segment (wraps counted straight)
    box_fonts: list[float] = field(default_factory=list)  # text sizes of joined boxes
    edge_labels: list[str] = field(default_factory=list)  # "label a -> b" text boxes' names

    @property
    def problems(self) -> dict[str, list]:
        found = {
            "overlaps": self.overlaps,
            "outside": self.outside,
            "unglued": self.unglued,
            "no_arrow": self.no_arrow,
            "off_site": self.off_site,
            "through_boxes": self.through_boxes,
            "text_overflow": self.text_overflow,
            "long_connectors": self.long_connectors,
            "shared_sites": self.shared_sites,
            "same_slide_markers": self.same_slide_markers,
        }
        return {k: v for k, v in found.items() if v}


@dataclass(frozen=True)
class _Shape:
    id: int
    name: str
    x: float
    y: float
    w: float
    h: float
    prst: str
    adj: float = 0.25
    fonts: tuple[float, ...] = ()  # sizes of the text runs in the shape

    @property
    def sites(self) -> int:
        return 8 if self.prst in ELLIPTIC else 6 if self.prst == "cube" else 4

    def site(self, idx: int) -> tuple[float, float]:
        """Connection sites from the OOXML preset definitions (cxnLst)."""
        x, y, w, h = self.x, self.y, self.w, self.h
        if self.prst in ELLIPTIC:  # hc,t  il,it  l,vc  il,ib  hc,b  ir,ib  r,vc  ir,it
            c = math.cos(math.pi / 4)
            il, ir, it, ib = (
                x + w / 2 * (1 - c),
                x + w / 2 * (1 + c),
                y + h / 2 * (1 - c),
                (y + h / 2 * (1 + c)),
            )
            return [
                (x + w / 2, y),
                (il, it),
                (x, y + h / 2),
                (il, ib),
                (x + w / 2, y + h),
                (ir, ib),
                (x + w, y + h / 2),
                (ir, it),
            ][idx]
        if self.prst == "cube":  # y1 = ss*adj; x3,t  x2,y1  l,y3  x2,b  x4,y3  r,y2
            y1 = min(w, h) * self.adj
            x4, b = x + w - y1, y + h
            return [
                (x + (y1 + w) / 2, y),
                ((x + x4) / 2, y + y1),
                (x, y + (y1 + h) / 2),
                ((x + x4) / 2, b),
                (x4, y + (y1 + h) / 2),
                (x + w, y + (h - y1) / 2),
            ][idx]
        return {
            0: (x + w / 2, y),
            1: (x, y + h / 2),
            2: (x + w / 2, y + h),
            3: (x + w, y + h / 2),
        }[idx]


def _xfrm(el) -> tuple[float, float, float, float, int, bool, bool]:
    xfrm = el.find(".//" + qn("a:xfrm"))
    if xfrm is None:
        xfrm = el.find(".//" + qn("p:xfrm"))
    off = xfrm.find(qn("a:off"))
    ext = xfrm.find(qn("a:ext"))
    return (
        int(off.get("x")) / EMU,
        int(off.get("y")) / EMU,
        int(ext.get("cx")) / EMU,
        int(ext.get("cy")) / EMU,
        int(xfrm.get("rot", "0")),
        xfrm.get("flipH") == "1",
        xfrm.get("flipV") == "1",
    )


def connector_path(el) -> list[tuple[float, float]]:
    """The polyline a connector draws, in slide points, from its XML."""
    x, y, w, h, rot, flip_h, flip_v = _xfrm(el)
    prst = el.find(".//" + qn("a:prstGeom")).get("prst")
    adj = {gd.get("name"): int(gd.get("fmla").split()[1]) / 100000 for gd in el.iter(qn("a:gd"))}
    if prst == "straightConnector1":
        local = [(0, 0), (w, h)]
    elif prst == "bentConnector2":
        local = [(0, 0), (w, 0), (w, h)]
    elif prst == "bentConnector3":
        x1 = w * adj.get("adj1", 0.5)
        local = [(0, 0), (x1, 0), (x1, h), (w, h)]
    elif prst == "bentConnector4":
        x1 = w * adj.get("adj1", 0.5)
        y2 = h * adj.get("adj2", 0.5)
        local = [(0, 0), (x1, 0), (x1, y2), (w, y2), (w, h)]
    elif prst == "bentConnector5":
        x1 = w * adj.get("adj1", 0.5)
        y2 = h * adj.get("adj2", 0.5)
        x3 = w * adj.get("adj3", 0.5)
        local = [(0, 0), (x1, 0), (x1, y2), (x3, y2), (x3, h), (w, h)]
    else:
        raise AssertionError(f"unexpected connector preset {prst}")
    cx, cy = x + w / 2, y + h / 2
    points = []
    for px, py in local:
        if flip_h:
            px = w - px
        if flip_v:
            py = h - py
        dx, dy = px - w / 2, py - h / 2
        angle = math.radians(rot / 60000)
        rx = dx * math.cos(angle) - dy * math.sin(angle)
        ry = dx * math.sin(angle) + dy * math.cos(angle)
        points.append((cx + rx, cy + ry))
    return points


def _crosses(shape: _Shape, a, b, margin: float = 1.0) -> bool:
    """Does segment a-b enter the rectangle shrunk by `margin` (Liang-Barsky clipping)?"""
    x0, y0 = shape.x + margin, shape.y + margin
    x1, y1 = shape.x + shape.w - margin, shape.y + shape.h - margin
    if x0 >= x1 or y0 >= y1:
        return False
    dx, dy = b[0] - a[0], b[1] - a[1]
    low, high = 0.0, 1.0
    for p, q in ((-dx, a[0] - x0), (dx, x1 - a[0]), (-dy, a[1] - y0), (dy, y1 - a[1])):
        if abs(p) < 1e-12:
            if q <= 0:
                return False
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low >= high:
            return False
    return True


def _segments_cross(p, q) -> bool:
    """Proper crossing of an axis-parallel horizontal and vertical segment."""
    (a, b), (c, d) = p, q
    horizontal_p = abs(a[1] - b[1]) < 1e-6
    horizontal_q = abs(c[1] - d[1]) < 1e-6
    if horizontal_p == horizontal_q:
        return False
    (h0, h1), (v0, v1) = (p, q) if horizontal_p else (q, p)
    hx0, hx1 = sorted((h0[0], h1[0]))
    vy0, vy1 = sorted((v0[1], v1[1]))
    return hx0 + 0.5 < v0[0] < hx1 - 0.5 and vy0 + 0.5 < h0[1] < vy1 - 0.5


def _text_fits(el, shape: _Shape, report: SlideReport) -> None:
    body = el.find(qn("p:txBody"))
    if body is None:
        return
    pr = body.find(qn("a:bodyPr"))
    ins = {
        k: int(pr.get(k, d)) / EMU
        for k, d in (("lIns", 91440), ("rIns", 91440), ("tIns", 45720), ("bIns", 45720))
    }
    height = 0.0
    for p in body.findall(qn("a:p")):
        runs = p.findall(qn("a:r"))
        if not runs:
            continue
        width = 0.0
        size_max = 0.0
        for r in runs:
            rpr = r.find(qn("a:rPr"))
            rpr = rpr if rpr is not None else {}  # a run added by hand may have no properties
            size = int(rpr.get("sz", "1800")) / 100
            bold = rpr.get("b") == "1"
            text = r.find(qn("a:t")).text or ""
            width += text_width(text, size, bold)
            size_max = max(size_max, size)
            report.min_font = min(report.min_font, size)
        height += line_height(size_max)
        if width > shape.w - ins["lIns"] - ins["rIns"] + TEXT_TOLERANCE:
            report.text_overflow.append(f"{shape.name}: line {width:.1f} > box {shape.w:.1f}")
    if height > shape.h - ins["tIns"] - ins["bIns"] + TEXT_TOLERANCE:
        report.text_overflow.append(f"{shape.name}: text {height:.1f} high > box {shape.h:.1f}")


def _table_fits(el, report: SlideReport) -> None:
    """Every table cell's text fits its column (cells do not wrap in our tables)."""
    table = el.find(".//" + qn("a:tbl"))
    if table is None:
        return
    widths = [int(c.get("w")) / EMU for c in table.iter(qn("a:gridCol"))]
    for tr in table.iter(qn("a:tr")):
        for width, tc in zip(widths, tr.iter(qn("a:tc"))):
            pr = tc.find(qn("a:tcPr"))
            margins = sum(int(pr.get(k, "91440")) / EMU for k in ("marL", "marR"))
            for r in tc.iter(qn("a:r")):
                rpr = r.find(qn("a:rPr"))
                size = int(rpr.get("sz", "1800")) / 100
                report.min_font = min(report.min_font, size)
                text = r.find(qn("a:t")).text or ""
                if text_width(text, size, rpr.get("b") == "1") > width - margins + TEXT_TOLERANCE:
                    report.text_overflow.append(f"table cell {text!r} wider than {width:.1f}")


def _shape_of(el) -> _Shape:
    c_nv_pr = el.find(".//" + qn("p:cNvPr"))
    x, y, w, h, *_ = _xfrm(el)
    geom = el.find(".//" + qn("a:prstGeom"))
    prst = geom.get("prst") if geom is not None else "custom"
    adj = 0.25
    for gd in el.iter(qn("a:gd")):
        if gd.get("name") == "adj":
            adj = int(gd.get("fmla").split()[1]) / 100000
    fonts = tuple(int(r.get("sz")) / 100 for r in el.iter(qn("a:rPr")) if r.get("sz"))
    return _Shape(int(c_nv_pr.get("id")), c_nv_pr.get("name"), x, y, w, h, prst, adj, fonts)


def check_slide(slide, number: int, slide_w: float, slide_h: float) -> SlideReport:
    title = slide.shapes.title.text_frame.text if slide.shapes.title is not None else ""
    report = SlideReport(number, title)
    tree = slide.shapes._spTree
    shapes: dict[int, _Shape] = {}  # top-level shapes (groups as their bounding box)
    glue_targets: dict[int, _Shape] = {}  # every shape, inside groups too
    connectors = []
    for el in tree.iterchildren():
        tag = el.tag.split("}")[1]
        if tag in ("nvGrpSpPr", "grpSpPr", "extLst"):
            continue
        c_nv_pr = el.find(".//" + qn("p:cNvPr"))
        shape_id, name = int(c_nv_pr.get("id")), c_nv_pr.get("name")
        if tag == "cxnSp":
            connectors.append(el)
            continue
        if tag == "sp" and el.find(".//" + qn("p:ph")) is not None:
            ph = next(s for s in slide.placeholders if s.shape_id == shape_id)
            x, y, w, h = ph.left / EMU, ph.top / EMU, ph.width / EMU, ph.height / EMU
            shapes[shape_id] = _Shape(shape_id, name, x, y, w, h, "placeholder")
            continue
        x, y, w, h, *_ = _xfrm(el)
        shapes[shape_id] = _Shape(shape_id, name, x, y, w, h, tag)
        if tag == "graphicFrame":
            _table_fits(el, report)
            continue
        members = el.iter(qn("p:sp")) if tag == "grpSp" else [el]
        for member in members:
            shape = _shape_of(member)
            glue_targets[shape.id] = shape
            _text_fits(member, shape, report)
        if tag == "grpSp" and not (el.find(".//" + qn("p:cNvPr")).get("descr") or ""):
            report.text_overflow.append(f"{name}: group without alt text")
    boxes = list(shapes.values())
    report.edge_labels = [b.name for b in boxes if b.name.startswith(EDGE_LABEL)]
    report.boxes = len(boxes) - len(report.edge_labels)
    report.boxes -= sum(1 for b in boxes if b.prst == "placeholder")
    report.connectors = len(connectors)
    for i, a in enumerate(boxes):
        if not (
            a.x >= -0.01
            and a.y >= -0.01
            and a.x + a.w <= slide_w + 0.01
            and a.y + a.h <= slide_h + 0.01
        ):
            report.outside.append(a.name)
        for b in boxes[i + 1 :]:
            if (
                a.x < b.x + b.w - 0.01
                and b.x < a.x + a.w - 0.01
                and a.y < b.y + b.h - 0.01
                and b.y < a.y + a.h - 0.01
            ):
                report.overlaps.append((a.name, b.name))
    all_segments = []
    glued: list[tuple[_Shape, _Shape, int, list[tuple[float, float]]]] = []
    for el in connectors:
        name = el.find(".//" + qn("p:cNvPr")).get("name")
        st = el.find(".//" + qn("a:stCxn"))
        end = el.find(".//" + qn("a:endCxn"))
        ids = (int(st.get("id")), int(end.get("id"))) if st is not None and end is not None else ()
        if (
            not ids
            or not all(i in glue_targets for i in ids)
            or int(st.get("idx")) >= glue_targets[ids[0]].sites
            or int(end.get("idx")) >= glue_targets[ids[1]].sites
        ):
            report.unglued.append(name)
            continue
        tail = el.find(".//" + qn("a:tailEnd"))
        into_junction = glue_targets[ids[1]].name.startswith(STAND_INS) or name.startswith(
            "shared "  # a dashed "shared weights" line between two calls of one layer
        )
        if (tail is None or tail.get("type") in (None, "none")) and not into_junction:
            report.no_arrow.append(name)
        path = connector_path(el)
        source, target = glue_targets[ids[0]], glue_targets[ids[1]]
        if len(path) > 5:
            report.long_connectors.append(name)
        glued.append((source, target, int(end.get("idx")), path))
        for point, shape, idx in ((path[0], source, st), (path[-1], target, end)):
            sx, sy = shape.site(int(idx.get("idx")))
            if math.hypot(point[0] - sx, point[1] - sy) > SITE_TOLERANCE:
                report.off_site.append(
                    f"{name}: ({point[0]:.1f},{point[1]:.1f}) vs site ({sx:.1f},{sy:.1f})"
                )
        for a, b in zip(path, path[1:]):
            for shape in list(glue_targets.values()) + boxes:
                if shape.id in (source.id, target.id) or shape.prst == "grpSp":
                    continue
                if _crosses(shape, a, b):
                    report.through_boxes.append((name, shape.name))
            all_segments.append((name, (a, b)))
    for i, (name_a, seg_a) in enumerate(all_segments):
        for name_b, seg_b in all_segments[i + 1 :]:
            if name_a != name_b and _segments_cross(seg_a, seg_b):
                report.crossings += 1
    if not any(view in title.lower() for view in ("neuron", "layered")):
        _hand_made(report, glued, glue_targets, shapes)  # a diagram of layers, not units
    return report


#: Shapes the layout adds where a connector turns, joins a node's edge or leaves the slide.
STAND_INS = ("junction ", "portal ", "port ", "marker ")


def _hand_made(
    report: SlideReport,
    glued: list[tuple[_Shape, _Shape, int, list[tuple[float, float]]]],
    glue_targets: dict[int, _Shape],
    shapes: dict[int, _Shape],
) -> None:
    """What a careful person's drawing has (docs/quality.md): no two arrows
    into one glue site, no cut edge whose two markers share the slide, chain edges straight,
    and the text size of the boxes the connectors join."""
    sites: dict[tuple[int, int], int] = {}
    outs: dict[int, int] = {}
    ins: dict[int, int] = {}
    for source, target, idx, _ in glued:
        outs[source.id] = outs.get(source.id, 0) + 1
        ins[target.id] = ins.get(target.id, 0) + 1
        if not target.name.startswith(STAND_INS):
            sites[(target.id, idx)] = sites.get((target.id, idx), 0) + 1
    report.shared_sites += [
        f"{glue_targets[t].name} site {i}" for (t, i), n in sites.items() if n > 1
    ]
    for source, target, _, path in glued:
        if source.name.startswith(STAND_INS) or target.name.startswith(STAND_INS):
            continue
        if outs[source.id] != 1 or ins[target.id] != 1:
            continue
        report.chain_edges += 1
        (x0, y0), (x1, y1) = path[0], path[-1]
        wrap = y1 < y0 - 2 or x1 < x0 - 2  # back against the flow to the next column or row
        report.chain_straight += len(path) == 2 or wrap
    joined = {s.id for s, *_ in glued} | {t.id for _, t, *_ in glued}
    report.box_fonts += [f for i in joined if i in glue_targets for f in glue_targets[i].fonts]
    labelled = [s for s in list(glue_targets.values()) + list(shapes.values()) if s.fonts]
    pairs: dict[str, set[str]] = {}
    for shape in labelled:  # a marker has a label; a junction dot standing for one has none
        if shape.name.startswith(("portal ", "marker ")):
            kind, side, key = shape.name.split(" ", 2)
            pairs.setdefault(f"{kind} {key}", set()).add(side)
    report.same_slide_markers += [key for key, sides in pairs.items() if sides == {"in", "out"}]


def all_shapes(shapes):
    """Every shape of a slide, the members of groups included."""
    for shape in shapes:
        yield shape
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from all_shapes(shape.shapes)


def median_box_font(report: SlideReport) -> float:
    return statistics.median(report.box_fonts) if report.box_fonts else math.inf


def check_deck(path) -> list[SlideReport]:
    prs = Presentation(str(path))
    w, h = prs.slide_width / EMU, prs.slide_height / EMU
    return [check_slide(s, i, w, h) for i, s in enumerate(prs.slides, start=1)]


def pdf_of(path, folder):
    """The deck converted by LibreOffice (through the package's own `--pdf` code)."""
    from pptx_nnviz.pdf_export import convert_to_pdf

    return convert_to_pdf(path, folder / (Path(path).stem + ".pdf"))


def pdf_pages(pdf) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    line = next(line for line in info.stdout.splitlines() if line.startswith("Pages:"))
    return int(line.split()[1])
