"""Stable identity of generated slides and shapes, and what a shape looks like (its `Look`),
so that an update can tell a person's edits from what was generated.

- A slide's key (`SlideScene.key`: "architecture", "architecture:block:conv2_block1",
  "summary:2") is written as a `p:custDataLst` tag of the slide, which PowerPoint keeps and
  LibreOffice Impress drops, and in the deck's manifest (`manifest.py`) together with the names
  of the slide's shapes, which both keep.
- A shape's key within its slide is its name: the scene id (a layer's id for its box,
  "edge A -> B" for a connector, "legend swatch conv"), kept by PowerPoint and Impress.

A `Look` is measured from the XML the same way for a generated shape and for the person's
copy of it (colours resolved through the deck's theme, fonts through its theme fonts,
positions through group transforms), so saving in Impress, which rewrites theme colours as
RGB and spells out inherited fonts, does not read as an edit.
"""

from __future__ import annotations

import colorsys
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.package import Part
from pptx.oxml import parse_xml
from pptx.oxml.ns import nsdecls, qn

EMU_PER_POINT = 12700
SLIDE_TAG = "PPTX_NNVIZ_KEY"
_TAGS_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.tags+xml"
POSITION_TOLERANCE = 1.0  # points: Impress rounds positions to 1/100 mm
COLOUR_TOLERANCE = 3  # per RGB channel: brightness arithmetic rounds differently
ASPECTS = ("position", "size", "fill", "line", "font", "text")

# --------------------------------------------------------------------------- slide tags


def tag_slide(slide: Any, key: str) -> None:
    """Write `key` as the slide's `p:custDataLst` tag (replacing an older one)."""
    c_sld = slide._element.find(qn("p:cSld"))
    for old in c_sld.findall(qn("p:custDataLst")):
        for tags in old.findall(qn("p:tags")):
            slide.part.drop_rel(tags.get(qn("r:id")))
        c_sld.remove(old)
    package = slide.part.package
    xml = (
        f'<p:tagLst {nsdecls("p")}><p:tag name="{SLIDE_TAG}" val="{_attr(key)}"/></p:tagLst>'
    ).encode()
    part = Part(package.next_partname("/ppt/tags/tag%d.xml"), _TAGS_TYPE, package, xml)
    rid = slide.part.relate_to(part, RT.TAGS)
    custom = parse_xml(f'<p:custDataLst {nsdecls("p", "r")}><p:tags r:id="{rid}"/></p:custDataLst>')
    c_sld.find(qn("p:spTree")).addnext(custom)


def slide_tag(slide: Any) -> str | None:
    """The key a slide was tagged with, if its tag survived."""
    for tags in slide._element.iterfind(f"{qn('p:cSld')}/{qn('p:custDataLst')}/{qn('p:tags')}"):
        try:
            part = slide.part.related_part(tags.get(qn("r:id")))
        except KeyError:
            continue
        root = parse_xml(part.blob)
        for tag in root.iterfind(qn("p:tag")):
            if tag.get("name") == SLIDE_TAG:
                return tag.get("val")
    return None


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


# --------------------------------------------------------------------------- colours


class Palette:
    """The deck's theme colours (through the master's colour map) and its body font."""

    def __init__(self, prs: Any) -> None:
        master = prs.slide_master
        theme = parse_xml(master.part.part_related_by(RT.THEME).blob)
        scheme = theme.find(f".//{qn('a:clrScheme')}")
        self.colours: dict[str, str] = {}
        for slot in scheme:
            value = slot[0]
            rgb = value.get("lastClr") if value.tag == qn("a:sysClr") else value.get("val")
            self.colours[slot.tag.split("}")[1]] = (rgb or "000000").upper()
        mapping = master.element.find(qn("p:clrMap"))
        self.aliases = dict(mapping.attrib) if mapping is not None else {}
        minor = theme.find(f".//{qn('a:minorFont')}/{qn('a:latin')}")
        major = theme.find(f".//{qn('a:majorFont')}/{qn('a:latin')}")
        self.fonts = {
            "+mn-lt": minor.get("typeface") if minor is not None else "",
            "+mj-lt": major.get("typeface") if major is not None else "",
        }

    def rgb(self, colour: Any) -> str:
        """A colour element (srgbClr, schemeClr, sysClr, prstClr) as RGB hex with its
        brightness modifiers (lumMod, lumOff, tint, shade) applied."""
        tag = colour.tag.split("}")[1]
        if tag == "schemeClr":
            slot = colour.get("val")
            base = self.colours.get(self.aliases.get(slot, slot), "000000")
        elif tag == "sysClr":
            base = (colour.get("lastClr") or "000000").upper()
        elif tag == "srgbClr":
            base = colour.get("val", "000000").upper()
        else:
            return tag
        return _modified(base, {m.tag.split("}")[1]: int(m.get("val", "0")) for m in colour})

    def typeface(self, name: str | None) -> str:
        return self.fonts.get(name or "+mn-lt", name or "")


def _modified(hex_rgb: str, mods: dict[str, int]) -> str:
    r, g, b = (int(hex_rgb[i : i + 2], 16) / 255 for i in (0, 2, 4))
    if "tint" in mods or "shade" in mods:
        tint, shade = mods.get("tint", 100000) / 100000, mods.get("shade", 100000) / 100000
        r, g, b = (c * shade + (1 - c) * (1 - tint) for c in (r, g, b))
    h, lum, s = colorsys.rgb_to_hls(r, g, b)
    lum = lum * mods.get("lumMod", 100000) / 100000 + mods.get("lumOff", 0) / 100000
    r, g, b = colorsys.hls_to_rgb(h, min(max(lum, 0.0), 1.0), s)
    return "".join(f"{round(c * 255):02X}" for c in (r, g, b))


def same_colour(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) != 6 or len(b) != 6:
        return False
    try:
        return all(
            abs(int(a[i : i + 2], 16) - int(b[i : i + 2], 16)) <= COLOUR_TOLERANCE
            for i in (0, 2, 4)
        )
    except ValueError:
        return False


# --------------------------------------------------------------------------- shapes


@dataclass(frozen=True)
class ShapeRef:
    """A shape of a slide: its name, element, rectangle on the slide (points, group
    transforms applied) and whether it stands at the slide's top level."""

    name: str
    element: Any
    rect: tuple[float, float, float, float]
    top: bool


_SHAPES = ("sp", "cxnSp", "grpSp", "graphicFrame", "pic", "contentPart")


def walk_shapes(slide: Any) -> Iterator[ShapeRef]:
    """Every shape of the slide, the members of groups too (after their group)."""
    yield from _walk(slide.shapes._spTree, (0.0, 0.0, 1.0, 1.0), True)


def _walk(tree: Any, transform: tuple[float, float, float, float], top: bool) -> Iterator:
    ox, oy, sx, sy = transform
    for element in tree.iterchildren():
        kind = element.tag.split("}")[1]
        if kind not in _SHAPES:
            continue
        c_nv_pr = element.find(f".//{qn('p:cNvPr')}")
        name = c_nv_pr.get("name", "") if c_nv_pr is not None else ""
        x, y, w, h = _own_rect(element)
        rect = (ox + x * sx, oy + y * sy, w * sx, h * sy)
        yield ShapeRef(name, element, rect, top)
        if kind == "grpSp":
            xfrm = element.find(f"{qn('p:grpSpPr')}/{qn('a:xfrm')}")
            inner = transform
            if xfrm is not None and xfrm.find(qn("a:chExt")) is not None:
                ch_x, ch_y, ch_w, ch_h = _box(xfrm, "a:chOff", "a:chExt")
                scale_x = w / ch_w if ch_w else 1.0
                scale_y = h / ch_h if ch_h else 1.0
                inner = (rect[0] - ch_x * scale_x * sx, rect[1] - ch_y * scale_y * sy)
                inner += (scale_x * sx, scale_y * sy)
            yield from _walk(element, inner, False)


def _own_rect(element: Any) -> tuple[float, float, float, float]:
    kind = element.tag.split("}")[1]
    if kind == "graphicFrame":
        xfrm = element.find(qn("p:xfrm"))
    elif kind == "grpSp":
        xfrm = element.find(f"{qn('p:grpSpPr')}/{qn('a:xfrm')}")
    else:
        xfrm = element.find(f"{qn('p:spPr')}/{qn('a:xfrm')}")
    if xfrm is None or xfrm.find(qn("a:off")) is None:
        return (0.0, 0.0, 0.0, 0.0)
    return _box(xfrm, "a:off", "a:ext")


def _box(xfrm: Any, off_tag: str, ext_tag: str) -> tuple[float, float, float, float]:
    off, ext = xfrm.find(qn(off_tag)), xfrm.find(qn(ext_tag))
    values = (off.get("x"), off.get("y"), ext.get("cx"), ext.get("cy"))
    x, y, w, h = (int(v or 0) / EMU_PER_POINT for v in values)
    return (x, y, w, h)


# --------------------------------------------------------------------------- looks


@dataclass(frozen=True)
class Look:
    """What a person may edit on a shape: where it is, its size, fill, line, fonts and text
    (fonts and text as short digests)."""

    x: float
    y: float
    w: float
    h: float
    fill: str = ""
    line: str = ""
    fonts: str = ""
    text: str = ""

    def pack(self) -> list:
        return [round(self.x, 1), round(self.y, 1), round(self.w, 1), round(self.h, 1)] + [
            self.fill,
            self.line,
            self.fonts,
            self.text,
        ]

    @staticmethod
    def unpack(values: list) -> Look:
        return Look(*values)

    def edits_from(self, base: Look) -> list[str]:
        """The aspects in which this (the person's copy) differs from `base` (generated)."""
        found = []
        if max(abs(self.x - base.x), abs(self.y - base.y)) > POSITION_TOLERANCE:
            found.append("position")
        if max(abs(self.w - base.w), abs(self.h - base.h)) > POSITION_TOLERANCE:
            found.append("size")
        if not _same_paint(self.fill, base.fill):
            found.append("fill")
        if not _same_paint(self.line, base.line):
            found.append("line")
        if self.fonts != base.fonts:
            found.append("font")
        if self.text != base.text:
            found.append("text")
        return found


def _same_paint(a: str, b: str) -> bool:
    parts_a, parts_b = a.split("/"), b.split("/")
    return len(parts_a) == len(parts_b) and all(same_colour(x, y) for x, y in zip(parts_a, parts_b))


def look_of(shape: ShapeRef, palette: Palette) -> Look:
    """The shape's `Look` measured from its XML: a connector only by its line (the app
    redraws its path), a table or chart by its place and text."""
    element = shape.element
    kind = element.tag.split("}")[1]
    sp_pr = element.find(qn("p:spPr"))
    fill = line = ""
    if sp_pr is not None:
        fill = _paint(sp_pr, palette)
        ln = sp_pr.find(qn("a:ln"))
        if ln is not None:
            line = _paint(ln, palette)
            if line != "none":
                dash = ln.find(qn("a:prstDash"))
                width = round(int(ln.get("w", "12700")) / EMU_PER_POINT, 1)
                line += f"/{width}/{dash.get('val') if dash is not None else ''}"
    if kind == "cxnSp":
        return Look(0.0, 0.0, 0.0, 0.0, "", line)
    fonts = _digest(fonts_of(element, palette)) if kind != "graphicFrame" else ""
    return Look(*shape.rect, fill, line, fonts, _digest(text_of(element)))


def _paint(parent: Any, palette: Palette) -> str:
    for child in parent:
        kind = child.tag.split("}")[1]
        if kind == "noFill":
            return "none"
        if kind == "solidFill" and len(child):
            return palette.rgb(child[0])
        if kind in ("gradFill", "pattFill", "blipFill", "grpFill"):
            colours = [palette.rgb(c) for c in child.iter() if c.tag.endswith("Clr")]
            return kind + ":" + "-".join(colours[:2])
    return ""


def text_of(element: Any) -> str:
    """The shape's text, one line per paragraph (a table's cells joined by tabs)."""
    body = element.find(qn("p:txBody"))
    if body is None:
        rows = element.iterfind(f".//{qn('a:tr')}")
        return "\n".join(
            "\t".join(_paragraphs(tc) for tc in tr.iterfind(qn("a:tc"))) for tr in rows
        )
    return _paragraphs(body)


def _paragraphs(parent: Any) -> str:
    return "\n".join(
        "".join(t.text or "" for t in p.iter(qn("a:t"))).rstrip() for p in parent.iter(qn("a:p"))
    )


def fonts_of(element: Any, palette: Palette) -> str:
    """The runs' sizes, weights, slants, colours (to 4 bits a channel: exact RGB depends on
    rounding) and typefaces, resolved."""
    runs = []
    for run in element.iter(qn("a:r")):
        if not "".join(t.text or "" for t in run.iter(qn("a:t"))).strip():
            continue
        rpr = run.find(qn("a:rPr"))
        if rpr is None:
            runs.append("-")
            continue
        fill = rpr.find(qn("a:solidFill"))
        colour = palette.rgb(fill[0])[::2] if fill is not None and len(fill) else ""
        latin = rpr.find(qn("a:latin"))
        face = palette.typeface(latin.get("typeface") if latin is not None else None)
        runs.append(
            f"{rpr.get('sz', '')}{'b' if rpr.get('b') in ('1', 'true') else ''}"
            f"{'i' if rpr.get('i') in ('1', 'true') else ''}:{colour}:{face}"
        )
    return "|".join(runs)


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10] if text else ""
